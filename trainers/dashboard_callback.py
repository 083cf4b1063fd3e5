"""Watch your own training script on the dashboard: one Keras callback records it in the store.

Any Keras training, in any process started from this checkout, can show on Looplab's Runs page
while it trains: hand `fit()` a `DashboardCallback`, and the run is in the store (the data
folder, see `trainers.store`) from its first batch on.

    from trainers import DashboardCallback

    model.fit(x, y, epochs=3, callbacks=[DashboardCallback(name="my run")])

The callback turns `fit()`'s logs into the same events the engine's runs record: a `Recorder`
derives each batch's own values from Keras' running means, and a `StoreWriter` writes them from
its own thread. The callback is `async_safe`: Keras hands it each batch's logs from its own
callback threads while the next batch trains, and `BatchOrder` puts them back in order, so the
training thread never waits for a batch's results to be read. The dashboard draws the run as a
read-only run: it does not own this process, so it offers no Stop or Pause.

A training loop written from scratch reports through the same object, as the guide's loops do:

    dashboard = DashboardCallback(name="my loop")
    dashboard.set_model(model)  # optional: the summary, the optimizer and its learning rate
    dashboard.set_params({"epochs": epochs, "steps": steps_per_epoch})  # optional: progress
    for epoch in range(epochs):
        for step, (x, y) in enumerate(dataset):
            loss = train_step(x, y)
            dashboard.report_batch(epoch, step, len(x), own={"loss": float(loss)})
        dashboard.report_epoch(epoch, {"loss": float(loss)})
    dashboard.finish()
"""

from __future__ import annotations

import math
import sys
import threading
from pathlib import Path

import keras

from trainers.batch_order import BatchOrder
from trainers.control import RunControl
from trainers.engine import summary_of
from trainers.events import COMPLETED, STOPPED, RunLog
from trainers.recorder import Recorder
from trainers.store import Store, StoreWriter

KIND = OWNER = "script"
FIRST_BATCH_SECONDS = 1.0  # the longest wait for the second batch to tell the first one's size


def _ignore(kind: str, value: object) -> str:
    """What a request does to a script's run: nothing (the dashboard never sends one)."""
    return f"ignored: {kind}"


def _script_name() -> str:
    """The file of the script that trains, e.g. `train.py`; `python` for `python -c`."""
    launched = sys.argv[0] if sys.argv else ""
    return Path(launched).name if launched not in ("", "-c") else "python"


