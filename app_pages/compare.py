"""The Compare page: optimizers racing on identical batches, and the training styles side by side.

Both tabs hand their job to the one worker thread and read its snapshot once a second; the
page itself never trains.
"""

import streamlit as st

from components import lab_view, race_view, registry

st.title("Compare")
worker = registry.worker()
if worker.startup_error:
    st.error(f"The training engine could not start: {worker.startup_error}")

race_tab, lab_tab = st.tabs(["Optimizer race", "Style lab"])
with race_tab:
    race_view.show_race(worker)
with lab_tab:
    lab_view.show_lab(worker)
