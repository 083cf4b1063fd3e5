"""The process-wide run registry: one worker thread and every run it has taken.

`st.cache_resource` keeps one `Worker` for the whole Streamlit process, shared by every browser
session, so a run outlives the page that started it and all tabs see the same runs.
"""

import streamlit as st

from trainers.worker import Worker


@st.cache_resource
def worker() -> Worker:
    """The one worker of this process (its thread starts loading TensorFlow at once)."""
    return Worker()
