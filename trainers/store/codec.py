"""Plain run data to bytes and back: JSON through orjson, images as PNG.

Events hold what JSON cannot: numpy arrays (sample grids, a misclassified digit's pixels),
numpy scalars, NaN and infinite losses of a diverged run. `dumps` tags each, and `loads`
restores it, so a snapshot read from the database equals the one the run's log held: uint8
images travel as PNG (lossless, and small for digits), other arrays as lists with their dtype,
and non-finite floats by name.
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np
import orjson
from PIL import Image

PNG, ARRAY, FLOAT = "$png", "$array", "$float"
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def dumps(data: Any) -> bytes:
    """JSON bytes of plain data that may hold numpy arrays, numpy scalars and NaN."""
    return orjson.dumps(_tag(data), option=orjson.OPT_NON_STR_KEYS)


def loads(raw: bytes | str | None) -> Any:
    """The data `dumps` wrote, arrays and non-finite floats restored; None for None."""
    if raw is None:
        return None
    data = orjson.loads(raw)
    tagged = b'"$' in raw if isinstance(raw, bytes) else '"$' in raw
    return _untag(data) if tagged else data


def to_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of uint8 pixels shaped `(H, W)`, `(H, W, 3)` or `(H, W, 4)`."""
    image = np.asarray(pixels)
    if image.dtype != np.uint8 or not _is_image(image):
        raise ValueError(
            "PNG needs uint8 pixels shaped (H, W), (H, W, 3) or (H, W, 4). "
            f"Received: dtype={image.dtype}, shape={image.shape}"
        )
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def from_png(raw: bytes) -> np.ndarray:
    """The uint8 pixels of PNG bytes."""
    with Image.open(io.BytesIO(raw)) as image:
        return np.asarray(image).copy()


def _is_image(array: np.ndarray) -> bool:
    return array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))


def _tag(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _tag(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_tag(value) for value in data]
    if isinstance(data, float):
        return data if math.isfinite(data) else {FLOAT: str(data)}
    if isinstance(data, np.ndarray):
        if data.dtype == np.uint8 and _is_image(data) and data.size:
            return {PNG: base64.b64encode(to_png(data)).decode("ascii")}
        return {ARRAY: {"dtype": str(data.dtype), "shape": data.shape, "data": _tag(data.tolist())}}
    if isinstance(data, np.generic):
        return _tag(data.item())
    return data


def _untag(data: Any) -> Any:
    if isinstance(data, list):
        return [_untag(value) for value in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        ((key, value),) = data.items()
        if key == FLOAT:
            return _NON_FINITE[value]
        if key == PNG:
            return from_png(base64.b64decode(value))
        if key == ARRAY:
            return np.array(_untag(value["data"]), dtype=value["dtype"]).reshape(value["shape"])
    return {key: _untag(value) for key, value in data.items()}
