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
every sample in one bar, however sharp its ones are. Collapse within a class shows in the
diversity: how far each sample lies from its nearest neighbour among the samples, in the
classifier's feature space, against the same for as many real digits. A generator that draws
the same few 7s again and again has near twins everywhere and scores well below 1.

A conditional GAN is told which digit to draw, so its samples are also checked against the
labels they were drawn for: the share of each class the classifier recognises as that class.
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
_readers: dict[Path, keras.Model] = {}  # each classifier with its features as a second output
_real: dict[tuple[Path, int], dict] = {}
_lock = threading.RLock()  # real_digits() holds it while it asks for the classifier


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


def quality(images: np.ndarray, labels: np.ndarray | None = None) -> dict | None:
    """Scores generated digits with the reference classifier.

    Args:
        images: `(N, 28, 28, 1)` images in `[0, 1]`, e.g. a generator's samples.
        labels: the class each image was drawn for, for a conditional GAN's samples.

    Returns:
        `None` for images that are not 28×28 grey digits; otherwise a dict with
        `inception_score` (1 to 10), `confidence` (the mean top class probability, 0.1 to 1),
        `histogram` (how many images fall in each of the 10 predicted classes),
        `real_histogram` (the share of each class among real digits, by the same classifier),
        and `diversity` (the images' mean distance to their nearest neighbour over the same
        for real digits, about 1 for samples as varied as real digits). With labels, also
        `class_accuracy` (per class, the share of its images recognised as it; None for a
        class not asked for) and `accuracy` (over all images).
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[1:] != DIGIT_SHAPE or not len(images):
        return None
    features, probabilities = _features_and_probabilities(images)
    real = real_digits(len(images))
    predicted = probabilities.argmax(axis=1)
    scores = {
        "inception_score": inception_score(probabilities),
        "confidence": float(probabilities.max(axis=1).mean()),
        "histogram": np.bincount(predicted, minlength=10).tolist(),
        "real_histogram": real["histogram"],
        "diversity": nearest_distance(features) / real["nearest_distance"],
    }
    if labels is not None:
        labels = np.asarray(labels)
        right = predicted == labels
        scores["accuracy"] = float(right.mean())
        scores["class_accuracy"] = [
            float(right[labels == digit].mean()) if np.any(labels == digit) else None
            for digit in range(10)
        ]
    return scores


def real_digits(count: int) -> dict:
    """The reference classifier's view of real digits, computed once per process and count.

    Returns:
        `histogram`: the share of each predicted class among all of mnist-5k;
        `nearest_distance`: see `nearest_distance`, for `count` of its digits.
    """
    key = (cache_path(), count)
    with _lock:
        if key not in _real:
            digits = load_dataset("mnist-5k", seed=SEED, validation_split=0).x_train
            features, probabilities = _features_and_probabilities(digits)
            counts = np.bincount(probabilities.argmax(axis=1), minlength=10)
            _real[key] = {
                "histogram": (counts / counts.sum()).tolist(),
                "nearest_distance": nearest_distance(features[: max(count, 2)]),
            }
        return _real[key]


def nearest_distance(features: np.ndarray) -> float:
    """The mean distance from each row of `features` to its nearest other row."""
    features = np.asarray(features, dtype="float32")
    squares = np.sum(features**2, axis=1)
    distances = squares[:, None] + squares[None, :] - 2 * features @ features.T
    np.fill_diagonal(distances, np.inf)
    return float(np.sqrt(np.maximum(distances.min(axis=1), 0)).mean())


def _features_and_probabilities(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The reference classifier's features (its flattened convolutions) and its output."""
    classifier = reference_classifier()
    with _lock:
        if cache_path() not in _readers:
            flatten = next(
                layer for layer in classifier.layers if isinstance(layer, layers.Flatten)
            )
            _readers[cache_path()] = keras.Model(
                classifier.inputs, [flatten.output, classifier.outputs[0]]
            )
        reader = _readers[cache_path()]
    features, probabilities = reader.predict_on_batch(images)
    return np.asarray(features), np.asarray(probabilities)


def inception_score(probabilities: np.ndarray) -> float:
    """`exp(E_x[KL(p(y|x) || p(y))])` from one row of class probabilities per image."""
    conditional = np.clip(np.asarray(probabilities, dtype="float64"), 1e-12, 1)
    marginal = conditional.mean(axis=0, keepdims=True)
    divergences = np.sum(conditional * (np.log(conditional) - np.log(marginal)), axis=1)
    return float(np.exp(divergences.mean()))
