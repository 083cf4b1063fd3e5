"""A person's own data, from a `.npz` file written with `np.savez`.

Anyone can hand Looplab a file, so everything in it is checked before a run starts: the file
must be a real `.npz` no larger than `MAX_NPZ_BYTES` whose arrays are safe to read
(`archive.read_arrays`: known keys, numbers only, no pickle, no NaN or inf, no zip bomb), and
whose shapes fit together. Each refusal is a `DatasetError` that starts with the file's path,
says what to change, and ends with what it received.

The arrays decide what the data is: 2-D inputs are vectors and 3-D or 4-D ones images; whole
number labels mean classification and anything else regression.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from trainers.datasets.archive import MAX_NPZ_BYTES, read_arrays
from trainers.datasets.source import DatasetError, Source, int_labels

MAX_CLASSES = 1000


def load(path: str) -> Source:
    """Reads a person's `.npz` file, checked; an unchanged file is read once per process.

    Args:
        path: the file.

    Returns:
        The `Source`: images keep their dtype with a scale of 255 or 1.

    Raises:
        DatasetError: the file is missing, too large, not an `.npz`, or its arrays do not fit.
    """
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
def _read_npz(path: str, mtime_ns: int, size: int) -> Source:
    """Reads and checks a person's .npz; the file's time and size key the cache."""
    del mtime_ns, size  # only part of the cache key: an edited file is read again

    def fail(problem: str, received: str) -> DatasetError:
        return DatasetError(f"{path}: {problem} Received: {received}")

    arrays = read_arrays(path, fail)
    return _npz_to_source(arrays, fail)


# --- From checked arrays to a Source ------------------------------------------------------------


def _npz_to_source(arrays: dict[str, np.ndarray], fail) -> Source:
    x_train, x_test = arrays["x_train"], arrays.get("x_test")
    kind = _npz_kind(x_train, fail)
    _check_shapes(arrays, fail)
    task, class_names, y_train, y_test = _targets(arrays["y_train"], arrays.get("y_test"), fail)
    scale = 1.0
    if kind == "image":
        x_train, x_test = (None if x is None else _with_channel(x) for x in (x_train, x_test))
        scale = _image_scale([x for x in (x_train, x_test) if x is not None], fail)
    return Source(
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


def _check_shapes(arrays: dict[str, np.ndarray], fail) -> None:
    """Checks that each set has examples, one label per example, and that the sets agree."""
    for x_name, y_name in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = arrays.get(x_name), arrays.get(y_name)
        if x is None:
            continue
        if x.ndim != arrays["x_train"].ndim:
            raise fail(
                f"'{x_name}' must have as many dimensions as x_train.",
                f"'{x_name}' of shape {x.shape}, x_train of shape {arrays['x_train'].shape}",
            )
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
    x_train, x_test = arrays["x_train"], arrays.get("x_test")
    if x_test is not None and x_test.shape[1:] != x_train.shape[1:]:
        raise fail(
            "x_test's examples must have the same shape as x_train's.",
            f"x_train of shape {x_train.shape}, x_test of shape {x_test.shape}",
        )


def _targets(y_train: np.ndarray, y_test: np.ndarray | None, fail) -> tuple:
    """Decides the task from the labels; returns `(task, class_names, y_train, y_test)`.

    Float targets of shape (N, 1), or any with fractions, are regression targets; whole
    numbers are class labels.
    """
    ys = [y for y in (y_train, y_test) if y is not None]
    regression = (y_train.ndim == 2 and y_train.dtype.kind == "f") or not all(
        y.dtype.kind in "biu" or np.array_equal(y, np.round(y)) for y in ys
    )
    if regression:
        y_train, y_test = (
            None if y is None else y.reshape(-1, 1).astype(np.float32) for y in (y_train, y_test)
        )
        return "regression", (), y_train, y_test
    labels = np.concatenate([y.reshape(-1) for y in ys])
    if labels.min() < 0 or labels.max() >= MAX_CLASSES:
        raise fail(
            f"Classification labels must be whole numbers from 0 to {MAX_CLASSES - 1} "
            "(one class per value; float targets with fractions are read as regression).",
            f"labels from {labels.min():g} to {labels.max():g}",
        )
    class_names = tuple(str(label) for label in range(int(labels.max()) + 1))
    y_train, y_test = (None if y is None else int_labels(y) for y in (y_train, y_test))
    return "classification", class_names, y_train, y_test


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
