"""The configuration of one run, and the checks that explain a run that cannot work.

`RunConfig.check()` catches every mistake it can without TensorFlow: unknown names, numbers
out of range, and combinations such as a GAN style on a classifier. Each message says what is
wrong and what would be right, ending with what was received.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from numbers import Integral
from typing import ClassVar

from trainers import catalog
from trainers.settings import (
    ConfigError,
    check_settings,
    parse_class_weight,
    parse_classes,
    setting,
    settings_of,
)

__all__ = ["ConfigError", "RunConfig", "check_architecture_fits"]


@dataclass
class RunConfig:
    """Everything that decides what a run does; each field is described once, here.

    Each field's `setting(...)` gives its label, help, default, GAN default and bounds (see
    `trainers.settings`): the checks, the command line's options and the pages' widgets are
    all built from them. The GAN defaults are the GAN studio's settings, which
    `python -m trainers run` also takes for a GAN architecture: Adam with beta_1 = 0.5 (the
    DCGAN paper's choice) at these rates brings gan-classroom's samples to an Inception Score of
    about 6 in three minutes on two CPU cores, and batches of 32 give twice the updates per
    second of 64. The docstrings of `trainers.settings.Setting` say what each part means.
    """

    kind: ClassVar[str] = "run"

    dataset: str = setting(
        "Dataset",
        "a dataset name, or the path of a .npz file",
        catalog.DEFAULT_DATASET,
        metavar="NAME_OR_NPZ",
    )
    architecture: str = setting(
        "Architecture",
        "the architecture",
        catalog.DEFAULT_ARCHITECTURE,
        choices=catalog.ARCHITECTURES,
        flag="--arch",
        metavar="NAME",
    )
    style: str = setting(
        "Training style",
        "the training style",
        catalog.DEFAULT_STYLE,
        choices=catalog.STYLES,
        metavar="NAME",
    )
    optimizer: str = setting(
        "Optimizer",
        "the optimizer",
        catalog.DEFAULT_OPTIMIZER,
        gan_default="adam-gan",
        choices=catalog.OPTIMIZERS,
        metavar="NAME",
    )
    learning_rate: float = setting(
        "Learning rate",
        "the optimizer's learning rate (the generator's for GANs); by default the chosen "
        "optimizer's own, as for the default optimizer here",
        0.001,
        gan_default=0.002,
        low=0,
        low_open=True,
        high=10,
        flag="--lr",
        metavar="LR",
        step=0.0001,
    )
    batch_size: int = setting(
        "Batch size", "examples per batch", 64, gan_default=32, low=1, high=65536
    )
    epochs: int = setting("Epochs", "passes over the training data", 3, low=1, high=10000)
    seed: int = setting(
        "Seed",
        "seeds the weights, the data split and the order of the batches",
        0,
        low=0,
        high=2**31 - 1,
    )
    validation_split: float = setting(
        "Validation split",
        "the share of the data held out for validation",
        0.1,
        gan_default=0.0,  # a GAN has nothing to validate: it learns from every image
        low=0,
        high=0.9,
        metavar="SHARE",
        step=0.05,
    )
    class_weight: None | str | dict[int, float] = setting(
        "Class weights",
        "'balanced', or weights by class index such as '0:1,1:2.5'",
        None,
        metavar="WEIGHTS",
        parse=parse_class_weight,
    )
    use_sample_weight: bool = setting(
        "Weigh examples by the file's sample_weight",
        "weigh examples by the 'sample_weight' array of a .npz dataset",
        False,
        flag="--sample-weight",
    )
    halve_lr_epoch: int = setting(
        "Halve the learning rate at epoch (0 = never)",
        "train_on_batch: halve the learning rate at this epoch (from 1)",
        0,
        low=0,
        high="epochs",
        metavar="EPOCH",
    )
    max_examples: int = setting(
        "Max examples (0 = all)",
        "train on at most this many examples: a quick look at a slice of the data",
        0,
        low=0,
        high=10**9,
        step=500,
    )
    max_steps: int = setting(
        "Max steps (0 = no limit)", "stop after this many batches", 0, low=0, high=10**9
    )
    minutes: float = setting(
        "Minutes (0 = no limit)",
        "stop after this much wall time",
        0.0,
        low=0,
        high=10**6,
        metavar="M",
    )
    classes: list[int] = setting(
        "Classes",
        "keep only these class labels, such as '3' or '0,1'",
        [],
        metavar="LABELS",
        parse=parse_classes,
    )
    replicas: int = setting(
        "Replicas",
        "fit_mirrored: devices of this machine that each train a copy of the model on their "
        "slice of every batch (logical CPU devices on a machine without a GPU)",
        1,
        low=1,
        high=64,
    )
    workers: int = setting(
        "Workers",
        "loop_multiworker: processes that train together, started on this machine, or the "
        "cluster that TF_CONFIG describes",
        1,
        low=1,
        high=64,
    )
    discriminator_learning_rate: float = setting(
        "Discriminator LR",
        "GANs: the discriminator's learning rate",
        0.0003,
        gan_default=0.001,
        low=0,
        low_open=True,
        high=10,
        flag="--d-lr",
        metavar="LR",
        step=0.0001,
    )
    discriminator_steps: int = setting(
        "D steps per G step",
        "GANs: discriminator updates per generator update",
        1,
        low=1,
        high=10,
        flag="--d-steps",
    )
    latent_dim: int = setting(
        "Latent size", "GANs: size of the generator's noise input", 128, low=1, high=4096
    )
    image_every: int = setting(
        "Samples every (steps)",
        "GANs: steps between two sample grids",
        50,
        gan_default=25,
        low=1,
        high=10**6,
    )

    @classmethod
    def for_architecture(cls, architecture: str, **values) -> RunConfig:
        """A configuration with the defaults that suit `architecture` (a GAN's own), then `values`.

        Without a learning rate in `values`, a classifier starts from its optimizer's own
        (`catalog.OPTIMIZERS`), and so does a GAN whose optimizer is given.
        """
        gan = catalog.is_gan(architecture)
        settings = {
            name: described.gan_default
            for name, described in settings_of(cls).items()
            if gan and described.gan_default is not None
        }
        settings |= {"architecture": architecture, **values}
        if "learning_rate" not in values and ("optimizer" in values or not gan):
            optimizer = settings.get("optimizer", catalog.DEFAULT_OPTIMIZER)
            if optimizer in catalog.OPTIMIZERS:
                settings["learning_rate"] = catalog.OPTIMIZERS[optimizer].learning_rate
        return cls.from_dict(settings)

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
        check_settings(self)
        self._check_class_weight()
        self._check_classes()
        if self.halve_lr_epoch and self.style != "train_on_batch":
            raise ConfigError(
                "Halving the learning rate at an epoch belongs to the 'train_on_batch' style; "
                f"set halve_lr_epoch=0 for other styles. Received: style={self.style!r}, "
                f"halve_lr_epoch={self.halve_lr_epoch}"
            )
        self._check_distribution()
        styles = catalog.styles_for(self.architecture)
        if self.style not in styles:
            raise ConfigError(
                f"The '{self.style}' style cannot train '{self.architecture}'. "
                f"Styles that can: {catalog.choices(styles)}."
            )
        if catalog.is_gan(self.architecture) and (self.class_weight or self.use_sample_weight):
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

    @property
    def global_batch_size(self) -> int:
        """The examples of one training step across every replica of every worker: the batch
        the charts count. `batch_size` is each replica's share of it."""
        return self.batch_size * self.replicas * self.workers

    def _check_distribution(self) -> None:
        if self.workers > 1 and self.style == "fit_mirrored":
            raise ConfigError(
                "fit() cannot train on several workers: under MultiWorkerMirroredStrategy, "
                "Keras 3's fit() fails with 'unsupported type PerReplica' (an open Keras issue). "
                "Train several workers with the 'loop_multiworker' style, or several devices of "
                f"one machine with 'fit_mirrored' and workers=1. Received: style='fit_mirrored', "
                f"workers={self.workers}"
            )
        for name, style in (("replicas", "fit_mirrored"), ("workers", "loop_multiworker")):
            if getattr(self, name) > 1 and self.style != style:
                raise ConfigError(
                    f"Only the '{style}' style trains on several {name}; set {name}=1 for "
                    f"'{self.style}'. Received: style={self.style!r}, {name}={getattr(self, name)}"
                )

    def _check_class_weight(self) -> None:
        weights = self.class_weight
        if weights is None or weights == "balanced":
            return
        if not isinstance(weights, dict) or not all(
            isinstance(k, int) and k >= 0 and isinstance(v, int | float) and 0 <= v < math.inf
            for k, v in weights.items()
        ):
            raise ConfigError(
                "class_weight must be None, 'balanced', or a mapping from class index (an int "
                f">= 0) to a finite weight >= 0. Received: class_weight={weights!r}"
            )

    def _check_classes(self) -> None:
        if not all(isinstance(label, Integral) and label >= 0 for label in self.classes):
            raise ConfigError(
                "classes must be class labels: whole numbers >= 0, such as [3] or [0, 1]. "
                f"Received: classes={self.classes!r}"
            )


def check_architecture_fits(architecture: str, kind: str, task: str, dataset: str) -> None:
    """Raises `ConfigError` unless the architecture can model this kind of data for this task."""
    fitting = catalog.architectures_for(kind, task)
    if architecture not in fitting:
        raise ConfigError(
            f"'{architecture}' cannot model '{dataset}' ({kind} data, {task}). "
            f"Architectures that can: {catalog.choices(fitting)}."
        )
