"""The worker: one background thread that trains queued jobs, one after another.

All TensorFlow work of every run happens on this thread; other threads only submit jobs, send
controls and read snapshots. The thread imports TensorFlow when it starts (or, for a web
server, once its first page is on screen), so that the engine warms up while the person reads
the page; `ready` tells when it has. A job submitted before waits for it in the queue.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from trainers.access import OPEN, Actor, Refused
from trainers.budget import planned_examples
from trainers.control import RunControl
from trainers.events import QUEUED, RunLog

logger = logging.getLogger(__name__)


class JobConfig(Protocol):
    """What every job's configuration offers: a run's, a race's, a style lab's.

    Attributes:
        kind: what the job is, `"run"`, `"race"` or `"lab"`: the start of its id.
        style: the training style a view of a single run shows for the job.
    """

    kind: ClassVar[str]

    @property
    def style(self) -> str: ...

    def check(self) -> None:
        """Raises `ConfigError` when the job cannot work, saying what would."""

    def to_dict(self) -> dict:
        """The configuration as plain JSON-ready data."""


@dataclass
class Job:
    """A submitted job: its configuration, its event log, its control mailbox, and its trainer.

    Attributes:
        config: the job's configuration.
        log: its events; a group's log holds one `RunLog` per run besides.
        control: stop, pause and resume for the whole job.
        execute: called as `execute(config, log, control)` on the worker thread;
            `engine.execute` when None.
        session: the browser session that queued it, if any.
    """

    config: JobConfig
    log: RunLog
    control: RunControl = field(default_factory=RunControl)
    execute: Callable[[object, RunLog, RunControl], object] | None = None
    session: str | None = None

    @property
    def run_id(self) -> str:
        return self.log.run_id

    @property
    def is_group(self) -> bool:
        """Whether the job trains several runs (a race or a style lab) rather than one."""
        return self.config.kind != "run"


class QueueFull(Refused):
    """A job refused because the queue holds as many as `QueueLimits` allows."""


class TooLarge(Refused):
    """A job refused because it would train on more examples than `QueueLimits` allows."""


@dataclass(frozen=True)
class QueueLimits:
    """How many jobs may wait for the worker, and how much each may train.

    Attributes:
        total: the most queued jobs, from every session together.
        per_session: the most queued jobs of one browser session.
        examples: the most examples one job may train on, epochs times examples per epoch
            (see `budget.planned_examples`): 100 million take about an hour and a half here.
    """

    total: int = 20
    per_session: int = 3
    examples: int = 100_000_000


class Worker:
    """Trains submitted jobs in order on one daemon thread.

    Args:
        name: the thread's name.
        on_ready: called on the worker thread once TensorFlow and Keras are imported, before
            the first job; a host application adapts Keras to itself there.
        new_id: makes a job's id from its kind (`"run"` -> `"run-17"`); ids count from 1 in
            this worker when None. A store hands out ids that last across restarts.
        on_submit: called with each job as it is queued, before any of its events (on the
            submitting thread); a store follows the job's log there.
        on_finished: called on the worker thread as `on_finished(job, trained)` once a job
            has ended, `trained` what its `execute` returned (a `Run`, with its `.model`, or
            None); a store saves the trained network there. An error it raises is logged.
        limits: how many jobs may wait, in all and per session.
        load_now: start loading TensorFlow at once; when False, at the first `load_engine()`
            or `submit()`. A web server draws its first page first: TensorFlow's import would
            compete with it for the interpreter.
    """

    def __init__(
        self,
        name: str = "looplab-worker",
        on_ready: Callable[[], None] | None = None,
        new_id: Callable[[str], str] | None = None,
        on_submit: Callable[[Job], None] | None = None,
        on_finished: Callable[[Job, object], None] | None = None,
        limits: QueueLimits | None = None,
        load_now: bool = True,
    ) -> None:
        self.limits = limits or QueueLimits()
        self._jobs: dict[str, Job] = {}
        self._load = threading.Event()
        if load_now:
            self._load.set()
        self._on_ready = on_ready
        self._new_id = new_id
        self._on_submit = on_submit
        self._on_finished = on_finished
        self.ready = threading.Event()
        self.startup_error: str | None = None
        self._queue: queue.Queue[Job] = queue.Queue()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def submit(
        self,
        config: JobConfig,
        new_log: Callable[[str], RunLog] | None = None,
        execute: Callable[[object, RunLog, RunControl], object] | None = None,
        by: Actor = OPEN,
        session: str | None = None,
    ) -> Job:
        """Queues a job; it starts when the jobs before it have ended.

        Args:
            config: the job's configuration; its `check()` raises `ConfigError` when it
                cannot work (nothing is queued then).
            new_log: makes the job's log from its id; a plain `RunLog` when None.
            execute: trains it, as `execute(config, log, control)`; `engine.execute` when None.
            by: who asks; only an operator may (`access.Refused` otherwise).
            session: the browser session that asks, held to `limits.per_session`.

        Raises:
            access.Refused: for a viewer, when the queue is full (`QueueFull`), or when the
                job would train too long (`TooLarge`).
            ConfigError: when the job cannot work.
        """
        by.require_operator("start a run")
        config.check()
        self._check_size(config)
        self._check_room(session)
        new_log = new_log or (lambda run_id: RunLog(run_id, config.to_dict()))
        run_id = self._new_id(config.kind) if self._new_id else None
        with self._lock:
            run_id = run_id or f"{config.kind}-{next(self._numbers)}"
            job = Job(config, new_log(run_id), execute=execute, session=session)
        if self._on_submit is not None:
            self._on_submit(job)
        with self._lock:
            self._jobs[run_id] = job
        self._queue.put(job)
        self.load_engine()  # the job needs it; it starts once TensorFlow has loaded
        return job

    def _check_size(self, config: JobConfig) -> None:
        planned = planned_examples(config)
        if planned is not None and planned > self.limits.examples:
            raise TooLarge(
                f"This run would train on {planned:,} examples (epochs × examples), more than "
                f"the {self.limits.examples:,} one run may here. Lower the epochs or set max "
                f"examples. Received: {planned:,} examples"
            )

    def _check_room(self, session: str | None) -> None:
        waiting = self.queued()
        if len(waiting) >= self.limits.total:
            raise QueueFull(
                f"The queue is full: at most {self.limits.total} runs may wait, and "
                f"{len(waiting)} do. Start this one when one of them has begun. "
                f"Received: run number {len(waiting) + 1}"
            )
        mine = sum(job.session == session for job in waiting) if session else 0
        if session and mine >= self.limits.per_session:
            raise QueueFull(
                f"This browser already has {mine} runs waiting, the most one session may "
                f"queue ({self.limits.per_session}). Received: run number {mine + 1}"
            )

    def steer(self, job: Job, by: Actor) -> RunControl:
        """The job's controls (stop, pause, new settings), for an operator only.

        Raises:
            access.Refused: for a viewer.
        """
        by.require_operator("stop, pause or change a run")
        return job.control

    def cancel(self, job: Job, by: Actor) -> None:
        """Takes a queued job out of the queue (or stops it, if it has begun meanwhile).

        Raises:
            access.Refused: for a viewer.
        """
        self.steer(job, by).stop()

    def load_engine(self) -> None:
        """Lets the thread load TensorFlow now, if it has not begun (see `load_now`)."""
        self._load.set()

    # Reading (any thread).

    @property
    def is_ready(self) -> bool:
        """Whether TensorFlow has loaded (or failed to: see `startup_error`)."""
        return self.ready.is_set()

    def job(self, run_id: str) -> Job | None:
        """The job with this id, or None."""
        with self._lock:
            return self._jobs.get(run_id)

    def jobs(self) -> list[Job]:
        """Every job this worker has taken, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def queued(self) -> list[Job]:
        """The jobs waiting to start, in the order they will."""
        return [job for job in self.jobs() if job.log.status == QUEUED]

    @property
    def active(self) -> Job | None:
        """The job training now, if any."""
        return next((j for j in self.jobs() if not j.log.finished and j.log.status != QUEUED), None)

    def position(self, job: Job) -> int:
        """How many jobs come before this queued job (0 once it runs or has ended)."""
        if job.log.status != QUEUED:
            return 0
        return self.queued().index(job) + int(self.active is not None)

    def _serve(self) -> None:
        self._load.wait()
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
            trained = (job.execute or engine.execute)(job.config, job.log, job.control)
            if self._on_finished is not None:
                try:
                    self._on_finished(job, trained)
                except Exception:  # the run has ended; what is kept of it must not stop the next
                    logger.error("After %s:\n%s", job.run_id, traceback.format_exc())
