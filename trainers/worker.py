"""The worker: one background thread that trains queued jobs, one after another.

All TensorFlow work of every run happens on this thread; other threads only submit jobs, send
controls and read snapshots. The thread imports TensorFlow as soon as it starts, so the engine
warms up while the first page is already on screen; `ready` tells when it has.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.events import QUEUED, RunLog


@dataclass
class Job:
    """A submitted job: its configuration, its event log, its control mailbox, and its trainer.

    Attributes:
        config: a `RunConfig`, or the configuration of a job of several runs (a race).
        log: its events; a race's log holds one `RunLog` per contestant besides.
        control: stop, pause and resume for the whole job.
        execute: called as `execute(config, log, control)` on the worker thread;
            `engine.execute` when None.
    """

    config: RunConfig
    log: RunLog
    control: RunControl = field(default_factory=RunControl)
    execute: Callable[[object, RunLog, RunControl], object] | None = None

    @property
    def run_id(self) -> str:
        return self.log.run_id


class Worker:
    """Trains submitted jobs in order on one daemon thread.

    Args:
        name: the thread's name.
        on_ready: called on the worker thread once TensorFlow and Keras are imported, before
            the first job; a host application adapts Keras to itself there.
    """

    def __init__(
        self, name: str = "looplab-worker", on_ready: Callable[[], None] | None = None
    ) -> None:
        self.jobs: dict[str, Job] = {}
        self._on_ready = on_ready
        self.ready = threading.Event()
        self.startup_error: str | None = None
        self._queue: queue.Queue[Job] = queue.Queue()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def submit(self, config: RunConfig) -> Job:
        """Queues a run; it starts when the runs before it have ended.

        Raises:
            ConfigError: when the configuration cannot work (nothing is queued then).
        """
        return self.submit_job(config, lambda run_id: RunLog(run_id, config.to_dict()))

    def submit_job(
        self,
        config,
        new_log: Callable[[str], RunLog],
        execute: Callable[[object, RunLog, RunControl], object] | None = None,
        prefix: str = "run",
    ) -> Job:
        """Queues any job that trains on this thread, e.g. a race of several runs.

        Args:
            config: the job's configuration; its `check()` raises `ConfigError` when it
                cannot work (nothing is queued then).
            new_log: makes the job's log from its id.
            execute: trains it, as `execute(config, log, control)`; `engine.execute` when None.
            prefix: the start of the job's id, e.g. `"race"` for `race-3`.
        """
        config.check()
        with self._lock:
            run_id = f"{prefix}-{next(self._numbers)}"
            job = Job(config, new_log(run_id), execute=execute)
            self.jobs[run_id] = job
        self._queue.put(job)
        return job

    def position(self, job: Job) -> int:
        """How many runs come before this queued job (0 once it runs or has ended)."""
        if job.log.status != QUEUED:
            return 0
        with self._lock:
            waiting = [j for j in self.jobs.values() if j.log.status == QUEUED]
            active = any(not j.log.finished and j.log.status != QUEUED for j in self.jobs.values())
        return waiting.index(job) + int(active)

    @property
    def active(self) -> Job | None:
        """The job training now, if any."""
        with self._lock:
            jobs = list(self.jobs.values())
        return next((j for j in jobs if not j.log.finished and j.log.status != QUEUED), None)

    def _serve(self) -> None:
        try:
            import tensorflow  # noqa: F401  (about ten seconds: done once, off the page thread)

            from trainers import engine

            if self._on_ready is not None:
                self._on_ready()
        except Exception as error:  # a broken install: say so on every page
            self.startup_error = f"{type(error).__name__}: {error}"
            return
        finally:
            self.ready.set()
        while True:
            job = self._queue.get()
            if job.control.stop_requested:
                job.log.emit("end", 0, {"status": "stopped"})
                continue
            (job.execute or engine.execute)(job.config, job.log, job.control)
