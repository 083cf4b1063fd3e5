"""What a training style is handed: the model, the data in the engine's order, and a live report.

Every style receives a run: a `ClassifierRun` (`trainers.classifier_run`) or a `GanRun`
(`trainers.gan_run`), both built on the `Run` here. It holds the freshly built networks, a
fresh optimizer, and the batches in the engine's own seeded order, the same for every style, so
that styles can be compared weight for weight. Styles tell the run what happened
(`report_batch`, `report_epoch`, or `callback()` for `fit()`); the run turns that into events
and answers whether to go on.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from trainers.catalog import OPTIMIZERS
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.datasets import Dataset
from trainers.events import DIVERGED, RunLog
from trainers.recorder import Recorder


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """A fresh optimizer by its name in `catalog.OPTIMIZERS`."""
    info = OPTIMIZERS[name]
    optimizer_class = getattr(keras.optimizers, info.keras_class)
    return optimizer_class(learning_rate=float(learning_rate), **info.options)


class Run:
    """One run as a training style sees it: what classifier and GAN runs share.

    Attributes:
        config: the run's configuration.
        data: the dataset, split into training, validation and maybe test arrays.
        model: the network a run leaves behind (a GAN's generator).
        optimizer: the optimizer (the generator's, for GANs).
        epochs, batch_size, steps_per_epoch: the shape of the training.
        recorder: turns reports into events.
    """

    def __init__(self, config: RunConfig, data: Dataset, log: RunLog, control: RunControl) -> None:
        self.config = config
        self.data = data
        self.epochs = config.epochs
        self.batch_size = config.global_batch_size  # a distributed run's whole step
        self.examples = len(data.x_train)
        self.steps_per_epoch = math.ceil(self.examples / self.batch_size)
        self.optimizer = make_optimizer(config.optimizer, config.learning_rate)
        self.recorder = Recorder(
            log,
            control,
            self.apply,
            # A mirrored optimizer's rate is a MirroredVariable, which float() cannot read.
            lambda: float(keras.ops.convert_to_numpy(self.optimizer.learning_rate)),
            max_steps=config.max_steps,
            seconds=config.minutes * 60,
        )

    @property
    def networks(self) -> list[keras.Model]:
        """Every network the run trains."""
        raise NotImplementedError

    def results(self) -> dict:
        """What the run leaves at its end, for the `end` event (on the worker thread)."""
        raise NotImplementedError

    def finish(self) -> None:
        """Ends the run with its outcome and its results.

        A diverged network predicts NaN: it leaves no results worth showing.
        """
        self.recorder.end({} if self.recorder.outcome == DIVERGED else self.results())

    # The data, in the engine's order.

    def order(self, epoch: int) -> np.ndarray:
        """The seeded permutation of the training examples for this epoch."""
        return _permutation(self.examples, self.config.seed, epoch).numpy()

    def batches(self, epoch: int) -> Iterator[tuple]:
        """Yields `(x, y, sample_weight)` batches of this epoch; `sample_weight` may be None."""
        order = self.order(epoch)
        weights = self.data.sample_weight
        for start in range(0, self.examples, self.batch_size):
            index = order[start : start + self.batch_size]
            yield (
                self.data.x_train[index],
                self.data.y_train[index],
                None if weights is None else weights[index],
            )

    def validation_batches(self) -> Iterator[tuple]:
        """Yields `(x, y)` batches of the validation data, none more once the run is asked
        to stop: a long validation pass does not hold a Stop back."""
        x, y = self.data.x_val, self.data.y_val
        for start in range(0, len(x), self.batch_size):
            if self.recorder.stop_requested:
                return
            yield x[start : start + self.batch_size], y[start : start + self.batch_size]

    def train_dataset(self) -> tf.data.Dataset:
        """All epochs' batches as one `tf.data.Dataset`, for `fit(steps_per_epoch=...)`."""
        arrays = [self.data.x_train, self.data.y_train]
        if self.data.sample_weight is not None:
            arrays.append(self.data.sample_weight)
        tensors = [tf.constant(array) for array in arrays]
        examples, seed, batch_size = self.examples, self.config.seed, self.batch_size

        def epoch_batches(epoch):
            order = _permutation(examples, seed, epoch)
            return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

        batches = tf.data.Dataset.range(self.epochs).flat_map(epoch_batches)
        return batches.map(lambda index: tuple(tf.gather(t, index) for t in tensors)).prefetch(2)

    def validation_data(self) -> tuple | None:
        """The validation arrays for `fit(validation_data=...)`, or None without any."""
        return (self.data.x_val, self.data.y_val) if len(self.data.x_val) else None

    # Reports.

    def report_batch(
        self, epoch: int, batch: int, own: dict | None = None, means: dict | None = None
    ) -> bool:
        """Records a batch's metrics (its own values, or running means); False means stop."""
        return self.recorder.batch(epoch, batch, self.batch_examples(batch), own=own, means=means)

    def batch_examples(self, batch: int) -> int:
        """How many examples this batch of an epoch holds: the last one may hold fewer."""
        return min(self.batch_size, self.examples - batch * self.batch_size)

    def report_epoch(self, epoch: int, metrics: dict) -> None:
        """Records an epoch's training metrics and `val_` validation metrics."""
        self.recorder.epoch(epoch, metrics)

    def callback(self, reports: str = "means") -> keras.callbacks.Callback:
        """A Keras callback that reports `fit()`'s batches and epochs to this run.

        Args:
            reports: `"means"` when `fit()`'s logs are running means (compiled metrics and
                trackers), `"own"` when the train step returns the batch's own values.
        """
        return LiveCallback(self, reports)

    def stops_evaluating(self) -> keras.callbacks.Callback:
        """A callback that ends `evaluate()` at its next batch once the run is asked to stop."""
        return _StopsEvaluating(self)

    # Controls from other threads, applied here on the worker thread.

    def apply(self, kind: str, value: object) -> object:
        """Applies a request of another thread; returns the value to mark on the charts."""
        if kind == "learning_rate":
            self.optimizer.learning_rate = float(value)
            return value
        return f"ignored: {kind}"


def _permutation(examples: int, seed: int, epoch) -> tf.Tensor:
    # A stateless shuffle: the same (seed, epoch) gives the same order on any thread.
    seeds = tf.stack([tf.constant(seed, tf.int64), tf.cast(epoch, tf.int64)])
    return tf.random.experimental.stateless_shuffle(tf.range(examples), seed=seeds)


class _StopsEvaluating(keras.callbacks.Callback):
    """Ends a validation pass at its next batch once the run is asked to stop; the run then
    stops at its next training batch."""

    def __init__(self, run: Run) -> None:
        super().__init__()
        self.run = run

    def on_test_batch_end(self, batch, logs=None):
        if self.run.recorder.stop_requested:
            self.model.stop_evaluating = True


class LiveCallback(_StopsEvaluating):
    """Reports each batch and epoch of `fit()`, and stops it (validation too) when the run
    says so."""

    def __init__(self, run: Run, reports: str) -> None:
        super().__init__(run)
        self.reports = reports
        self.current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        values = {"own": None, "means": None} | {self.reports: logs}
        if not self.run.report_batch(self.current_epoch, batch, **values):
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.run.report_epoch(epoch, logs or {})
