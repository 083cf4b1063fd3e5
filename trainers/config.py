"""The configuration of one run, and the checks that explain a run that cannot work.

`RunConfig.check()` catches every mistake it can without TensorFlow: unknown names, numbers
out of range, and combinations such as a GAN style on a classifier. Each message says what is
wrong and what would be right, ending with what was received.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from trainers import catalog

# What a GAN run starts from unless told otherwise: the GAN studio's settings, which
# `python -m trainers run` also takes for a GAN architecture. Adam with beta_1 = 0.5, the DCGAN
# paper's choice, at these rates brings gan-classroom's samples to an Inception Score of about 6
# in three minutes on two CPU cores; batches of 32 give twice the updates per second of 64.
GAN_DEFAULTS = {
    "optimizer": "adam-gan",
    "learning_rate": 0.002,
    "discriminator_learning_rate": 0.001,
    "batch_size": 32,
    "validation_split": 0.0,  # a GAN has nothing to validate: it learns from every image
    "image_every": 25,
}


class ConfigError(ValueError):
    """A run configuration that cannot work; the message says what would."""


@dataclass
class RunConfig:
    """Everything that decides what a run does.

    Attributes:
        dataset: a name from `catalog.DATASETS`, or the path of a `.npz` file.
        architecture: a name from `catalog.ARCHITECTURES`.
        style: a name from `catalog.STYLES`.
        optimizer: a name from `catalog.OPTIMIZERS`.
        learning_rate: the optimizer's learning rate (the generator's, for GANs).
        batch_size: examples per batch.
        epochs: passes over the training data.
        seed: seeds the weights, the data split and the order of the batches.
        validation_split: the share of the data held out for validation.
        class_weight: `None`, `"balanced"`, or a mapping from class index to weight.
        use_sample_weight: weight each example by the `sample_weight` array of a `.npz` file.
        halve_lr_epoch: the epoch (from 1) at which `train_on_batch` halves the learning rate;
            0 never halves it.
        max_examples: train on at most this many examples (a quick look); 0 for all.
        max_steps: stop after this many batches; 0 for no limit.
        minutes: stop after this much wall time; 0 for no limit.
        classes: keep only these class labels (a GAN that draws one digit, say).
        discriminator_learning_rate: the discriminator's learning rate (GANs).
        discriminator_steps: discriminator updates per generator update (GANs).
        latent_dim: size of the generator's noise input (GANs).
        image_every: steps between two sample grids (GANs).
    """

    dataset: str = catalog.DEFAULT_DATASET
    architecture: str = catalog.DEFAULT_ARCHITECTURE
    style: str = catalog.DEFAULT_STYLE
    optimizer: str = catalog.DEFAULT_OPTIMIZER
    learning_rate: float = 0.001
    batch_size: int = 64
    epochs: int = 3
    seed: int = 0
    validation_split: float = 0.1
    class_weight: None | str | dict[int, float] = None
    use_sample_weight: bool = False
    halve_lr_epoch: int = 0
    max_examples: int = 0
    max_steps: int = 0
    minutes: float = 0.0
    classes: list[int] = field(default_factory=list)
    discriminator_learning_rate: float = 0.0003
    discriminator_steps: int = 1
    latent_dim: int = 128
    image_every: int = 50

    def to_dict(self) -> dict:
        """The configuration as plain JSON-ready data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> RunConfig:
        """Builds a configuration, refusing keys it does not know."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"Unknown setting(s) {catalog.choices(unknown)}. "
                f"Valid settings: {', '.join(sorted(known))}."
            )
        return cls(**values)

    @property
    def is_npz(self) -> bool:
        return self.dataset.endswith(".npz") or os.sep in self.dataset

    def check(self) -> None:
        """Raises `ConfigError` if this run cannot work, saying what would."""
        if not self.is_npz and self.dataset not in catalog.DATASETS:
            raise ConfigError(
                f"Unknown dataset. Choose {catalog.choices(catalog.DATASETS)}, "
                f"or the path of a .npz file. Received: dataset={self.dataset!r}"
            )
        _check_name("architecture", self.architecture, catalog.ARCHITECTURES)
        _check_name("style", self.style, catalog.STYLES)
        _check_name("optimizer", self.optimizer, catalog.OPTIMIZERS)
        _check_range("learning_rate", self.learning_rate, 0, 10, low_open=True)
        _check_range("discriminator_learning_rate", self.discriminator_learning_rate, 0, 10, True)
        _check_range("batch_size", self.batch_size, 1, 65536)
        _check_range("epochs", self.epochs, 1, 10000)
        _check_range("seed", self.seed, 0, 2**31 - 1)
        _check_range("validation_split", self.validation_split, 0, 0.9)
        _check_range("halve_lr_epoch", self.halve_lr_epoch, 0, self.epochs)
        _check_range("max_examples", self.max_examples, 0, 10**9)
        _check_range("max_steps", self.max_steps, 0, 10**9)
        _check_range("minutes", self.minutes, 0, 10**6)
        _check_range("discriminator_steps", self.discriminator_steps, 1, 10)
        _check_range("latent_dim", self.latent_dim, 1, 4096)
        _check_range("image_every", self.image_every, 1, 10**6)
        self._check_class_weight()
        if self.halve_lr_epoch and self.style != "train_on_batch":
            raise ConfigError(
                "Halving the learning rate at an epoch belongs to the 'train_on_batch' style; "
                f"set halve_lr_epoch=0 for other styles. Received: style={self.style!r}, "
                f"halve_lr_epoch={self.halve_lr_epoch}"
            )
        styles = catalog.styles_for(self.architecture)
        if self.style not in styles:
            raise ConfigError(
                f"The '{self.style}' style cannot train '{self.architecture}'. "
                f"Styles that can: {catalog.choices(styles)}."
            )
        gan = catalog.ARCHITECTURES[self.architecture].is_gan
        if gan and (self.class_weight or self.use_sample_weight):
            raise ConfigError(
                "GANs learn without labels, so class and sample weights do not apply; "
                f"leave them off. Received: architecture={self.architecture!r}"
            )
        if not self.is_npz:
            info = catalog.DATASETS[self.dataset]
            check_architecture_fits(self.architecture, info.kind, info.task, self.dataset)
            if self.use_sample_weight:
                raise ConfigError(
                    "Per-example weights come from the 'sample_weight' array of a .npz file; "
                    f"'{self.dataset}' has none. Use class_weight instead."
                )

    def _check_class_weight(self) -> None:
        weights = self.class_weight
        if weights is None or weights == "balanced":
            return
        if not isinstance(weights, dict) or not all(
            isinstance(k, int) and isinstance(v, int | float) and v >= 0 for k, v in weights.items()
        ):
            raise ConfigError(
                "class_weight must be None, 'balanced', or a mapping from class index (int) "
                f"to a weight >= 0. Received: class_weight={weights!r}"
            )


def check_architecture_fits(architecture: str, kind: str, task: str, dataset: str) -> None:
    """Raises `ConfigError` unless the architecture can model this kind of data for this task."""
    fitting = catalog.architectures_for(kind, task)
    if architecture not in fitting:
        raise ConfigError(
            f"'{architecture}' cannot model '{dataset}' ({kind} data, {task}). "
            f"Architectures that can: {catalog.choices(fitting)}."
        )


def _check_name(setting: str, value: str, valid: dict) -> None:
    if value not in valid:
        raise ConfigError(
            f"Unknown {setting}. Choose {catalog.choices(valid)}. Received: {setting}={value!r}"
        )


def _check_range(setting, value, low, high, low_open=False) -> None:
    too_low = value <= low if low_open else value < low
    if isinstance(value, bool) or not isinstance(value, int | float) or too_low or value > high:
        bound = f"greater than {low}" if low_open else f"at least {low}"
        raise ConfigError(
            f"{setting} must be a number {bound} and at most {high}. Received: {setting}={value!r}"
        )
