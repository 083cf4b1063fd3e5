"""The Code panel: the code that trains a run, beside the model it trains.

Learners read the training style's own module, the one the engine runs, next to the network's
summary and its parameter count. The code is there before a run starts; the model appears once
the engine has built it.

The code is highlighted here by Pygments into plain HTML: `st.code` would have the browser load
Streamlit's syntax highlighter (1.5 MB of JavaScript) before it draws the Train page, Start
included.
"""

from __future__ import annotations

import functools

import streamlit as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from trainers import catalog
from trainers.styles import source_of


def show_code(style: str, info: dict | None = None) -> None:
    """Draws a style's source code beside the model summary, in the current container.

    Args:
        style: a name from `catalog.STYLES`.
        info: the run's snapshot `info` (`summary`, `parameters`); None before the run starts.
    """
    details = catalog.STYLES[style]
    code, model = st.columns([3, 2])
    with code:
        st.markdown(f"**`trainers/styles/{details.module}.py`**: {details.description}")
        st.caption(f"Follows the guide {details.guide}.")
        st.html(highlighted(style))
    with model:
        show_model(info)


def show_model(info: dict | None) -> None:
    """Draws a run's parameter count and model summary, in the current container.

    Args:
        info: the run's snapshot `info` (`summary`, `parameters`); None before the run starts.
    """
    if not info or "summary" not in info:
        st.caption("The model summary appears once the run has built its model.")
        return
    st.metric("Parameters", f"{info['parameters']:,}")
    st.code(info["summary"], language=None)


@functools.cache
def highlighted(style: str) -> str:
    """A style's source code as HTML, coloured and with line numbers, styled inline."""
    formatter = HtmlFormatter(
        noclasses=True,
        linenos="inline",
        cssstyles="max-width: 100%; border-radius: 0.5rem; padding: 0 1rem",
        prestyles="font-size: 0.85rem; overflow-x: auto",
    )
    return highlight(source_of(style), PythonLexer(), formatter)