class DashboardCallback(keras.callbacks.Callback):
    """Records one training run in Looplab's store, live, for the dashboard to draw.

    Each `fit()` the callback is handed to is one run, with its own id (`script-7`).

    Args:
        name: the name the Runs page shows; the run's id when None.
        batch_size: the examples per batch. `fit()` does not tell callbacks; when None, it
            is read from the compiled loss's own count of examples after the first batch (a
            model compiled with no loss counts each batch as one example then).
        store: the store to write into; when None, `Store()` (the data folder's), opened here
            rather than once training has begun.

    Attributes:
        log: the run's events since it began (a `RunLog`), None before.
    """

    async_safe = True  # Keras may call `on_train_batch_end` from its own threads

    def __init__(
        self, name: str | None = None, *, batch_size: int | None = None, store: Store | None = None
    ) -> None:
        super().__init__()
        self.name = name
        self.batch_size = batch_size
        self.store = store if store is not None else Store()
        self.log: RunLog | None = None
        self._recorder: Recorder | None = None
        self._writer: StoreWriter | None = None
        self._batch = batch_size  # the examples per batch of the run recorded now
        self._epoch = 0
        self._seen = 0  # examples of this epoch reported so far
        self._order = BatchOrder(self._record_fit_batch)
        self._sized = threading.Event()  # set once `_batch` is known
        self._count_lock = threading.Lock()  # the count is read before evaluate() resets it
        self._counted_before_test: int | None = None
        self._training_thread: int | None = None

    @property
    def run_id(self) -> str | None:
        """The id of the run recorded now or last, e.g. `"script-7"`; None before it begins."""
        return self.log.run_id if self.log else None

    # What fit() calls.

    def on_train_begin(self, logs=None):
        self._training_thread = threading.get_ident()
        self._begin()

    def on_epoch_begin(self, epoch, logs=None):
        self._order.forget_unended()  # the last epoch's ends have all come: Keras waited
        self._epoch, self._seen, self._counted_before_test = epoch, 0, None

    def on_train_batch_begin(self, batch, logs=None):
        if self._batch is None and batch > 0:  # the first batch has trained: count it
            self._batch = self._counted() or 1
            self._sized.set()
        self._order.begin(batch)

    def on_train_batch_end(self, batch, logs=None):
        self._order.end(batch, logs)

    def on_test_begin(self, logs=None):
        with self._count_lock:  # evaluate() resets the count next
            self._counted_before_test = self._counted()

    def on_epoch_end(self, epoch, logs=None):
        self.report_epoch(epoch, logs or {})

    def on_train_end(self, logs=None):
        # Something stopped fit() early (EarlyStopping, say) and the run did not diverge.
        if self.model.stop_training and self._recorder.outcome == COMPLETED:
            self._recorder.outcome = STOPPED
        self.finish()

    # What a loop from scratch calls (fit() goes through them too).

    def report_batch(
        self,
        epoch: int,
        batch: int,
        size: int,
        own: dict | None = None,
        means: dict | None = None,
    ) -> bool:
        """Records one batch; the run begins at its first report.

        Args:
            epoch: the epoch, from 0.
            batch: the batch within the epoch, from 0.
            size: how many examples the batch held.
            own: metric values of this batch alone, e.g. `{"loss": 0.31}`.
            means: running means over the epoch so far, this batch included (`fit()`'s logs).

        Returns:
            Whether training should go on: False once a loss is no longer finite.
        """
        if self._recorder is None:
            self._begin()
        return self._recorder.batch(epoch, batch, size, own=own, means=means)

    def report_epoch(self, epoch: int, metrics: dict) -> None:
        """Records the end of an epoch: training metrics, and validation ones as `val_<name>`."""
        if self._recorder is None:
            self._begin()
        self._recorder.epoch(epoch, metrics)

    def finish(self) -> None:
        """Ends the run (completed, or stopped, or diverged) and writes what is left to the store.

        Safe to call twice; the callback's next `fit()` records a new run.
        """
        if self._recorder is None:
            return
        self._recorder.end({})
        self._writer.close()
        self._recorder = self._writer = None

    def _record_fit_batch(self, batch: int, logs: dict) -> None:
        """Records a batch of `fit()`, in order (`BatchOrder`), on whichever thread ended it."""
        if not self.report_batch(self._epoch, batch, self._batch_examples(batch), means=logs):
            self.model.stop_training = True

    # Beginning a run.

    def _begin(self) -> None:
        """Creates the run's log, follows it in the store, and records its `start` event."""
        self.log = RunLog(self.store.new_run_id(KIND), self._config())
        self._writer = StoreWriter(self.store)
        self._writer.follow(self.log, kind=KIND, owner=OWNER, name=self.name)
        self._recorder = Recorder(self.log, RunControl(), _ignore, self._learning_rate)
        self._batch, self._epoch, self._seen = self.batch_size, 0, 0
        if self._batch is None:
            self._sized.clear()
        self.log.emit("start", 0, self._info())

    def _config(self) -> dict:
        """What the run is, as far as the model and `fit()`'s parameters tell."""
        model, params = self.model, self.params or {}
        optimizer = getattr(model, "optimizer", None)
        return {
            "script": _script_name(),
            "architecture": model.name if model is not None else "",
            "optimizer": type(optimizer).__name__.lower() if optimizer is not None else "",
            "learning_rate": self._learning_rate(),
            "batch_size": self.batch_size,
            "epochs": params.get("epochs") or 0,
        }

    def _info(self) -> dict:
        """The `start` event: the model's summary and size, and the steps of an epoch."""
        info = {"steps_per_epoch": (self.params or {}).get("steps") or 0}
        model = self.model
        if model is not None and model.built:
            info |= {"summary": summary_of(model), "parameters": model.count_params()}
        return info

    def _learning_rate(self) -> float:
        """The optimizer's learning rate now (the Recorder asks at each epoch); NaN without one."""
        optimizer = getattr(self.model, "optimizer", None)
        try:
            return float(optimizer.learning_rate)
        except (AttributeError, TypeError, ValueError):
            return math.nan

    def _batch_examples(self, batch: int) -> int:
        """The examples in a batch of `fit()`, which hands callbacks only the metrics.

        Keras' compiled loss counts the examples it has averaged this epoch. Reading that count
        costs a variable read, and it must be read while no other batch trains: so it is read on
        the training thread once the first batch has trained, for the batch size (unless
        given), and at each epoch's last batch, which may be smaller (the training thread then
        waits for it, before any validation); every other batch has the full size.
        """
        last = batch + 1 == (self.params or {}).get("steps")
        if self._batch is None and not last and threading.get_ident() != self._training_thread:
            self._sized.wait(FIRST_BATCH_SECONDS)  # a one-batch epoch of unknown length: go on
        counted = self._count_now() if self._batch is None or last else None
        if self._batch is None:
            self._batch = counted or 1
        size = self._batch
        if last and counted and 0 < counted - self._seen <= size:
            size = counted - self._seen
        self._seen += size
        return size

    def _count_now(self) -> int | None:
        """The examples the compiled loss has averaged this epoch, as it was before any
        validation reset it."""
        with self._count_lock:
            if self._counted_before_test is not None:
                return self._counted_before_test
            return self._counted()

    def _counted(self) -> int | None:
        """The examples the compiled loss has averaged this epoch, or None without one."""
        tracker = getattr(self.model, "_loss_tracker", None)
        count = getattr(tracker, "count", None)
        return None if count is None else int(count.numpy())
