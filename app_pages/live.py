"""The Live page: whatever this server trains now, for every browser that opens it.

A classroom opens this page while the teacher trains: each student sees the teacher's run (or
race, style lab, GAN) draw itself, and the next one when it starts.
"""

import streamlit as st

from components import following, registry

st.title("Live")
following.show(registry.worker())
