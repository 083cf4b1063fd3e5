"""Pieces the pages draw with: series helpers, Plotly charts, image grids and progress text.

Everything here takes the plain data of `RunLog.snapshot()`; only `images.show_gallery` calls
Streamlit, so the rest can be tested (and reused) without a running app.
"""
