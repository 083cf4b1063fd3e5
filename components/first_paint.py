"""A session's first page run draws what a bare app would, so that the browser shows it at once.

A browser shows a Streamlit page only once it has fetched the code of every kind of element on
it. The Train page has many (select boxes, number inputs, a radio button, a toggle, the code
panel), and Start waited for all of them: about a second longer than a bare app's one button.
So a session's first page run draws only the page's title and, on the Train page, Start for
the default run. A fragment then runs the whole page at its first tick, which the browser sends
once it has drawn those; the whole page arrives sooner too, its widgets' code fetched while the
first paint is on screen. TensorFlow's import waits for that tick as well (`app.py`).
"""

from __future__ import annotations

import streamlit as st

from components import live
from trainers.config import RunConfig
from trainers.worker import Worker

DRAWN, TICKS = "looplab_first_paint_drawn", "looplab_first_paint_ticks"
TICK_SECONDS = 0.5


def drawn() -> bool:
    """Whether this session's browser has drawn its first page: pages now run whole."""
    return st.session_state.get(DRAWN, False)


def draw(title: str, worker: Worker, with_start: bool) -> None:
    """Draws a page's first paint, then stops the page run.

    Args:
        title: the page's title.
        worker: the process's worker.
        with_start: draw Start for the default run, as the Train page's setup has it before
            anyone changes it.
    """
    st.title(title)
    if with_start:  # for an operator (`live.start` draws nothing for a viewer)
        start_here = st.sidebar.container()  # as the Train page has it: no jump between them
        live.start(worker, RunConfig(), "train_job", sidebar=start_here, loading_note=False)
    st.fragment(run_every=TICK_SECONDS)(_run_whole_page)()
    st.stop()


def _run_whole_page() -> None:
    if drawn():  # a tick the browser had queued before the whole page replaced the first paint
        return
    # Its first call belongs to the first paint's own run; the next is the browser's tick.
    ticks = st.session_state.get(TICKS, 0) + 1
    st.session_state[TICKS] = ticks
    if ticks > 1:
        st.session_state[DRAWN] = True
        st.rerun()
