"""The Runs page: every run of this Streamlit process, and any one of them in full.

The table lists the runs the worker has taken, from any tab or session, newest first. Picking
a row draws that run with the same view as the Train page, live if it is still training.
"""

import streamlit as st

from components import lab_view, race_view, registry, run_view
from trainers.worker import Job

st.title("Runs")
worker = registry.worker()
VIEWS = {"race": race_view.show_job, "lab": lab_view.show_job}  # jobs of several runs


def row(job: Job) -> dict:
    """One table row: what the run was, where it got to, and its last metrics."""
    snapshot = job.log.snapshot()
    config, final = snapshot["config"], (snapshot["epochs"] or [{}])[-1]
    test = snapshot["result"].get("test", {})
    return {
        "run": snapshot["run_id"],
        "style": config["style"],
        "architecture": config["architecture"],
        "dataset": config["dataset"],
        "status": snapshot["status"],
        "steps": len(snapshot["batches"].get("step", ())),
        "final epoch": ", ".join(
            f"{name} {value:.4g}" for name, value in final.items() if name != "epoch"
        ),
        "test": ", ".join(f"{name} {value:.4g}" for name, value in test.items()),
    }


jobs = list(reversed(worker.jobs()))
if not jobs:
    st.info("No run yet. Start one on the Train page.")
    st.stop()

table = st.dataframe(
    [row(job) for job in jobs],
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="runs_table",
)
picked = table.selection.rows
if not picked:
    st.caption("Pick a row to see its charts.")
    st.stop()
job = jobs[picked[0]]
st.subheader(job.run_id)
if job.is_group:
    VIEWS[job.config.kind](job)
else:
    run_view.show_run(job, worker.position(job))
