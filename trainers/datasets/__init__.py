"""The datasets Looplab trains on, loaded by name or from a person's own `.npz` file.

Every dataset comes back as a `Dataset` of plain NumPy arrays in one set of conventions that
the rest of the engine relies on:

- images: float32 in [0, 1], shape (N, H, W, C); grey images get a channel axis of 1.
- vectors: float32, shape (N, F).
- sequences: int32, shape (N, 300), left-padded with zeros (like keras' `pad_sequences`).
- classification labels: int32, shape (N,); regression targets: float32, shape (N, 1).

The package reads each kind of source in its own module and prepares a run's data in one:

- `bundled`: the datasets that need no download (`mnist-5k`, `digits`, `regression`).
- `keras_cache`: the keras.datasets files, read from the Keras cache (`safe_pickle` keeps
  their pickles from running code).
- `npz`: a person's own `.npz` file, checked with messages that say what to change.
- `split`: `load_dataset`, which finds a source through `catalog.DATASETS` and does the
  seeded work of one run on copies of it.
- `source`: what they share: `Source`, `Dataset` and `DatasetError`.

Nothing here imports TensorFlow: Keras is imported only to download a missing file, so pages
can import this package before the engine loads.
"""

from trainers.datasets.keras_cache import (
    CIFAR10_NAMES,
    FASHION_NAMES,
    REUTERS_NAMES,
    SEQUENCE_LENGTH,
    keras_cache_dir,
)
from trainers.datasets.npz import MAX_CLASSES, MAX_NPZ_BYTES
from trainers.datasets.source import DIGIT_NAMES, Dataset, DatasetError, Source
from trainers.datasets.split import load_dataset

__all__ = [
    "CIFAR10_NAMES",
    "DIGIT_NAMES",
    "FASHION_NAMES",
    "MAX_CLASSES",
    "MAX_NPZ_BYTES",
    "REUTERS_NAMES",
    "SEQUENCE_LENGTH",
    "Dataset",
    "DatasetError",
    "Source",
    "keras_cache_dir",
    "load_dataset",
]
