"""What a training style is handed: the model, the data in the engine's order, and a live report.

Every style receives one `Run`. It holds the freshly built network, a fresh optimizer, the
loss and metrics for the task, and the batches in the engine's own seeded order, the same for
every style, so that styles can be compared weight for weight. Styles tell the run what
happened (`report_batch`, `report_epoch`, or `callback()` for `fit()`); the run turns that into
events and answers whether to go on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import keras
import numpy as np
import tensorflow as tf

from trainers.architectures import Classifier, GanNetworks
from trainers.catalog import OPTIMIZERS
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.datasets import Dataset
from trainers.events import RunLog
from trainers.images import tile
from trainers.quality import DIGIT_DATASETS, quality
from trainers.recorder import Recorder

GRID_SIZE = 16  # samples in a GAN's sample grid, from one fixed batch of noise
SCORE_SIZE = 256  # samples scored for quality, from a second fixed batch (16 are too few)
INTERPOLATION_FRAMES = 10  # images on the line between two fixed samples, at the end
PREVIEW_SIZE = 8  # validation examples shown with their predictions at each epoch end


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """A fresh optimizer by its name in `catalog.OPTIMIZERS`."""
    class_name, options, _ = OPTIMIZERS[name]
    return getattr(keras.optimizers, class_name)(learning_rate=float(learning_rate), **options)


class Run:
    """One run as a training style sees it.

    Attributes:
        config: the run's configuration.
        data: the dataset, split into training, validation and maybe test arrays.
        model: the network to train (classifiers).
        generator, discriminator, latent_dim: the networks of a GAN.
        optimizer: the optimizer (the generator's, for GANs).
        discriminator_optimizer: the discriminator's optimizer (GANs).
        epochs, batch_size, steps_per_epoch: the shape of the training.
        recorder: turns reports into events.
    """

    def __init__(
        self,
        config: RunConfig,
        data: Dataset,
        networks: Classifier | GanNetworks,
        log: RunLog,
        control: RunControl,
    ) -> None:
        self.config = config
        self.data = data
        self.epochs = config.epochs
        self.batch_size = config.batch_size
        self.examples = len(data.x_train)
        self.steps_per_epoch = math.ceil(self.examples / self.batch_size)
        self.optimizer = make_optimizer(config.optimizer, config.learning_rate)
        self.is_gan = isinstance(networks, GanNetworks)
        if self.is_gan:
            self.generator = networks.generator
            self.discriminator = networks.discriminator
            self.latent_dim = networks.latent_dim
            self.discriminator_optimizer = make_optimizer(
                config.optimizer, config.discriminator_learning_rate
            )
            self.discriminator_steps = keras.Variable(
                config.discriminator_steps, dtype="int32", trainable=False
            )
            self.fixed_noise = keras.random.normal((GRID_SIZE, self.latent_dim), seed=config.seed)
            self.score_noise = keras.random.normal(
                (SCORE_SIZE, self.latent_dim), seed=config.seed + 1
            )
            self.fixed_real = data.x_train[:GRID_SIZE]
            self.model = self.generator
        else:
            self.model = networks.model
            self.from_logits = networks.from_logits
        self.single_step: Callable[[str], object] | None = None  # set by GAN styles
        self.recorder = Recorder(
            log,
            control,
            self._apply,
            lambda: float(self.optimizer.learning_rate),
            max_steps=config.max_steps,
            seconds=config.minutes * 60,
        )

    # The loss and metrics of the task, fresh for each caller.

    @property
    def is_regression(self) -> bool:
        return self.data.task == "regression"

    def loss(self) -> keras.losses.Loss:
        """The task's loss: cross-entropy for classes, mean squared error for regression."""
        if self.is_regression:
            return keras.losses.MeanSquaredError()
        return keras.losses.SparseCategoricalCrossentropy(from_logits=self.from_logits)

    def metric(self, prefix: str = "") -> keras.metrics.Metric:
        """The task's metric: accuracy for classes, mean absolute error for regression."""
        if self.is_regression:
            return keras.metrics.MeanAbsoluteError(name=prefix + "mae")
        return keras.metrics.SparseCategoricalAccuracy(name=prefix + "accuracy")

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
        """Yields `(x, y)` batches of the validation data."""
        x, y = self.data.x_val, self.data.y_val
        for start in range(0, len(x), self.batch_size):
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
        size = min(self.batch_size, self.examples - batch * self.batch_size)
        go_on = self.recorder.batch(epoch, batch, size, own=own, means=means)
        if self.is_gan and self.recorder.step % self.config.image_every == 0:
            self.sample_grid()
        return go_on

    def report_epoch(self, epoch: int, metrics: dict) -> None:
        """Records an epoch's training metrics and `val_` validation metrics."""
        self.recorder.epoch(epoch, metrics)
        if not self.is_gan:
            self.preview_predictions(epoch)

    def callback(self, reports: str = "means") -> keras.callbacks.Callback:
        """A Keras callback that reports `fit()`'s batches and epochs to this run.

        Args:
            reports: `"means"` when `fit()`'s logs are running means (compiled metrics and
                trackers), `"own"` when the train step returns the batch's own values.
        """
        return _LiveCallback(self, reports)

    # Images.

    def sample_grid(self) -> dict:
        """Emits a grid of generator samples from the fixed noise, and returns its event.

        The event also carries the discriminator's `verdict`: its mean output (the chance it
        says "generated") on these samples and on a fixed batch of real images. For digits, it
        carries the `quality` of a larger fixed batch of samples (see `trainers.quality`).
        """
        images = self.generator(self.fixed_noise, training=False)
        event = {
            "step": self.recorder.step,
            "epoch": self.recorder.epoch_number,
            "title": f"step {self.recorder.step}",
            "pixels": tile(keras.ops.convert_to_numpy(images)),
            "verdict": {"fake": self._verdict(images), "real": self._verdict(self.fixed_real)},
        }
        if self.data.name in DIGIT_DATASETS:
            event["quality"] = quality(self.generator(self.score_noise, training=False))
        self.recorder.log.emit("image", self.recorder.step, event)
        return event

    def _verdict(self, images) -> float:
        logits = self.discriminator(images, training=False)
        return float(keras.ops.mean(keras.ops.sigmoid(logits)))

    def interpolation(self, frames: int = INTERPOLATION_FRAMES) -> np.ndarray:
        """The generator's images along the straight line between the first two fixed samples."""
        weights = keras.ops.linspace(0.0, 1.0, frames)[:, None]
        noise = (1 - weights) * self.fixed_noise[0] + weights * self.fixed_noise[1]
        images = self.generator(noise, training=False)
        return tile(keras.ops.convert_to_numpy(images), columns=frames)

    def preview_predictions(self, epoch: int) -> None:
        """Emits a few validation examples with what the model now predicts for them."""
        if self.is_regression or self.data.kind != "image" or not len(self.data.x_val):
            return
        x, y = self.data.x_val[:PREVIEW_SIZE], self.data.y_val[:PREVIEW_SIZE]
        probabilities = self.probabilities(x)
        self.recorder.log.emit(
            "image",
            self.recorder.step,
            {
                "step": self.recorder.step,
                "epoch": epoch + 1,
                "title": f"epoch {epoch + 1}",
                "pixels": tile(x),
                "labels": [
                    {"true": int(t), "predicted": int(p.argmax()), "confidence": float(p.max())}
                    for t, p in zip(y, probabilities, strict=True)
                ],
            },
        )

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (or regression outputs) of the model, batched.

        A few examples, such as an epoch's preview, make one batch: `predict()` builds an input
        pipeline at every call, which costs more than an epoch of mnist-5k.
        """
        if len(x) <= PREVIEW_SIZE:
            outputs = self.model.predict_on_batch(x)
        else:
            outputs = self.model.predict(x, batch_size=256, verbose=0)
        if not self.is_regression and self.from_logits:
            outputs = keras.ops.softmax(outputs)
        return keras.ops.convert_to_numpy(outputs)

    def real_batch(self) -> np.ndarray:
        """A random batch of real training images, for a single step while paused."""
        rng = np.random.default_rng([self.config.seed, self.recorder.step])
        return self.data.x_train[rng.choice(self.examples, self.batch_size, replace=False)]

    def step_networks(self, network: str, discriminator_step, generator_step) -> None:
        """Trains the discriminator, the generator or both on one batch (GANs, while paused)."""
        real_images = self.real_batch()
        if network in ("discriminator", "both"):
            discriminator_step(real_images)
        if network in ("generator", "both"):
            generator_step(len(real_images))

    # Controls from other threads, applied here on the worker thread.

    def _apply(self, kind: str, value: object) -> object:
        if kind == "learning_rate":
            self.optimizer.learning_rate = float(value)
        elif kind == "discriminator_learning_rate" and self.is_gan:
            self.discriminator_optimizer.learning_rate = float(value)
        elif kind == "discriminator_steps" and self.is_gan:
            self.discriminator_steps.assign(int(value))
        elif kind == "step" and self.single_step is not None:
            self.single_step(str(value))
            if self.is_gan:
                self.sample_grid()
        else:
            return f"ignored: {kind}"
        return value


def _permutation(examples: int, seed: int, epoch) -> tf.Tensor:
    # A stateless shuffle: the same (seed, epoch) gives the same order on any thread.
    seeds = tf.stack([tf.constant(seed, tf.int64), tf.cast(epoch, tf.int64)])
    return tf.random.experimental.stateless_shuffle(tf.range(examples), seed=seeds)


class _LiveCallback(keras.callbacks.Callback):
    """Reports each batch and epoch of `fit()`, and stops it when the run says so."""

    def __init__(self, run: Run, reports: str) -> None:
        super().__init__()
        self.run = run
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
