"""Reading the arrays of an untrusted `.npz` archive: nothing loaded that should not be.

The archive's keys must be the expected ones; the sizes it declares, and each array's header
(read before its data), bound what unpacking and NumPy would allocate, so a zip bomb is refused
unopened; arrays hold numbers only, are read without pickle, and hold no NaN, inf or values
beyond float32's range. Anything else that breaks the reader refuses the whole file.
"""

from __future__ import annotations

import math
import os
import zipfile

import numpy as np

from trainers import catalog
from trainers.datasets.source import DatasetError

MAX_NPZ_BYTES = 512 * 2**20  # a person's .npz, or its arrays unpacked: larger is refused
FLOAT32_MAX = float(np.finfo(np.float32).max)  # what Looplab trains in

_NPZ_REQUIRED = ("x_train", "y_train")
_NPZ_OPTIONAL = ("x_test", "y_test", "sample_weight")


def read_arrays(path: str, fail) -> dict[str, np.ndarray]:
    """The checked arrays of the archive at `path`, by key.

    Args:
        path: the file.
        fail: makes the `DatasetError` to raise, as `fail(problem, received)`.

    Raises:
        DatasetError: for anything in the file that cannot be trained on.
    """
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
    return arrays


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
