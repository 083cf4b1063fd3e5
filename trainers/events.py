"""The event stream of a run: what happened, as plain Python data any thread may read.

The worker thread appends; pages, the command line and tests read. Every style reports the
same events:

- `start`: the configuration, the model summary and its parameter count.
- `batch`: one row per batch (see `BATCH_FIELDS`), plus the batch's metrics.
- `epoch`: training and validation metrics at the end of an epoch.
- `image`: a sample grid (GANs) or a few test predictions (classifiers).
- `mark`: a control that took effect (pause, resume, learning rate change, stop...).
- `end`: the final status, and the error if the run failed.

Batch rows are kept in columns (one list per field) so a chart can take thousands of points
without copying dictionaries, and so `snapshot()` is cheap enough to call every second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from trainers import thinning

# Every batch row carries these fields. `loss` and the metrics are the batch's own values;
# the same names prefixed with `mean_` are Keras' running means over the epoch so far.
BATCH_FIELDS = ("step", "epoch", "batch", "size", "lr", "examples_per_second", "seconds")

QUEUED, RUNNING, COMPLETED, STOPPED, DIVERGED, FAILED = (
    "queued",
    "running",
    "completed",
    "stopped",
    "diverged",
    "failed",
)
# A run whose process ended (killed, crashed, shut down) before the run did: the store marks
# it so when it finds the run left `queued` or `running` by a process that is gone.
INTERRUPTED = "interrupted"
FINISHED = (COMPLETED, STOPPED, DIVERGED, FAILED, INTERRUPTED)


@dataclass
class Event:
    """One thing that happened in a run.

    Attributes:
        kind: `"start"`, `"batch"`, `"epoch"`, `"image"`, `"mark"` or `"end"`.
        step: the global step (batches trained so far) when it happened.
        data: the event's content, plain data only.
    """

    kind: str
    step: int
    data: dict


@dataclass
class RunLog:
    """Everything one run has reported so far.

    Attributes:
        run_id: a short name for the run.
        config: the run's configuration as a dict.
        status: one of `queued`, `running`, `completed`, `stopped`, `diverged`, `failed`, or
            `interrupted` (a stored run whose process is gone, see `trainers.store`).
        info: what the `start` event said (summary, parameter count, source of the style...).
        batches: per-batch columns, `BATCH_FIELDS` first, then each metric and its `mean_`.
            A log the store follows keeps its recent rows whole and thins older ones (see
            `keep_recent`); its snapshot's `thinned` counts the thinned rows at the start.
        epochs: one dict per finished epoch: `epoch`, metric values, `val_` metric values.
        images: one dict per image event: `step`, `epoch`, `title`, `pixels` (uint8 array),
            and for predictions `labels`.
        marks: one dict per control that took effect: `step`, `seconds`, `kind`, `value`.
        result: what the run left at its end (final metrics, test metrics, confusion matrix).
        error: the error message of a failed run.
        recording_seconds: the time the recorder spent on this run's batches: its own cost.
    """

    run_id: str
    config: dict
    status: str = QUEUED
    info: dict = field(default_factory=dict)
    batches: dict[str, list] = field(default_factory=dict)
    epochs: list[dict] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    marks: list[dict] = field(default_factory=list)
    result: dict = field(default_factory=dict)
    error: str | None = None
    created: float = field(default_factory=time.time)
    recording_seconds: float = 0.0  # the recorder's own time on this run's batches
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _listeners: list[Callable[[Event], None]] = field(default_factory=list, repr=False)
    _stored: Callable[[str], dict] | None = field(default=None, repr=False)
    _stored_steps: int = field(default=0, repr=False)
    _recent: int = field(default=0, repr=False)  # rows kept whole; 0: every row, for ever
    _thinned: int = field(default=0, repr=False)  # leading rows of `batches` that are thinned

    # Writing (the worker thread).

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Calls `listener(event)` on the worker thread for every event from now on."""
        self._listeners.append(listener)

    def emit(self, kind: str, step: int, data: dict) -> None:
        """Records an event and hands it to the listeners."""
        with self._lock:
            if kind == "batch":
                columns = self.batches
                if not columns:
                    columns.update({name: [] for name in data})
                for name, value in data.items():
                    columns[name].append(value)
                if self._recent and len(columns["step"]) - self._thinned > 2 * self._recent:
                    self._thin()
            elif kind == "epoch":
                self.epochs.append(data)
            elif kind == "image":
                self.images.append(data)
            elif kind == "mark":
                self.marks.append(data)
            elif kind == "start":
                self.status = RUNNING
                self.info.update(data)
            elif kind == "end":
                self.status = data["status"]
                self.error = data.get("error")
                self.result.update(data.get("result", {}))
            else:
                raise ValueError(f"Unknown event kind. Received: kind={kind!r}")
        event = Event(kind, step, data)
        for listener in self._listeners:
            listener(event)

    def keep_recent(self, rows: int = thinning.RECENT) -> None:
        """Lets the log thin its batch rows older than the last `rows` (see `trainers.thinning`).

        For a run whose every row a store keeps: memory then stays flat however long it trains.
        """
        self._recent = rows

    def _thin(self) -> None:
        cut = len(self.batches["step"]) - self._recent
        older = thinning.thin({name: values[:cut] for name, values in self.batches.items()})
        self._thinned = len(older["step"])
        self.batches = {name: older[name] + values[cut:] for name, values in self.batches.items()}

    def fail(self, error: str, traceback: str | None = None) -> None:
        """Ends the run as failed with this error, at the last step it trained.

        Args:
            error: what went wrong, in one line.
            traceback: where, for an unexpected error: kept in the run's `result`.
        """
        result = {"traceback": traceback} if traceback else {}
        self.emit("end", self.steps, {"status": FAILED, "error": error, "result": result})

    def release(self, stored: Callable[[str], dict]) -> None:
        """Frees the rows of an ended run that a store holds; its snapshots then come from there.

        A server that trains for days would otherwise keep every batch of every run it took in
        memory for ever. Status, info and results stay; batches, epochs, images and marks go.

        Args:
            stored: a run's snapshot from the store, by its id (`Store.snapshot`).
        """
        with self._lock:
            self._stored_steps = self.steps
            self._thinned = 0
            self.batches, self.epochs, self.images, self.marks = {}, [], [], []
            self._stored = stored

    # Reading (any thread).

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def steps(self) -> int:
        return self._stored_steps if self._stored else steps_in(self.batches)

    def snapshot(self) -> dict:
        """A consistent copy of everything so far, safe to read while the run goes on.

        Once `release`d, the store's snapshot of the run.
        """
        if self._stored is not None:
            return self._stored(self.run_id)
        with self._lock:
            return {
                "run_id": self.run_id,
                "config": dict(self.config),
                "status": self.status,
                "info": dict(self.info),
                "batches": {name: list(values) for name, values in self.batches.items()},
                "thinned": self._thinned,
                "epochs": list(self.epochs),
                "images": list(self.images),
                "marks": list(self.marks),
                "result": dict(self.result),
                "error": self.error,
                "recording_seconds": self.recording_seconds,
            }


def steps_in(batches: dict[str, list]) -> int:
    """The batches a run trained, from its batch columns (thinned or not: steps count from 0)."""
    steps = batches.get("step")
    return steps[-1] + 1 if steps else 0
