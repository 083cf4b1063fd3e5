"""The store's writer: a background thread that writes followed runs into the database.

Training never waits on the disk. A followed run's events are appended to an in-memory queue
on the thread that emits them (a deque append: no I/O, no lock held, no TensorFlow); the
writer's own thread writes them in one transaction at least every `interval` seconds, at once
after an epoch or the run's end (but no sooner than `QUICKEST_SECONDS` after the last write),
and refreshes the heartbeat of live runs so that other
processes can tell a run whose process died (`Store.mark_interrupted`). TensorBoard's event
files are written from the store when asked for (`trainers.store.tensorboard`), not here.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

from trainers.events import Event, RunLog
from trainers.group import GroupLog
from trainers.store import codec, names, records
from trainers.store.connection import release_free_pages
from trainers.store.database import Store
from trainers.store.liveness import HOST
from trainers.store.records import RunState
from trainers.store.versions import library_versions

logger = logging.getLogger(__name__)

URGENT = ("start", "epoch", "end")  # events written at once, not at the next interval
# The least time between two writes of a live run's events. A small network ends several
# epochs a second, and each write rewrites the run's open chunk: an epoch's end waits this long
# after the last write, so that writing costs the run the same at any epoch length.
QUICKEST_SECONDS = 0.25
RETRIES = 5  # flushes a batch of events may fail (database locked too long) before it is lost


@dataclass
class _Flush:
    """A request in the queue: set once everything queued before it is written."""

    done: threading.Event = field(default_factory=threading.Event)


class StoreWriter:
    """Writes the runs it follows into a `Store`, from one background thread.

    Args:
        store: where the runs go.
        interval: the most seconds between two writes of a live run's events.

    Attributes:
        busy_seconds: the CPU time the writes took so far, on the thread that made them.
    """

    def __init__(self, store: Store, interval: float = 1.0) -> None:
        self.store = store
        self.interval = interval
        self.busy_seconds = 0.0
        self._queue: collections.deque = collections.deque()
        self._wake = threading.Event()
        self._hurry = threading.Event()  # ends the rest between two writes: a flush, a close
        self._states: dict[str, RunState] = {}  # the runs followed and not yet ended
        self._lock = threading.Lock()  # for `_states`: `follow` adds, the writer's thread drops
        self._closing = False
        self._writing = threading.Lock()  # one write at a time: the thread's, or after close
        self._failures = 0
        self._thread = threading.Thread(target=self._serve, name="looplab-store", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def follow(
        self,
        log: RunLog,
        *,
        kind: str,
        owner: str,
        name: str | None = None,
        parent: str | None = None,
    ) -> None:
        """Stores a run from now on: inserts its row at once, then writes each of its events.

        Follow a run before it starts: events from before the call are not stored. A
        `GroupLog`'s runs are followed too, each named by its label, `parent` the group. A
        single run's log may then thin its older rows in memory (`RunLog.keep_recent`).

        Args:
            log: the run's event log.
            kind: `"run"`, `"race"`, `"lab"` or `"script"`.
            owner: who trains it: `"app"`, `"cli"` or `"script"`.
            name: the name shown for it; its id when None.
            parent: the id of the group it belongs to, if any.

        Raises:
            ValueError: for a name that is not plain words (see `names.checked_name`).
        """
        now = time.time()
        name = log.run_id if name is None else names.checked_name(name)
        logs = [(log, kind, name, parent, None)]
        if isinstance(log, GroupLog):
            logs += [(run, "run", label, log.run_id, label) for label, run in log.runs.items()]
        rows = [
            self._row(run, kind, owner, name, parent, label, created=now + index * 1e-6)
            for index, (run, kind, name, parent, label) in enumerate(logs)
        ]
        self.store.insert_runs(rows)
        for run, *_ in logs:
            state = RunState(run.run_id, run.status)
            with self._lock:
                self._states[run.run_id] = state
            run.subscribe(self._listener(state))
        if not isinstance(log, GroupLog):  # a race's rows stay whole: its leaderboard reads them
            log.keep_recent()  # the store keeps every row: memory may keep the recent ones

    def save_model(self, run_id: str, model) -> None:
        """Saves a run's trained network where `Store.model_path` says (on the training
        thread, at the run's end)."""
        path = self.store.model_path(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)

    def flush(self) -> None:
        """Returns once everything queued so far is written."""
        request = _Flush()
        self._queue.append(request)
        self._wake.set()
        self._hurry.set()
        while not request.done.wait(0.5):
            if not self._thread.is_alive():  # closed: write here
                self._write(self._drain())

    def close(self) -> None:
        """Writes what is queued and ends the thread."""
        if self._closing:
            return
        self._closing = True
        self._wake.set()
        self._hurry.set()
        self._thread.join()
        self._write(self._drain())
        atexit.unregister(self.close)

    # On the emitting thread.

    def _listener(self, state: RunState):
        append, wake = self._queue.append, self._wake.set

        def listen(event: Event) -> None:
            append((state, event, time.time()))
            if event.kind in URGENT:
                wake()

        return listen

    def _row(self, log, kind, owner, name, parent, label, created: float) -> dict:
        return {
            "run_id": log.run_id,
            "name": name,
            "label": label,
            "kind": kind,
            "parent": parent,
            "status": log.status,
            "owner": owner,
            "pid": os.getpid(),
            "host": HOST,
            "created": created,
            "steps": 0,
            "best": "{}",
            "config": codec.dumps(log.config).decode(),
            "info": codec.dumps(log.info).decode(),
            "result": "{}",
            "versions": codec.dumps(library_versions()).decode(),
            "tags": "[]",
        }

    # On the writer thread.

    def _serve(self) -> None:
        while not self._closing:
            self._wake.wait(self.interval)
            self._wake.clear()
            self._write(self._drain())
            if self._hurry.wait(min(QUICKEST_SECONDS, self.interval)):
                self._hurry.clear()

    def _drain(self) -> list:
        items = []
        while True:
            try:
                items.append(self._queue.popleft())
            except IndexError:
                return items

    def _write(self, items: list) -> None:
        """Writes drained events in one transaction; answers flushes."""
        flushes = [item for item in items if isinstance(item, _Flush)]
        try:
            with self._writing:
                started = time.thread_time()
                self._write_events([item for item in items if isinstance(item, tuple)], flushes)
                self.busy_seconds += time.thread_time() - started
        except Exception:  # the thread must go on: the next runs still need it
            logger.exception("Looplab's store could not write %d events.", len(items))
        for flush in flushes:
            flush.done.set()

    def _write_events(self, items: list[tuple], flushes: list[_Flush]) -> None:
        events: dict[str, list] = {}
        states: dict[str, RunState] = {}
        for state, event, at in items:
            states[state.run_id] = state
            events.setdefault(state.run_id, []).append((event, at))
        try:
            self._commit(states, events)
            self._failures = 0
        except OperationalError as error:  # locked past the busy timeout: try again next time
            self._failures += 1
            if self._failures <= RETRIES:
                logger.warning("Looplab's store is busy (%s); writing again shortly.", error)
                self._queue.extendleft(reversed([*items, *flushes]))
                flushes.clear()  # answered once written
                return
            self._failures = 0
            logger.error("Looplab's store lost %d events: %s", len(items), error)
        with self._lock:  # runs whose end is written are forgotten
            for state in states.values():
                if not state.live:
                    self._states.pop(state.run_id, None)

    def _commit(self, states: dict[str, RunState], events: dict[str, list]) -> None:
        with self._lock:
            followed = list(self._states.values())
        live = [s for s in followed if s.live and s.run_id not in events]
        if not events and not live:
            return
        after = {}
        with self.store.writer_engine.begin() as connection:
            for run_id, run_events in events.items():
                if not states[run_id].deleted:
                    after[run_id] = records.write_events(connection, states[run_id], run_events)
            records.heartbeat(connection, live)
        for run_id, state in after.items():  # committed: the writer's view moves on
            vars(states[run_id]).update(vars(state))
        if any(not state.live for state in after.values()):  # a run ended
            release_free_pages(self.store.writer_engine)
