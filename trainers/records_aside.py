"""`fit()`'s batches recorded while the next one trains: a classifier's live callback.

Keras turns each batch's logs into Python numbers on the training thread for every callback
that defines `on_train_batch_end`, and the thread waits for the batch's results to do so. A
callback that declares `async_safe` is handed them from Keras' own threads instead, while the
next batch trains. A classifier's batch reports do no TensorFlow work (a GAN's draw samples, so
its callback stays on the training thread), so its run records them there: in order
(`trainers.batch_order`), with the run's controls applied on the training thread before each
batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trainers.batch_order import BatchOrder
from trainers.run import LiveCallback

if TYPE_CHECKING:
    from trainers.classifier_run import ClassifierRun


class RecordsAside(LiveCallback):
    """Records each batch of `fit()` from Keras' callback threads, in order, while the next
    batch trains; applies the run's controls on the training thread, before each batch.

    Keras hands an `async_safe` callback's batch ends to a pool of threads rather than making
    the training thread wait for each batch's results (see `trainers.batch_order`).
    """

    async_safe = True

    def __init__(self, run: ClassifierRun, reports: str) -> None:
        super().__init__(run, reports)
        self.order = BatchOrder(self._record)
        self.begun = 0  # the global step of the next batch

    def on_train_begin(self, logs=None):
        self.begun = self.run.recorder.step

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch)
        self.order.forget_unended()  # the last epoch's ends have all come: Keras waited
        self.run.recorder.begin_epoch(epoch)  # on this thread: it reads the learning rate

    def on_train_batch_begin(self, batch, logs=None):
        recorder = self.run.recorder
        if recorder.control.waiting:  # marks go after the batches trained so far
            self.order.settle()
            last = not recorder.before_batch(self.begun)
        else:
            last = recorder.limit_reached(self.begun)
        if last:
            self.model.stop_training = True  # after this batch
        self.order.begin(batch)
        self.begun += 1

    def on_train_batch_end(self, batch, logs=None):
        self.order.end(batch, logs)

    def _record(self, batch: int, logs: dict) -> None:
        values = {"own": None, "means": None} | {self.reports: logs}
        size = self.run.batch_examples(batch)
        if not self.run.recorder.record(self.current_epoch, batch, size, **values):
            self.model.stop_training = True
