"""The keras.datasets sources, read straight from the Keras cache folder.

`mnist`, `fashion-mnist`, `cifar10` and `reuters` are read from the files keras.datasets keeps
in its cache, in the format it stores them there, and prepared as its `load_data()` functions
prepare them. Keras itself is imported only when a file is missing and must be downloaded, so
this module stays free of TensorFlow and pages can import it before the engine loads. Without a
network, a missing file gets a `DatasetError` that says where to place it.

Each reader is cached by the path it reads; `load_dataset` then works on copies.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import os

import numpy as np

from trainers.datasets.safe_pickle import NumpyOnlyUnpickler, read_object_npz
from trainers.datasets.source import DIGIT_NAMES, DatasetError, Source, int_labels, seed_free

SEQUENCE_LENGTH = 300

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


# --- MNIST and Fashion-MNIST --------------------------------------------------------------------


@seed_free
def mnist() -> Source:
    """MNIST's 70,000 digits with their own test set, from the cached mnist.npz."""
    path = _cached_file(
        "mnist",
        "mnist.npz",
        _KERAS_ORIGIN + "mnist.npz",
        file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    )
    return _read_mnist(path)


@functools.lru_cache(maxsize=2)
def _read_mnist(path: str) -> Source:
    with _reading("mnist", path), np.load(path, allow_pickle=False) as data:
        x_train, y_train = _grey(data["x_train"]), int_labels(data["y_train"])
        x_test, y_test = _grey(data["x_test"]), int_labels(data["y_test"])
        _check_lengths(x_train, y_train, x_test, y_test)
    return _keras_images(x_train, y_train, x_test, y_test, DIGIT_NAMES)


@seed_free
def fashion_mnist() -> Source:
    """Fashion-MNIST's 70,000 clothing images with their own test set, from 4 idx files."""
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
def _read_fashion_mnist(paths: tuple[str, ...]) -> Source:
    arrays = []
    for labels_path, images_path in (paths[:2], paths[2:]):
        with _reading("fashion-mnist", labels_path), gzip.open(labels_path, "rb") as file:
            labels = np.frombuffer(file.read(), np.uint8, offset=8)  # idx1 header: 8 bytes
        with _reading("fashion-mnist", images_path), gzip.open(images_path, "rb") as file:
            pixels = np.frombuffer(file.read(), np.uint8, offset=16)  # idx3 header: 16 bytes
            images = pixels.reshape(len(labels), 28, 28, 1)
        arrays += [images, labels.astype(np.int32)]
    return _keras_images(*arrays, FASHION_NAMES)


# --- CIFAR-10 -----------------------------------------------------------------------------------


@seed_free
def cifar10() -> Source:
    """CIFAR-10's 60,000 colour images, its test batch the test set, from the cached batches."""
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
def _read_cifar10(folder: str) -> Source:
    parts = [_cifar_batch(os.path.join(folder, batch)) for batch in _CIFAR10_BATCHES]
    x_train = np.concatenate([x for x, _ in parts[:-1]])
    y_train = np.concatenate([y for _, y in parts[:-1]])
    x_test, y_test = parts[-1]
    return _keras_images(x_train, y_train, x_test, y_test, CIFAR10_NAMES)


def _cifar_batch(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Reads one pickled CIFAR batch, like keras.datasets.cifar.load_batch."""
    with _reading("cifar10", path), open(path, "rb") as file:
        batch = NumpyOnlyUnpickler(file, encoding="bytes").load()
        batch = {key.decode("utf8"): value for key, value in batch.items()}
        data = np.asarray(batch["data"], dtype=np.uint8)
        images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)  # to channels-last
        labels = int_labels(batch["labels"])
        _check_lengths(images, labels)
    return images, labels


# --- Reuters ------------------------------------------------------------------------------------


@seed_free
def reuters() -> Source:
    """Reuters' 11,228 newswires as 300 word ids each, split as keras does, from reuters.npz."""
    path = _cached_file(
        "reuters",
        "reuters.npz",
        _KERAS_ORIGIN + "reuters.npz",
        file_hash="d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    )
    return _read_reuters(path)


@functools.lru_cache(maxsize=2)
def _read_reuters(path: str) -> Source:
    """Reads reuters.npz and prepares it exactly as `keras.datasets.reuters.load_data()` does.

    With keras' defaults: a shuffle seeded 113, a start token 1 before each newswire, word ids
    moved up by 3 (0 pads, 1 starts, 2 is out of vocabulary), the largest id mapped to 2 (as
    keras' `num_words = max id` cut does), and the last 20 % as the test set. Each sequence is
    then padded or truncated at the front to 300 tokens.
    """
    with _reading("reuters", path):
        arrays = read_object_npz(path)
        words, labels = arrays["x"], int_labels(arrays["y"])
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
    return Source(
        "sequence",
        "classification",
        padded[:cut],
        labels[:cut],
        padded[cut:],
        labels[cut:],
        class_names=REUTERS_NAMES,
        vocabulary_size=int(padded.max()) + 1,
    )


# --- Finding, downloading and reading cached files ----------------------------------------------


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


def _keras_images(x_train, y_train, x_test, y_test, class_names) -> Source:
    """A keras.datasets image source: uint8 pixels, labels and its own test set."""
    return Source(
        "image", "classification", x_train, y_train, x_test, y_test, None, class_names, 255
    )


def _grey(images: np.ndarray) -> np.ndarray:
    if images.ndim != 3:
        raise ValueError(f"expected grey images of shape (N, H, W), found shape {images.shape}")
    return images[..., np.newaxis]


def _check_lengths(*pairs: np.ndarray) -> None:
    for x, y in zip(pairs[::2], pairs[1::2], strict=True):
        if len(x) != len(y):
            raise ValueError(f"{len(x)} examples but {len(y)} labels")
