"""How good a GAN's digits look, measured by a reference digit classifier.

The Inception Score asks a classifier two questions about a batch of generated images. Is each
image clearly one class (a confident, peaked `p(y|x)`)? And are the classes varied (a flat
`p(y)` over the batch)? Both at once give a large KL divergence between the two, and

    IS = exp(E_x[KL(p(y|x) || p(y))])

runs from 1 (noise, or one blurry blob) to the number of classes (crisp digits of every kind).
The original score uses an ImageNet Inception network; for 28×28 digits a small convnet
trained on MNIST is the usual stand-in. Ours trains once on all of mnist-5k and is cached on
disk, so every later run, page and test loads it in a second.

The class histogram shows mode collapse at a glance: a generator that only draws ones puts
every sample in one bar, however sharp its ones are.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import keras
import numpy as np
from keras import layers

from trainers.datasets import load_dataset

DIGIT_DATASETS = ("mnist-5k", "mnist")  # the datasets whose samples are scored
DIGIT_SHAPE = (28, 28, 1)
REFERENCE_FILE = "reference-digits.keras"
REFERENCE_EPOCHS = 4
SEED = 1337

_models: dict[Path, keras.Model] = {}
_lock = threading.Lock()


def cache_path() -> Path:
    """Where the reference classifier lives: `$LOOPLAB_CACHE`, else `~/.cache/looplab`."""
    folder = os.environ.get("LOOPLAB_CACHE") or Path.home() / ".cache" / "looplab"
    return Path(folder) / REFERENCE_FILE


def reference_classifier(epochs: int = REFERENCE_EPOCHS) -> keras.Model:
    """The reference digit classifier: loaded from the cache, or trained and cached first.

    Training takes all 5,000 digits of mnist-5k for `epochs` epochs, about half a minute on two
    CPU cores. Every layer has its own fixed seed, so training neither depends on nor disturbs
    the random state of a run that happens to need the classifier first.

    Args:
        epochs: passes over the digits when there is no cached classifier yet.

    Returns:
        A model mapping `(N, 28, 28, 1)` images in `[0, 1]` to 10 class probabilities.
    """
    path = cache_path()
    with _lock:
        if path not in _models:
            if path.exists():
                _models[path] = keras.saving.load_model(path)
            else:
                model = _train(epochs)
                path.parent.mkdir(parents=True, exist_ok=True)
                model.save(path)
                _models[path] = model
        return _models[path]


def _train(epochs: int) -> keras.Model:
    digits = load_dataset("mnist-5k", seed=SEED, validation_split=0)
    model = keras.Sequential(
        [
            keras.Input(shape=DIGIT_SHAPE),
            layers.Conv2D(32, 3, activation="relu", kernel_initializer=_seeded(1)),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu", kernel_initializer=_seeded(2)),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.3, seed=SEED),
            layers.Dense(10, activation="softmax", kernel_initializer=_seeded(3)),
        ],
        name="reference_digits",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.002),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # The epochs' orders come from a NumPy generator, not Keras' global random state.
    rng = np.random.default_rng(SEED)
    for _ in range(epochs):
        order = rng.permutation(len(digits.y_train))
        model.fit(
            digits.x_train[order],
            digits.y_train[order],
            batch_size=64,
            shuffle=False,
            verbose=0,
        )
    return model


def _seeded(offset: int) -> keras.initializers.Initializer:
    return keras.initializers.GlorotUniform(seed=SEED + offset)


def quality(images: np.ndarray) -> dict | None:
    """Scores generated digits with the reference classifier.

    Args:
        images: `(N, 28, 28, 1)` images in `[0, 1]`, e.g. a generator's samples.

    Returns:
        `None` for images that are not 28×28 grey digits; otherwise a dict with
        `inception_score` (1 to 10), `confidence` (the mean top class probability, 0.1 to 1),
        and `histogram` (how many images fall in each of the 10 predicted classes).
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[1:] != DIGIT_SHAPE or not len(images):
        return None
    probabilities = keras.ops.convert_to_numpy(reference_classifier()(images, training=False))
    return {
        "inception_score": inception_score(probabilities),
        "confidence": float(probabilities.max(axis=1).mean()),
        "histogram": np.bincount(probabilities.argmax(axis=1), minlength=10).tolist(),
    }


def inception_score(probabilities: np.ndarray) -> float:
    """`exp(E_x[KL(p(y|x) || p(y))])` from one row of class probabilities per image."""
    conditional = np.clip(np.asarray(probabilities, dtype="float64"), 1e-12, 1)
    marginal = conditional.mean(axis=0, keepdims=True)
    divergences = np.sum(conditional * (np.log(conditional) - np.log(marginal)), axis=1)
    return float(np.exp(divergences.mean()))
