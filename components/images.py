"""Images for the pages: enlarged pixels, PNG and GIF bytes, a filmstrip, a gallery of mistakes.

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

from trainers.images import as_pixels

GIF_FRAME_MILLISECONDS = 250


def upscale(pixels: ArrayLike, min_side: int = 112) -> np.ndarray:
    """Enlarges an image by a whole factor, nearest-neighbour, until its short side is `min_side`.

    Args:
        pixels: uint8, `(H, W)` or `(H, W, 3)`.
        min_side: the short side to reach; larger images come back unchanged.

    Returns:
        The enlarged image.
    """
    image = as_pixels(pixels)
    factor = max(1, math.ceil(min_side / min(image.shape[:2])))
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def to_png(pixels: ArrayLike) -> bytes:
    """Encodes uint8 pixels, `(H, W)` grey or `(H, W, 3)` RGB, as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(as_pixels(pixels)).save(buffer, format="PNG")
    return buffer.getvalue()


def filmstrip(grids: list[dict], frames: int) -> list[dict]:
    """At most `frames` of a run's sample grids, evenly spread from the first to the latest.

    Args:
        grids: image events, oldest first.
        frames: the most grids to keep; at least 2 when there are more grids than that.
    """
    if len(grids) <= frames:
        return grids
    last = len(grids) - 1
    return [grids[round(index * last / (frames - 1))] for index in range(frames)]


def filmstrip_gif(grids: list[dict], side: int) -> bytes:
    """Every grid of a run as the frames of a looping GIF, enlarged to `side` pixels.

    Args:
        grids: image events with uint8 `pixels`, oldest first; at least one.
        side: the short side of each frame (see `upscale`).

    Returns:
        The GIF's bytes, one frame per grid, `GIF_FRAME_MILLISECONDS` each.
    """
    frames = [Image.fromarray(upscale(grid["pixels"], side)) for grid in grids]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=GIF_FRAME_MILLISECONDS,
        loop=0,
    )
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
