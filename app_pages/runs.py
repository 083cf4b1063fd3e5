"""The Runs page: every stored run, several of them overlaid, and any one of them in full.

The runs come from the store, so the page lists this server's runs, those of servers before a
restart, of the command line and of scripts that record themselves with
`trainers.DashboardCallback`, live while they train. Pick runs to overlay their curves, or open
one to see everything its page showed, and rename, tag or delete it.
"""

import streamlit as st

from components import overlay_view, registry, roles, run_actions, runs_table, stored_view

st.title("Runs")
store, worker = registry.store(), registry.worker()

runs = runs_table.show(store)
if runs:
    st.subheader("Overlay")
    overlay_view.show(runs)
    st.subheader("Open a run")
    run = stored_view.pick(runs)
    if run is not None:
        if roles.may_operate():  # rename, tag, delete
            run_actions.show(store, run)
        stored_view.show(worker, run)
