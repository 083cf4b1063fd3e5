"""A person's own data, from a `.npz` file written with `np.savez`.

Anyone can hand Looplab a file, so everything in it is checked before a run starts: the file
must be a real `.npz` no larger than `MAX_NPZ_BYTES`, whose arrays, unpacked, are no larger
either (each array's header is read before its data, so a zip bomb is refused unopened), hold
numbers only (no pickle, no NaN or inf) under the expected keys, and have shapes that fit
together. Each refusal is a
`DatasetError` that starts with the file's path, says what to change, and ends with what it
received.

The arrays decide what the data is: 2-D inputs are vectors and 3-D or 4-D ones images; whole
number labels mean classification and anything else regression.
"""

from __future__ import annotations

import functools
import math
import os
import zipfile

import numpy as np

from trainers import catalog
from trainers.datasets.source import DatasetError, Source, int_labels

MAX_NPZ_BYTES = 512 * 2**20  # a person's .npz, or its arrays unpacked: larger is refused
MAX_CLASSES = 1000
FLOAT32_MAX = float(np.finfo(np.float32).max)  # what Looplab trains in

_NPZ_REQUIRED = ("x_train", "y_train")
_NPZ_OPTIONAL = ("x_test", "y_test", "sample_weight")


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

    if not zipfile.is_zipfile(path):
        raise fail(
            "is not a valid .npz file (a zip archive written by np.savez). "
            "Save the arrays with np.savez(path, x_train=..., y_train=...).",
            f"a file of {os.path.getsize(path)} bytes that is not a zip archive",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = _members(archive)
            _check_keys(sorted(members), fail)
            _check_headers(archive, members, fail)
            arrays = {key: _npz_array(archive, members[key], key, fail) for key in members}
    except DatasetError:
        raise
    except Exception as error:  # a hostile file may break the reader anywhere: refuse it all
        raise fail(
            "is not a valid .npz file: it could not be read. "
            "Save the arrays with np.savez(path, x_train=..., y_train=...).",
            f"{type(error).__name__}: {error}",
        ) from error
    return _npz_to_source(arrays, fail)


# --- The keys and arrays in the file, and what their headers promise ----------------------------


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


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by key, named as `np.load` names them: `x_train` is the member
    `x_train.npy`, unless one is named `x_train` itself; of two with one name, the last."""
    names = archive.namelist()
    members = {name.removesuffix(".npy"): archive.getinfo(name) for name in names}
    return members | {name: archive.getinfo(name) for name in names if not name.endswith(".npy")}


def _check_headers(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], fail) -> None:
    """Reads each array's header, never its data, and refuses what loading it would regret.

    The sizes the archive declares bound what unpacking can produce (the zip reader stops
    there), and each header's shape and dtype bound what NumPy allocates: both must fit in
    `MAX_NPZ_BYTES`, so a small file that inflates into a huge array is refused unopened.
    """
    unpacked = sum(info.file_size for info in members.values())
    if unpacked > MAX_NPZ_BYTES:
        raise fail(
            f"holds {unpacked / 2**20:.1f} MiB of arrays once unpacked, larger than the "
            f"{MAX_NPZ_BYTES / 2**20:g} MiB Looplab loads. Save a smaller sample of the data.",
            f"{len(members)} array(s) of {unpacked} bytes unpacked, "
            f"{sum(info.compress_size for info in members.values())} bytes packed",
        )
    for key, info in members.items():
        with archive.open(info) as member:
            try:
                version = np.lib.format.read_magic(member)
                read_header = {
                    (1, 0): np.lib.format.read_array_header_1_0,
                    (2, 0): np.lib.format.read_array_header_2_0,
                }[version]
                shape, _, dtype = read_header(member)
            except (ValueError, KeyError) as error:
                raise fail(
                    f"'{key}' is not a NumPy array as np.savez writes it (format 1.0 or 2.0). "
                    "Save the arrays with np.savez(path, x_train=..., y_train=...).",
                    f"'{key}': {type(error).__name__}: {error}",
                ) from None
            _check_dtype(key, dtype, fail)
            promised = math.prod(shape) * dtype.itemsize
            if promised > info.file_size - member.tell():
                raise fail(
                    f"'{key}' is cut short: its header promises more data than the file holds. "
                    "Save the arrays again with np.savez.",
                    f"'{key}' of shape {shape} and dtype {dtype} ({promised} bytes) in "
                    f"{info.file_size} bytes",
                )


def _check_dtype(key: str, dtype: np.dtype, fail) -> None:
    if dtype.hasobject:
        raise fail(
            f"'{key}' is an object array, which only pickle can load, and Looplab refuses "
            f"pickle in data files. Save plain numeric arrays, e.g. np.asarray(x, "
            f"dtype='float32').",
            f"'{key}' with dtype object",
        )
    if dtype.kind not in "biuf":
        raise fail(
            f"'{key}' must hold numbers (integers or floats).",
            f"'{key}' with dtype {dtype}",
        )


def _npz_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, fail) -> np.ndarray:
    """Reads one array whose header `_check_headers` passed; never unpickles."""
    with archive.open(info) as member:
        array = np.lib.format.read_array(member, allow_pickle=False)
    _check_dtype(key, array.dtype, fail)
    if array.dtype.kind != "f":
        return array
    if not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "inf"
        raise fail(
            f"'{key}' holds {bad} values. Remove or replace them (NaN and inf values make "
            "training fail).",
            f"'{key}' with {int((~np.isfinite(array)).sum())} NaN or inf value(s)",
        )
    largest = float(np.abs(array).max(initial=0))
    if largest > FLOAT32_MAX:
        raise fail(
            f"'{key}' holds values beyond float32's range (±{FLOAT32_MAX:.4g}), which turn "
            "into inf when training. Rescale them.",
            f"'{key}' with a value of magnitude {largest:.4g}",
        )
    return array


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
