"""The Compare page: optimizers racing on identical batches, and the training styles side by side.

Both tabs hand their job to the one worker thread and read its snapshot once a second; the
page itself never trains.
"""

import streamlit as st

from components import following, lab_view, race_view, registry, roles

st.title("Compare")
worker = registry.worker()
if worker.startup_error:
    st.error(f"The training engine could not start: {worker.startup_error}")

if not roles.may_operate():
    following.watch_only(worker)
    st.stop()
race_tab, lab_tab = st.tabs(["Optimizer race", "Style lab"])
with race_tab:
    race_view.show_race(worker)
with lab_tab:
    lab_view.show_lab(worker)
