"""A run that trains a GAN: a generator, a discriminator, and the samples they draw.

Besides the batches and reports every run has (`trainers.run.Run`), a GAN run keeps one fixed
batch of noise and draws samples from it every `image_every` steps, so the same blobs sharpen
into the same digits; for digits it scores them (`trainers.quality`). The samples come from
the moving average of the generator's weights (`trainers.weight_average`), steadier and
sharper than the generator of any one step, and the average is the generator a run leaves.

A conditional GAN is told each image's class: its grid has one row per class, and a person
may ask it to draw other classes (`draw`). A GAN run has an optimizer per network, and takes
requests a classifier has no use for: the discriminator's learning rate, its steps per
generator step, and a single step of either network while paused.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from trainers.architectures import GanNetworks
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.datasets import Dataset
from trainers.events import RunLog
from trainers.images import tile
from trainers.quality import DIGIT_DATASETS, quality
from trainers.run import Run, make_optimizer
from trainers.weight_average import WeightAverage

GRID_SIZE = 16  # samples in a GAN's sample grid, from one fixed batch of noise
GRID_COLUMNS = 8  # samples per row of a conditional GAN's grid, one row per class
SCORE_SIZE = 512  # samples scored for quality, from a second fixed batch (16 are too few)
INTERPOLATION_FRAMES = 10  # images on the line between two fixed samples, at the end


class GanRun(Run):
    """A run of a generator and a discriminator.

    Attributes:
        generator, discriminator, latent_dim: the networks, and the size of the noise input.
        classes: how many classes a conditional GAN draws; None for an unconditional one.
        average: the moving average of the generator's weights, which draws the samples.
        model: the average's generator, the network the run leaves behind.
        optimizer, discriminator_optimizer: the generator's and the discriminator's.
        discriminator_steps: discriminator updates per generator update, a variable so that a
            compiled train step reads its new value.
    """

    def __init__(
        self,
        config: RunConfig,
        data: Dataset,
        networks: GanNetworks,
        log: RunLog,
        control: RunControl,
    ) -> None:
        self.generator = networks.generator
        self.discriminator = networks.discriminator
        self.latent_dim, self.classes = networks.latent_dim, networks.classes
        self.average = WeightAverage(self.generator)
        self.model = self.average.model
        super().__init__(config, data, log, control)
        self.discriminator_optimizer = make_optimizer(
            config.optimizer, config.discriminator_learning_rate
        )
        self.discriminator_steps = keras.Variable(
            config.discriminator_steps, dtype="int32", trainable=False
        )
        grid_size = GRID_SIZE if self.classes is None else GRID_COLUMNS * self.classes
        self.fixed_noise = keras.random.normal((grid_size, self.latent_dim), seed=config.seed)
        self.score_noise = keras.random.normal((SCORE_SIZE, self.latent_dim), seed=config.seed + 1)
        self.fixed_real = data.x_train[:grid_size], data.y_train[:grid_size].astype("int32")
        if self.classes is not None:  # uniformly drawn classes: all scored alike
            self.grid_classes = self.drawing(range(self.classes))
            self.score_classes = np.arange(SCORE_SIZE, dtype="int32") % self.classes
        self._single_steps = None  # set by the style, see `offer_single_steps`

    @property
    def networks(self) -> list[keras.Model]:
        return [self.generator, self.discriminator]

    def with_classes(self, inputs, classes) -> object:
        """What a network takes: `[inputs, classes]` for a conditional GAN, else the inputs."""
        return inputs if self.classes is None else [inputs, classes]

    def drawing(self, classes) -> np.ndarray:
        """The class of each row of the grid, to draw `classes`: each a band of rows as
        equal as can be, in the order given. Raises ValueError for an unknown class."""
        classes = [int(digit) for digit in classes]
        if not classes or not all(0 <= digit < self.classes for digit in classes):
            raise ValueError(
                f"Draw one or more classes from 0 to {self.classes - 1}. Received: {classes}"
            )
        bands = np.sort(np.resize(np.arange(len(classes)), self.classes))
        return np.repeat(np.array(classes, dtype="int32")[bands], GRID_COLUMNS)

    def report_batch(
        self, epoch: int, batch: int, own: dict | None = None, means: dict | None = None
    ) -> bool:
        """Records a batch's losses, and draws a sample grid every `image_every` steps."""
        self.average.update(self.recorder.step)
        go_on = super().report_batch(epoch, batch, own, means)
        if self.recorder.step % self.config.image_every == 0:
            self.sample_grid()
        return go_on

    def generate(self, noise, classes=None) -> np.ndarray:
        """The averaged generator's images from this noise (of these classes, if conditional)."""
        if classes is not None:
            classes = keras.ops.convert_to_tensor(classes, dtype="int32")
        images = self.model(self.with_classes(noise, classes), training=False)
        return keras.ops.convert_to_numpy(images)

    def sample_grid(self) -> dict:
        """Emits a grid of generator samples from the fixed noise, and returns its event.

        The event also carries the discriminator's `verdict`: its mean output (the chance it
        says "generated") on these samples and on a fixed batch of real images. For digits, it
        carries the `quality` of a larger fixed batch of samples (see `trainers.quality`). A
        conditional GAN's grid has a row per class (`classes`: the class of each sample).
        """
        classes = None if self.classes is None else self.grid_classes
        images = self.generate(self.fixed_noise, classes)
        columns = GRID_COLUMNS if self.classes is not None else 0
        event = {
            "step": self.recorder.step,
            "epoch": self.recorder.epoch_number,
            "title": f"step {self.recorder.step}",
            "pixels": tile(images, columns=columns),
            "verdict": {
                "fake": self._verdict(images, classes),
                "real": self._verdict(*self.fixed_real),
            },
        }
        if classes is not None:
            event["classes"] = classes[::GRID_COLUMNS].tolist()  # one per row
        if self.data.name in DIGIT_DATASETS:
            score_classes = None if self.classes is None else self.score_classes
            samples = self.generate(self.score_noise, score_classes)
            event["quality"] = quality(samples, score_classes)
        self.recorder.emit("image", event)
        return event

    def _verdict(self, images, classes) -> float:
        logits = self.discriminator(self.with_classes(images, classes), training=False)
        return float(keras.ops.mean(keras.ops.sigmoid(logits)))

    def interpolation(self, frames: int = INTERPOLATION_FRAMES) -> np.ndarray:
        """The images along the straight line between the first two fixed samples' noise (of
        the first row's class, if conditional)."""
        weights = keras.ops.linspace(0.0, 1.0, frames)[:, None]
        noise = (1 - weights) * self.fixed_noise[0] + weights * self.fixed_noise[1]
        classes = None if self.classes is None else np.full(frames, self.grid_classes[0])
        return tile(self.generate(noise, classes), columns=frames)

    def real_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """A random batch of real training images and their classes, for a single step while
        paused."""
        rng = np.random.default_rng([self.config.seed, self.recorder.step])
        index = rng.choice(self.examples, self.batch_size, replace=False)
        return self.data.x_train[index], self.data.y_train[index].astype("int32")

    def offer_single_steps(
        self,
        discriminator_step: Callable[[np.ndarray, np.ndarray], object],
        generator_step: Callable[[np.ndarray], object],
    ) -> None:
        """Lets a person train one network alone for a batch while paused (see `apply`).

        Args:
            discriminator_step: trains the discriminator on a batch of real images and their
                classes.
            generator_step: trains the generator on a batch of samples of these classes.
        """
        self._single_steps = (discriminator_step, generator_step)

    def _step_networks(self, network: str) -> None:
        discriminator_step, generator_step = self._single_steps
        # Tensors, as a network called eagerly wants its inputs all of one kind.
        real_images, real_classes = map(keras.ops.convert_to_tensor, self.real_batch())
        if network in ("discriminator", "both"):
            discriminator_step(real_images, real_classes)
        if network in ("generator", "both"):
            generator_step(real_classes)
            self.average.reset()  # the grid shows what this one step did, not an average

    def apply(self, kind: str, value: object) -> object:
        """Applies a request of another thread: also either network's own settings and steps."""
        if kind == "discriminator_learning_rate":
            self.discriminator_optimizer.learning_rate = float(value)
        elif kind == "discriminator_steps":
            self.discriminator_steps.assign(int(value))
        elif kind == "step" and self._single_steps is not None:
            self._step_networks(str(value))
            self.sample_grid()
        elif kind == "draw" and self.classes is not None:
            try:
                self.grid_classes = self.drawing(value)
            except ValueError as error:  # a request from a script: the run goes on as it was
                return f"ignored: {error}"
            self.sample_grid()  # the classes asked for at once, while training goes on
            return [int(digit) for digit in value]
        else:
            return super().apply(kind, value)
        return value

    def results(self) -> dict:
        """The final grid's `quality` (or None) and an `interpolation` strip: uint8 pixels of
        the images between two fixed samples."""
        images = self.recorder.images
        # The last grid, unless the run just drew one at this very step.
        fresh = images and images[-1]["step"] == self.recorder.step
        final = images[-1] if fresh else self.sample_grid()
        return {"interpolation": self.interpolation(), "quality": final.get("quality")}
