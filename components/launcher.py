"""Start a run from a page, and find the run that page is following.

Every page that trains shares these steps: a Start button that stays disabled while the
settings cannot work or while the engine is still loading TensorFlow, the explanation of what
is wrong, and the job the page follows across reruns (kept in the browser session's state).
"""

import streamlit as st

from trainers.config import RunConfig
from trainers.worker import Job, Worker

ENGINE_POLL_SECONDS = 1.0


def start_and_follow(
    engine: Worker, config: RunConfig, problem: str | None, session_key: str
) -> Job | None:
    """Draws Start in the sidebar, submits `config` when pressed, and returns the page's job.

    Args:
        engine: the process's worker.
        config: the run the page's controls describe.
        problem: why that run cannot work, or None.
        session_key: where this page keeps the id of the run it follows.
    """
    start = st.sidebar.button(
        "Start",
        key=f"{session_key}_start",
        type="primary",
        width="stretch",
        disabled=bool(problem) or not engine.ready.is_set() or bool(engine.startup_error),
    )
    if problem:
        st.error(problem)
    if start:
        st.session_state[session_key] = engine.submit(config).run_id
    if engine.startup_error:
        st.error(f"The training engine could not start: {engine.startup_error}")
    elif not engine.ready.is_set():
        _wait_for_engine(engine)
    return engine.jobs.get(st.session_state.get(session_key, ""))


@st.fragment(run_every=ENGINE_POLL_SECONDS)
def _wait_for_engine(engine: Worker) -> None:
    """Says the engine is loading, and reruns the page (enabling Start) once it has."""
    if engine.ready.is_set():
        st.rerun()
    st.info("The engine is loading TensorFlow; Start is enabled in a moment.", icon="⏳")
