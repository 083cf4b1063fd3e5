"""The Compare page: optimizers racing on identical batches, and the training styles side by side.

Both tabs hand their job to the one worker thread and read its snapshot once a second; the
page itself never trains.
"""

import streamlit as st

from components import race_view
from components.registry import worker

st.title("Compare")
engine = worker()
if engine.startup_error:
    st.error(f"The training engine could not start: {engine.startup_error}")

race_tab, lab_tab = st.tabs(["Optimizer race", "Style lab"])
with race_tab:
    race_view.show_race(engine)
with lab_tab:
    race_view.show_lab(engine)
