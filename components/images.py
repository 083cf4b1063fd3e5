"""Images for the pages: a grid of samples, PNG bytes, and a gallery of mistakes.

Runs report images as small uint8 arrays, `(H, W)` for grey or `(H, W, 3)` for colour: a GAN's
sample grid, or the test examples a classifier got wrong. The digits datasets are tiny (8×8 or
28×28), so the gallery enlarges them with nearest-neighbour, which keeps each pixel a crisp
square instead of a blur.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
import streamlit as st
from numpy.typing import ArrayLike
from PIL import Image


def _image(pixels: ArrayLike) -> np.ndarray:
    """`pixels` as a uint8 `(H, W)` or `(H, W, 3)` array; `(H, W, 1)` becomes `(H, W)`."""
    image = np.asarray(pixels)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.dtype != np.uint8 or not (image.ndim == 2 or image.shape[2:] == (3,)):
        raise ValueError(
            "Expected uint8 pixels shaped (H, W) or (H, W, 3). "
            f"Received: dtype={image.dtype}, shape={image.shape}"
        )
    return image


def image_grid(pixels_list: Sequence[ArrayLike], columns: int, fill: int = 255) -> np.ndarray:
    """Tiles same-sized images into one image, row by row, with a 1-pixel gap between them.

    Args:
        pixels_list: the images, uint8, `(H, W)` or `(H, W, 3)`; grey ones turn RGB when any
            image is in colour.
        columns: images per row (fewer when there are fewer images).
        fill: the grey level of the gaps and of the empty cells of the last row.

    Returns:
        The grid, `(rows * (H + 1) - 1, columns * (W + 1) - 1)`, plus `3` channels if in colour.

    Raises:
        ValueError: with no images, `columns < 1`, or images of different sizes.
    """
    images = [_image(pixels) for pixels in pixels_list]
    if not images or columns < 1:
        raise ValueError(
            f"image_grid needs images and columns >= 1. "
            f"Received: {len(images)} images, columns={columns}"
        )
    if len({image.shape[:2] for image in images}) > 1:
        raise ValueError(
            f"image_grid needs images of one size. Received: {[i.shape for i in images]}"
        )
    if any(image.ndim == 3 for image in images):
        images = [np.dstack([i] * 3) if i.ndim == 2 else i for i in images]
    (height, width), columns = images[0].shape[:2], min(columns, len(images))
    rows = math.ceil(len(images) / columns)
    channels = images[0].shape[2:]
    grid = np.full(
        (rows * (height + 1) - 1, columns * (width + 1) - 1, *channels), fill, dtype=np.uint8
    )
    for index, image in enumerate(images):
        top, left = (height + 1) * (index // columns), (width + 1) * (index % columns)
        grid[top : top + height, left : left + width] = image
    return grid


def upscale(pixels: ArrayLike, min_side: int = 112) -> np.ndarray:
    """Enlarges an image by a whole factor, nearest-neighbour, until its short side is `min_side`.

    Args:
        pixels: uint8, `(H, W)` or `(H, W, 3)`.
        min_side: the short side to reach; larger images come back unchanged.

    Returns:
        The enlarged image.
    """
    image = _image(pixels)
    factor = max(1, math.ceil(min_side / min(image.shape[:2])))
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def to_png(pixels: ArrayLike) -> bytes:
    """Encodes uint8 pixels, `(H, W)` grey or `(H, W, 3)` RGB, as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(_image(pixels)).save(buffer, format="PNG")
    return buffer.getvalue()


def caption(item: dict, class_names: Sequence[str] = ()) -> str:
    """The caption of a misclassified example, e.g. `"true 3 → predicted 5 (90 %)"`.

    Args:
        item: one of `result["misclassified"]`: `true`, `predicted`, optional `confidence`.
        class_names: names for the class indices; the indices themselves when empty.
    """
    true, predicted = (
        class_names[item[k]] if class_names else item[k] for k in ("true", "predicted")
    )
    text = f"true {true} → predicted {predicted}"
    if item.get("confidence") is None:
        return text
    return f"{text} ({round(100 * item['confidence'])} %)"


def show_gallery(items: Sequence[dict], columns: int = 6, class_names: Sequence[str] = ()) -> None:
    """Draws misclassified test examples in a grid, each captioned with what went wrong.

    Args:
        items: the run's `result["misclassified"]`: `pixels`, `true`, `predicted`, `confidence`.
        columns: examples per row.
        class_names: the run's `result["class_names"]`, for the captions.
    """
    if not items:
        st.caption("No misclassified test examples.")
        return
    for start in range(0, len(items), columns):
        row = items[start : start + columns]
        for column, item in zip(st.columns(columns), row, strict=False):
            # PNG, because Streamlit's default would blur the crisp pixels into a JPEG.
            pixels = upscale(item["pixels"])
            column.image(pixels, caption=caption(item, class_names), output_format="PNG")
