"""A run that trains a GAN: a generator, a discriminator, and the samples they draw.

Besides the batches and reports every run has (`trainers.run.Run`), a GAN run keeps one fixed
batch of noise and draws the generator's samples from it every `image_every` steps, so the same
blobs sharpen into the same digits; for digits it scores them (`trainers.quality`). It has an
optimizer per network, and takes requests a classifier has no use for: the discriminator's
learning rate, its steps per generator step, and a single step of either network while paused.
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

GRID_SIZE = 16  # samples in a GAN's sample grid, from one fixed batch of noise
SCORE_SIZE = 256  # samples scored for quality, from a second fixed batch (16 are too few)
INTERPOLATION_FRAMES = 10  # images on the line between two fixed samples, at the end


class GanRun(Run):
    """A run of a generator and a discriminator.

    Attributes:
        generator, discriminator, latent_dim: the networks, and the size of the noise input.
        model: the generator, the network the run leaves behind.
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
        self.generator = self.model = networks.generator
        self.discriminator = networks.discriminator
        self.latent_dim = networks.latent_dim
        super().__init__(config, data, log, control)
        self.discriminator_optimizer = make_optimizer(
            config.optimizer, config.discriminator_learning_rate
        )
        self.discriminator_steps = keras.Variable(
            config.discriminator_steps, dtype="int32", trainable=False
        )
        self.fixed_noise = keras.random.normal((GRID_SIZE, self.latent_dim), seed=config.seed)
        self.score_noise = keras.random.normal((SCORE_SIZE, self.latent_dim), seed=config.seed + 1)
        self.fixed_real = data.x_train[:GRID_SIZE]
        self._single_steps = None  # set by the style, see `offer_single_steps`

    @property
    def networks(self) -> list[keras.Model]:
        return [self.generator, self.discriminator]

    def report_batch(
        self, epoch: int, batch: int, own: dict | None = None, means: dict | None = None
    ) -> bool:
        """Records a batch's losses, and draws a sample grid every `image_every` steps."""
        go_on = super().report_batch(epoch, batch, own, means)
        if self.recorder.step % self.config.image_every == 0:
            self.sample_grid()
        return go_on

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
        self.recorder.emit("image", event)
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

    def real_batch(self) -> np.ndarray:
        """A random batch of real training images, for a single step while paused."""
        rng = np.random.default_rng([self.config.seed, self.recorder.step])
        return self.data.x_train[rng.choice(self.examples, self.batch_size, replace=False)]

    def offer_single_steps(
        self,
        discriminator_step: Callable[[np.ndarray], object],
        generator_step: Callable[[int], object],
    ) -> None:
        """Lets a person train one network alone for a batch while paused (see `apply`).

        Args:
            discriminator_step: trains the discriminator on a batch of real images.
            generator_step: trains the generator on a batch of this many samples.
        """
        self._single_steps = (discriminator_step, generator_step)

    def _step_networks(self, network: str) -> None:
        discriminator_step, generator_step = self._single_steps
        real_images = self.real_batch()
        if network in ("discriminator", "both"):
            discriminator_step(real_images)
        if network in ("generator", "both"):
            generator_step(len(real_images))

    def apply(self, kind: str, value: object) -> object:
        """Applies a request of another thread: also either network's own settings and steps."""
        if kind == "discriminator_learning_rate":
            self.discriminator_optimizer.learning_rate = float(value)
        elif kind == "discriminator_steps":
            self.discriminator_steps.assign(int(value))
        elif kind == "step" and self._single_steps is not None:
            self._step_networks(str(value))
            self.sample_grid()
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
