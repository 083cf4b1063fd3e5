"""Batch rows as compact column chunks: how the store keeps every batch in a few bytes.

A run's batches are stored in chunks of up to `CHUNK_ROWS` consecutive rows, one database row
per chunk, rather than one database row per batch. Within a chunk each column is a numpy array
(int64 for the integer fields, float64 for the rest), and neighbouring values are alike: steps
count up by one, the epoch and the learning rate rarely change, and a metric's sign, exponent
and leading digits stay the same from one batch to the next. So each column is stored as the
difference to its previous value (integers), or the bits that differ from it (floats, an
exclusive or of their 64 bits: lossless, NaN and infinities included), its bytes regrouped so
that every value's first byte comes first, then every second byte, and so on, and the whole
chunk is compressed with Zstandard (as small as zlib's output here, and ten times faster both
ways). The values read back are exactly the values written.

Each chunk also keeps its extremes: the rows that hold each metric's lowest and highest value
in it, and its first and last row (`trainers.thinning`). A chart of a million batches reads
those, not the million rows.
"""

from __future__ import annotations

import struct

import numpy as np
import orjson
import zstandard

from trainers import thinning

CHUNK_ROWS = 2048  # the most rows in one chunk
INTEGERS = frozenset({"step", "epoch", "batch", "size"})  # every other column is a float
_HEADER = struct.Struct("<I")  # the length of the JSON header that precedes the columns
_LEVEL = 3  # Zstandard's default: within 5% of its smallest output here, at a hundredth of the time


def encode(columns: dict[str, list]) -> bytes:
    """The bytes of batch rows given as columns (each the same length).

    Args:
        columns: name -> values; `INTEGERS` are ints, every other column numbers (NaN and
            infinities allowed).

    Raises:
        ValueError: for columns of different lengths, or values that are not numbers.
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"Batch columns must have one length. Received lengths: {lengths}")
    rows = lengths.pop() if lengths else 0
    names = list(columns)
    header = orjson.dumps({"rows": rows, "columns": names})
    parts = [_HEADER.pack(len(header)), header]
    body = b"".join(_packed(name, columns[name]) for name in names)
    return b"".join(parts) + zstandard.ZstdCompressor(level=_LEVEL).compress(body)


def decode(raw: bytes) -> dict[str, np.ndarray]:
    """The columns `encode` was given, as numpy arrays (int64 or float64)."""
    (length,) = _HEADER.unpack_from(raw)
    header = orjson.loads(raw[_HEADER.size : _HEADER.size + length])
    rows = header["rows"]
    body = zstandard.ZstdDecompressor().decompress(raw[_HEADER.size + length :])
    columns = {}
    for index, name in enumerate(header["columns"]):
        packed = np.frombuffer(body, np.uint8, 8 * rows, 8 * rows * index)
        columns[name] = _unpacked(name, packed, rows)
    return columns


def extremes(columns: dict[str, list]) -> dict[str, list]:
    """The chunk's rows worth drawing when the whole run is too long to draw every row: its
    first and last, and those holding each metric's lowest and highest value (see
    `trainers.thinning`; `size` then counts the examples since the previous row kept)."""
    return thinning.thin(columns, stretches=1) if columns else {}


def concatenate(chunks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Decoded chunks as one set of columns, in their order; a column that a chunk lacks is
    NaN in its rows (-1 for an integer column)."""
    names = list(dict.fromkeys(name for chunk in chunks for name in chunk))
    joined = {}
    for name in names:
        parts = []
        for chunk in chunks:
            if name in chunk:
                parts.append(chunk[name])
            else:
                rows = len(next(iter(chunk.values()))) if chunk else 0
                parts.append(np.full(rows, -1 if name in INTEGERS else np.nan))
        joined[name] = np.concatenate(parts) if parts else np.empty(0)
    return joined


def _packed(name: str, values: list) -> bytes:
    """A column's values as the bytes `_unpacked` restores: deltas, then their bytes by rank."""
    if name in INTEGERS:
        array = np.asarray(values, dtype=np.int64)
        bits = np.diff(array, prepend=np.int64(0))
    else:
        try:
            floats = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"Batch column {name!r} holds values that are not numbers. Received: {values!r}"
            ) from error
        array = floats.view(np.uint64)
        bits = array ^ np.concatenate(([np.uint64(0)], array[:-1]))
    return bits.view(np.uint8).reshape(-1, 8).T.tobytes()


def _unpacked(name: str, packed: np.ndarray, rows: int) -> np.ndarray:
    bits = packed.reshape(8, rows).T.copy().view(np.uint64).ravel()
    if name in INTEGERS:
        return np.cumsum(bits.view(np.int64))
    return np.bitwise_xor.accumulate(bits).view(np.float64)
