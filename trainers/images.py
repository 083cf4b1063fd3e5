"""Images as the engine reports them: uint8 arrays, `(H, W)` grey or `(H, W, 3)` colour.

Runs report their images (a GAN's sample grid, a classifier's predictions, the test examples it
got wrong) as small uint8 arrays, so that pages and the command line draw or save them without
knowing how the network sees them (float32 in [0, 1], with a channel axis). NumPy, and Pillow
to encode them as PNG or as an animated GIF.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def to_pixels(images: np.ndarray) -> np.ndarray:
    """Images in [0, 1], `(..., H, W, C)`, as uint8 pixels; grey ones lose their channel axis."""
    pixels = np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


def tile(images: np.ndarray, columns: int = 0) -> np.ndarray:
    """Tiles images in [0, 1], `(N, H, W, C)`, into one uint8 grid; square unless `columns`."""
    return image_grid(list(to_pixels(images)), columns or math.ceil(math.sqrt(len(images))))


def as_pixels(pixels: ArrayLike) -> np.ndarray:
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
    images = [as_pixels(pixels) for pixels in pixels_list]
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


def change(before: ArrayLike, after: ArrayLike, gain: float = 2.0) -> np.ndarray:
    """Where two grids of the same noise differ: red over a dimmed copy of the later grid.

    Args:
        before, after: two grids of one run, uint8, of one shape.
        gain: how much brighter than the change itself the red is drawn: with 2, a pixel that
            changed by half its range is drawn fully red.

    Returns:
        An RGB uint8 image of the grids' shape, grey where nothing changed.

    Raises:
        ValueError: for grids of different shapes.
    """
    before, after = as_pixels(before).astype("float32"), as_pixels(after).astype("float32")
    if before.shape != after.shape:
        raise ValueError(
            f"Only grids of one shape can be compared. Received: {before.shape} and {after.shape}"
        )
    difference, grey = np.abs(after - before), after
    if after.ndim == 3:  # colour: the largest change of the three channels
        difference, grey = difference.max(axis=2), after.mean(axis=2)
    dim = 0.4 * grey
    red = np.clip(dim + gain * difference, 0, 255)
    return np.dstack([red, dim, dim]).round().astype(np.uint8)


GIF_FRAME_MILLISECONDS = 250
FILMSTRIP_SIDE = 448  # pixels on the short side of a filmstrip's frames


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
    from PIL import Image

    buffer = io.BytesIO()
    # The fastest compression: a live view encodes a new image at each redraw (a 224-pixel
    # grid in 0.6 ms instead of 2.1), and enlarged pixels compress well anyway.
    Image.fromarray(as_pixels(pixels)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def filmstrip_gif(grids: list[dict], side: int = FILMSTRIP_SIDE) -> bytes:
    """Every grid of a run as the frames of a looping GIF, enlarged to `side` pixels.

    Args:
        grids: image events with uint8 `pixels`, oldest first; at least one.
        side: the short side of each frame (see `upscale`).

    Returns:
        The GIF's bytes, one frame per grid, `GIF_FRAME_MILLISECONDS` each.
    """
    from PIL import Image

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
