"""Images for the pages: a filmstrip of a GAN's grids, and a gallery of mistakes.

Runs report images as small uint8 arrays, `(H, W)` for grey or `(H, W, 3)` for colour: a GAN's
sample grid, or the test examples a classifier got wrong. The digits datasets are tiny (8×8 or
28×28), so the gallery enlarges them with nearest-neighbour, which keeps each pixel a crisp
square instead of a blur (`trainers.images.upscale`, which also encodes PNG and GIF bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from trainers.images import upscale


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
