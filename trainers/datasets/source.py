"""What every loader hands on: a `Source` read from disk, and the `Dataset` one run trains on.

The loaders (`bundled`, `keras_cache`, `npz`) each read data in their own format, and `split`
turns what they read into a run's data. They meet here: a loader returns a `Source`, `split`
returns a `Dataset`, and both raise `DatasetError` when something does not work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

DIGIT_NAMES = tuple(str(digit) for digit in range(10))


class DatasetError(ValueError):
    """A dataset that cannot be loaded; the message says what would work."""


@dataclass
class Dataset:
    """One dataset, split and ready to train on.

    Attributes:
        name: the registry name, or the file name of a `.npz`.
        kind: `"image"`, `"vector"` or `"sequence"`.
        task: `"classification"` or `"regression"`.
        x_train: training inputs.
        y_train: training labels or targets.
        x_val: validation inputs, held out of `x_train` (empty when validation_split is 0).
        y_val: validation labels or targets.
        x_test: the source's own test set, or None when it has none.
        y_test: the test labels or targets, or None.
        sample_weight: one weight per training example, from a `.npz` file's
            `sample_weight` array; None otherwise.
        num_classes: the number of classes (the largest label + 1); 0 for regression.
        class_names: a name per class; empty for regression.
        vocabulary_size: for sequences, the largest token id + 1; 0 otherwise.
    """

    name: str
    kind: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    sample_weight: np.ndarray | None
    num_classes: int
    class_names: list[str]
    vocabulary_size: int = 0


@dataclass(frozen=True)
class Source:
    """A dataset as read from disk, before the seeded work of one run.

    The arrays are compact (images stay uint8 where the source is) and read-only, since the
    loaders' caches hand the same object to every run.

    Attributes:
        kind: `"image"`, `"vector"` or `"sequence"`.
        task: `"classification"` or `"regression"`.
        x_train: training inputs, in the source's own dtype.
        y_train: int32 labels, or float32 targets of shape (N, 1).
        x_test: the source's own test inputs, or None.
        y_test: the test labels or targets, or None.
        sample_weight: one weight per training example, or None.
        class_names: a name per class; empty for regression.
        scale: what images are divided by to lie in [0, 1].
        vocabulary_size: for sequences, the largest token id + 1; 0 otherwise.
    """

    kind: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    sample_weight: np.ndarray | None = None
    class_names: tuple[str, ...] = ()
    scale: float = 1.0
    vocabulary_size: int = 0

    def __post_init__(self):
        for array in (self.x_train, self.y_train, self.x_test, self.y_test, self.sample_weight):
            if array is not None:
                array.setflags(write=False)


def int_labels(labels) -> np.ndarray:
    """Class labels of any integer type or shape, as the int32 vector Looplab uses."""
    return np.asarray(labels).reshape(-1).astype(np.int32)


def seed_free(read: Callable[[], Source]) -> Callable[[int], Source]:
    """Makes a source whose examples do not depend on the seed take one, as every source does.

    `load_dataset` hands each source the run's seed; only drawn data (`regression`) uses it.
    The others read fixed examples, which `load_dataset` then shuffles with that seed.
    """

    def source(seed: int) -> Source:
        return read()

    # Its name and docstring, but not its signature: the source takes the seed.
    source.__name__, source.__qualname__, source.__doc__ = (
        read.__name__,
        read.__qualname__,
        read.__doc__,
    )
    return source
