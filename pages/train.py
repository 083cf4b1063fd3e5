"""The Train page: pick a run, start it, and watch it learn live.

The sidebar sets up the run; `RunConfig.check()` explains a combination that cannot work
before Start is even enabled. Start hands the configuration to the worker thread and returns at
once: the page never trains, it only reads the run's snapshot once a second.
"""

import streamlit as st

from components import code_view, controls, run_view
from components.registry import worker

ENGINE_POLL_SECONDS = 1.0

st.title("Train")
engine = worker()

with st.sidebar:
    st.header("Set up a run")
    config, problem = controls.choose_config()
    start = st.button(
        "Start",
        key="start",
        type="primary",
        width="stretch",
        disabled=bool(problem) or not engine.ready.is_set() or bool(engine.startup_error),
    )

if problem:
    st.error(problem)
if start:
    st.session_state["train_job"] = engine.submit(config).run_id


@st.fragment(run_every=ENGINE_POLL_SECONDS)
def wait_for_engine() -> None:
    """Says the engine is loading, and reruns the page (enabling Start) once it has."""
    if engine.ready.is_set():
        st.rerun()
    st.info("The engine is loading TensorFlow; Start is enabled in a moment.", icon="⏳")


if engine.startup_error:
    st.error(f"The training engine could not start: {engine.startup_error}")
elif not engine.ready.is_set():
    wait_for_engine()

job = engine.jobs.get(st.session_state.get("train_job", ""))
if job is None:
    st.markdown(
        "Choose a dataset, a model and a way of training it in the sidebar, then press "
        "**Start**. The curves draw themselves as the model learns; pause, stop or change the "
        "learning rate while it trains."
    )
    with st.expander("Code of this training style", expanded=True):
        code_view.show_code(config.style)
else:
    run_view.show_run(job, engine.position(job))
