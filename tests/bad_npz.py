"""Data files that Looplab must refuse, each built by a function that writes it at a path.

Shared by the command line's and the Train page's tests of bad input: a pickle that would run
code, a zip bomb, an archive cut short or corrupt, an array header that promises terabytes, a
member that is not an array, ragged arrays.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from trainers.datasets import MAX_NPZ_BYTES

X, Y = np.zeros((20, 4), np.float32), np.arange(20) % 2
PICKLE_RAN = "pickle-ran"  # the file a pickle in a data file would create, were it loaded


class RunsCode:
    """An object whose pickle, once loaded, creates a file: what `allow_pickle` would allow."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


def savez(**arrays) -> Callable[[Path], None]:
    return lambda path: np.savez(path, **arrays)


def pickled(path: Path) -> None:
    code = np.empty(20, dtype=object)
    code[:] = [RunsCode(path.parent / PICKLE_RAN)] * 20
    np.savez(path, x_train=code, y_train=Y)


def ragged(path: Path) -> None:
    rows = np.empty(20, dtype=object)
    rows[:] = [[1.0, 2.0], [3.0]] * 10
    np.savez(path, x_train=rows, y_train=Y)


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def zip_bomb(path: Path) -> None:
    """2 MiB on disk that would unpack into x_train of 513 MiB (every byte 0)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("y_train.npy", npy(Y))
        with archive.open("x_train.npy", "w", force_zip64=True) as member:
            zeros = bytes(2**20)
            for _ in range(MAX_NPZ_BYTES // len(zeros) + 1):
                member.write(zeros)


def huge_header(path: Path) -> None:
    """An x_train whose header promises 8 TB of float64, followed by no data at all."""
    header = io.BytesIO()
    shape = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    np.lib.format.write_array_header_1_0(header, shape)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", header.getvalue())
        archive.writestr("y_train.npy", npy(Y))


def not_npy(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", b"#!/bin/sh\necho not an array\n")
        archive.writestr("y_train.npy", npy(Y))


def truncated(path: Path) -> None:
    np.savez(path, x_train=np.random.default_rng(0).random((200, 4)), y_train=np.arange(200) % 2)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def corrupt(path: Path) -> None:
    """A compressed archive whose directory is intact but whose x_train's bytes are not."""
    x = np.random.default_rng(0).random((200, 4))
    np.savez_compressed(path, x_train=x, y_train=np.arange(200) % 2)
    data = bytearray(path.read_bytes())
    data[200:400] = bytes(200)
    path.write_bytes(bytes(data))


def too_large(path: Path) -> None:
    with open(path, "wb") as file:  # sparse: nothing is written but its length
        file.truncate(MAX_NPZ_BYTES + 1)


def folder(path: Path) -> None:
    path.mkdir()
