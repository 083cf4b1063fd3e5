"""Turns what a training style reports into the run's events, and applies the run's controls.

Styles report in whichever form they have at hand. `fit()` and its callbacks give Keras' running
means over the epoch; a loop from scratch has the batch's own loss. The recorder derives the
other form, so every style streams both: the batch's own value and the running epoch mean.
Between two batches it also applies what other threads asked for (a new learning rate, pause,
stop), on the worker thread, and marks each on the stream.

A loop reports each batch with `batch`, which records it and then applies the controls. `fit()`
may record its batches from Keras' own threads (`record`, in order, see `trainers.batch_order`)
while the worker thread applies the controls before each batch (`before_batch`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from trainers.control import RunControl
from trainers.events import COMPLETED, DIVERGED, STOPPED, RunLog


class Recorder:
    """Records the batches and epochs of one run and hands controls to it.

    Args:
        log: where the events go.
        control: the requests of other threads.
        apply: called on the worker thread as `apply(kind, value)` for each request that is
            not pause, resume or stop; returns the value to mark on the charts.
        learning_rate: returns the current learning rate.
        max_steps: stop after this many batches (0: no limit).
        seconds: stop after this much training time (0: no limit).
    """

    def __init__(
        self,
        log: RunLog,
        control: RunControl,
        apply: Callable[[str, object], object],
        learning_rate: Callable[[], float],
        max_steps: int = 0,
        seconds: float = 0.0,
    ) -> None:
        self.log = log
        self.control = control
        self.apply = apply
        self.learning_rate = learning_rate
        self.max_steps = max_steps
        self.max_seconds = seconds
        self.step = 0
        self.outcome = COMPLETED
        self._learning_rate = learning_rate()
        self._epoch = -1
        self._seen = 0
        self._totals: dict[str, float] = {}
        self._means: dict[str, float] = {}
        self._clock = time.perf_counter()
        self._active = 0.0  # seconds of training, pauses left out
        self._stop_marked_after = False  # a stop seen before a batch, marked after it

    @property
    def seconds(self) -> float:
        """Seconds of training so far, pauses left out."""
        return self._active + time.perf_counter() - self._clock

    def restart_clock(self) -> None:
        """Leaves the time since the last batch out of the training time, as a pause is.

        A race calls it before each of a contestant's turns, so that the others' turns do not
        count as this run's training time.
        """
        self._clock = time.perf_counter()

    def batch(
        self,
        epoch: int,
        batch: int,
        size: int,
        own: dict | None = None,
        means: dict | None = None,
    ) -> bool:
        """Records one batch, then applies the controls; returns whether training should go on.

        Args:
            epoch: the epoch, from 0.
            batch: the batch within the epoch, from 0.
            size: how many examples the batch held.
            own: metric values of this batch alone.
            means: Keras' running means over the epoch so far, this batch included.
        """
        return self.record(epoch, batch, size, own, means) and self._between_batches()

    def begin_epoch(self, epoch: int) -> None:
        """Starts an epoch's running means, and reads the learning rate it begins with."""
        self._epoch, self._seen, self._totals, self._means = epoch, 0, {}, {}
        self._learning_rate = self.learning_rate()  # a style may change it between epochs

    def record(
        self,
        epoch: int,
        batch: int,
        size: int,
        own: dict | None = None,
        means: dict | None = None,
    ) -> bool:
        """Records one batch (as `batch`, without applying controls); returns False once a
        loss is no longer finite. Batches must come in order, one at a time, from any thread;
        an epoch not begun with `begin_epoch` begins here."""
        now = time.perf_counter()
        elapsed = now - self._clock
        self._active += elapsed
        self._clock = now
        if epoch != self._epoch:
            self.begin_epoch(epoch)
        seen_before, self._seen = self._seen, self._seen + size
        row = {
            "step": self.step,
            "epoch": epoch + 1,  # counted from 1, like the epoch events
            "batch": batch,
            "size": size,
            "lr": self._learning_rate,
            "examples_per_second": size / elapsed if elapsed > 0 else 0.0,
            "seconds": self._active,
        }
        for name, value in (own or {}).items():
            value = float(value)
            self._totals[name] = self._totals.get(name, 0.0) + value * size
            row[name] = value
            row["mean_" + name] = self._totals[name] / self._seen
        for name, value in (means or {}).items():
            mean = float(value)
            before = self._means.get(name, 0.0)
            row[name] = (mean * self._seen - before * seen_before) / size
            row["mean_" + name] = self._means[name] = mean
        self.step += 1
        self.log.emit("batch", self.step, row)
        if any(not math.isfinite(value) for key, value in row.items() if "loss" in key):
            self.outcome = DIVERGED
            return False
        if self._stop_marked_after:  # `before_batch` saw a stop: this was the last batch
            self._stop_marked_after = False
            self.mark("stop")
        self.log.recording_seconds += time.perf_counter() - now  # what watching costs the run
        return True

    def before_batch(self, step: int) -> bool:
        """Applies the controls before the batch of this global step (of `fit()`, on the worker
        thread, once the batches before it are recorded); returns False when it is to be the
        last batch: a stop was asked for (marked once it is recorded), or a limit is reached."""
        self._pause_and_apply()
        if self.control.stop_requested:
            self.outcome = STOPPED
            self._stop_marked_after = True
            return False
        return not self.limit_reached(step)

    def limit_reached(self, step: int) -> bool:
        """Whether the batch of this global step is the last that `max_steps` and `seconds`
        allow."""
        if self.max_steps and step + 1 >= self.max_steps:
            return True
        return bool(self.max_seconds and self.seconds >= self.max_seconds)

    @property
    def epoch_number(self) -> int:
        """The epoch training now, counted from 1 like the epoch events."""
        return self._epoch + 1

    def mean(self, name: str) -> float:
        """The running mean of a metric over the current epoch."""
        return self._totals[name] / self._seen if name in self._totals else self._means[name]

    def epoch(self, epoch: int, metrics: dict) -> None:
        """Records the end of an epoch: training metrics and `val_` validation metrics."""
        values = {"epoch": epoch + 1} | {name: float(value) for name, value in metrics.items()}
        self.log.emit("epoch", self.step, values)

    def emit(self, kind: str, data: dict) -> None:
        """Records any other event (an image, say) at the current step."""
        self.log.emit(kind, self.step, data)

    def end(self, result: dict) -> None:
        """Ends the run with its outcome and what it leaves (`result`)."""
        self.log.emit("end", self.step, {"status": self.outcome, "result": result})

    @property
    def images(self) -> list[dict]:
        """The image events so far (sample grids, prediction previews), oldest first."""
        return self.log.images

    @property
    def stop_requested(self) -> bool:
        """Whether someone asked the run to stop."""
        return self.control.stop_requested

    def mark(self, kind: str, value: object = None) -> None:
        """Marks a control that took effect, at the current step."""
        self.emit(
            "mark", {"step": self.step, "seconds": self.seconds, "kind": kind, "value": value}
        )

    def _between_batches(self) -> bool:
        self._pause_and_apply()
        if self.control.stop_requested:
            self.outcome = STOPPED
            self.mark("stop")
            return False
        return not self.limit_reached(self.step - 1)  # the batch just recorded

    def _pause_and_apply(self) -> None:
        """Applies what other threads asked for, and waits out a pause, marking each."""
        control = self.control
        self.apply_requests()
        if control.paused and not control.stop_requested:
            self._active += time.perf_counter() - self._clock
            self.restart_clock()
            self.mark("pause")
            while control.paused and not control.stop_requested:
                control.wait(0.1)
                self.restart_clock()  # the pause is no training time, for marks made in it too
                self.apply_requests()
            self.mark("resume")
            self.restart_clock()

    def apply_requests(self) -> None:
        """Applies what other threads asked for (not pause, resume or stop), marking each."""
        requests = self.control.take_requests()
        for kind, value in requests:
            self.mark(kind, self.apply(kind, value))
        if requests:
            self._learning_rate = self.learning_rate()
