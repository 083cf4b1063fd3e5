"""What just changed: where a GAN's samples moved between two grids of its filmstrip.

Every grid draws the same fixed noise, so two grids differ only by what the generator learnt
between their steps. Red marks the pixels that changed: early on the whole grid glows, later
only the strokes still being redrawn do. A person picks the two steps; the view follows the
newest two while the run trains, until they pick others.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import shared
from trainers.images import change

SIDE = 224  # pixels on the short side of the change image


def show(grids: list[dict], run_id: str) -> None:
    """Draws the change between two grids of a run: the latest two, unless others are chosen.

    Args:
        grids: the run's sample grids (image events), oldest first.
        run_id: the run they belong to.
    """
    if len(grids) < 2:
        return
    steps = [grid["step"] for grid in grids]
    key, follow = f"change-{run_id}", f"change-{run_id}-follow"
    if st.session_state.get(follow, True) or not set(st.session_state.get(key, ())) <= set(steps):
        st.session_state[key] = (steps[-2], steps[-1])
    st.select_slider(
        "What just changed: compare two grids",
        steps,
        key=key,
        on_change=lambda: st.session_state.update({follow: st.session_state[key][1] == steps[-1]}),
    )
    before, after = (grids[steps.index(step)] for step in st.session_state[key])
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
