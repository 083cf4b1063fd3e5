"""What just changed: where a GAN's samples moved between two grids of its filmstrip.

Every grid draws the same fixed noise, so two grids differ only by what the generator learnt
between their steps. Red marks the pixels that changed: early on the whole grid glows, later
only the strokes still being redrawn do. The later grid is the one shown large above (the
filmstrip's choice). While grids keep coming the earlier one is the grid just before it;
during a pause or after the run a person may pick another.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import shared
from trainers.images import change

SIDE = 224  # pixels on the short side of the change image


def show(grids: list[dict], run_id: str, picking: bool) -> None:
    """Draws the change from an earlier grid to the last of `grids`.

    Args:
        grids: the run's sample grids (image events), oldest first, up to the one shown.
        run_id: the run they belong to.
        picking: whether a person may pick the earlier grid (no new grid comes meanwhile:
            see `gan_view._samples`); else it is the one just before.
    """
    if len(grids) < 2:
        return
    *earlier, after = grids
    steps = [grid["step"] for grid in earlier]
    key = f"change-{run_id}"
    if not picking or st.session_state.get(key) not in steps:
        st.session_state[key] = steps[-1]  # the grid just before, unless another was picked
    if picking and len(steps) > 1:
        st.select_slider(f"What just changed: step {after['step']} against step", steps, key=key)
    before = earlier[steps.index(st.session_state[key])]
    pixels = change(before["pixels"], after["pixels"])
    moved = np.abs(after["pixels"].astype("int16") - before["pixels"]).mean() / 255
    image = {"step": (before["step"], after["step"]), "title": "change", "pixels": pixels}
    shared.image(
        run_id,
        image,
        SIDE,
        caption=f"red: where the samples changed from step {before['step']} to step "
        f"{after['step']} (pixels moved {moved:.1%} of their range on average)",
    )
    if before.get("classes") != after.get("classes"):
        st.caption(
            "These two grids drew different classes (Draw), so the change shows the new "
            "classes as much as what the generator learnt."
        )
