"""Projector mode: Looplab readable from the back of a classroom on a 1080p projector.

A toggle in the sidebar, kept in the address as `?projector=1` so that it survives a reload and
a bookmark. It makes the text large, the lines thick and the contrast high, collapses the
sidebar, and gives the loss curves and a GAN's samples most of the screen.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go
import streamlit as st

from components.figure_style import PlainFigure

PARAMETER = "projector"
FONT_SIZE = 22  # chart text, in pixels
LINE_WIDTH = 4  # chart lines, in pixels
CHART_HEIGHT = 560  # a per-batch chart, in pixels
STYLE = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 24px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] { font-size: 1.2rem; }
[data-testid="stMetricValue"] { font-size: 3rem; }
[data-testid="stAppViewContainer"] { background: #ffffff; color: #000000; }
</style>
"""


def is_on() -> bool:
    """Whether this browser session shows the projector mode (`?projector=1`)."""
    return st.query_params.get(PARAMETER) == "1"


def toggle() -> None:
    """Draws the projector mode's toggle; switching it rewrites the address and reruns."""

    def switch() -> None:
        if st.session_state[PARAMETER]:
            st.query_params[PARAMETER] = "1"
        else:
            del st.query_params[PARAMETER]

    st.toggle(
        "Projector mode",
        value=is_on(),
        key=PARAMETER,
        on_change=switch,
        help="Large text, thick lines and big charts, for a classroom's projector. "
        "Kept in the address (?projector=1).",
    )


def apply_style() -> None:
    """Makes the page's text large and its contrast high, when the mode is on; says so when
    the address asks for it with anything but `?projector=1`."""
    given = st.query_params.get_all(PARAMETER)
    if given and given != ["1"]:
        shown = ", ".join(repr(value[:20]) for value in given)
        st.warning(
            "The address's projector setting is not understood: `?projector=1` turns the "
            f"projector mode on, and leaving it out turns it off. Received: {_plain(shown)}"
        )
    if is_on():
        st.html(STYLE)


def _plain(text: str) -> str:
    """Text from the address with Markdown's special characters escaped, shown as typed."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|$~:])", r"\\\1", text)


def enlarge(figure: go.Figure) -> go.Figure:
    """A copy of a figure with large text, thick lines and a tall plot, for the projector."""
    spec = figure.to_dict()  # shared with other sessions: changed only in copies below
    large = {"font": {"size": FONT_SIZE, "color": "#000000"}, "height": CHART_HEIGHT}
    # Text about twice as large needs margins about twice as wide, and room for large titles.
    margin = spec["layout"].get("margin", {})
    large["margin"] = {side: 2 * pixels for side, pixels in margin.items()} | {"t": 150}
    data = [
        trace | {"line": trace.get("line", {}) | {"width": LINE_WIDTH}}
        if trace.get("type", "scatter") == "scatter"
        else trace
        for trace in spec["data"]
    ]
    return PlainFigure({"data": data, "layout": spec["layout"] | large})
