"""The Train page: pick a run, start it, and watch it learn live.

The sidebar sets up the run; `RunConfig.check()` explains a combination that cannot work
before Start is even enabled. Start hands the configuration to the worker thread and returns at
once: the page never trains, it only reads the run's snapshot once a second.
"""

import streamlit as st

from components import code_view, controls, following, live, registry, roles, run_view

st.title("Train")
worker = registry.worker()
if not roles.may_operate():
    following.watch_only(worker)
    st.stop()

with st.sidebar:
    start_here = st.container()  # Start on top, where the first paint has it
    st.header("Set up a run")
    config, problem = controls.choose_config()

job = live.start(worker, config, "train_job", problem, sidebar=start_here)
if job is None and worker.active is not None:
    st.page_link(
        "app_pages/live.py",
        label=f"{worker.active.run_id} is training now: watch it on the Live page",
        icon=":material/live_tv:",
    )
if job is None:
    st.markdown(
        "Choose a dataset, a model and a way of training it in the sidebar, then press "
        "**Start**. The curves draw themselves as the model learns; pause, stop or change the "
        "learning rate while it trains."
    )
    with st.expander("Code of this training style", expanded=True):
        code_view.show_code(config.style)
else:
    run_view.show_run(job, worker.position(job))
