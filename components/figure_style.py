"""The one look every Looplab chart shares, and the marks a control leaves on a chart.

Every figure uses the same template, one colour per role (the batch's own value, its smoothed
curve, the epoch's running mean, validation...), one colour per contestant of a race, the
legend on top, and a `uirevision` so that a user's zoom survives the once-per-second redraw. A
chart with no data yet says why in its middle rather than showing empty axes.

Long series are thinned to `MAX_POINTS` with `series.downsample`, and the subtitle says so.
Controls that took effect (`marks`: pause, resume, a new learning rate, stop...) are drawn as
dashed vertical lines with a short label where they happened.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from components.series import downsample

TEMPLATE = "plotly_white"
COLORS = {
    "batch": "rgba(31, 119, 180, 0.3)",
    "smoothed": "#1f77b4",
    "mean": "#ff7f0e",
    "training": "#1f77b4",
    "validation": "#ff7f0e",
    "learning_rate": "#2ca02c",
    "speed": "#9467bd",
    "points": "#1f77b4",
    "mark": "#7f7f7f",
}
RIGHT_AXIS = {"overlaying": "y", "side": "right", "showgrid": False}  # a second y axis
PALETTE = qualitative.Plotly  # one colour per contestant of a race or a style lab
MAX_POINTS = 2000  # the most points of one trace sent to the browser
WAITING = "waiting for the first batch"
MARK_WORDS = {"pause": "paused", "resume": "resumed", "stop": "stopped", "learning_rate": "lr →"}


def mark_label(mark: dict) -> str:
    """A short label for a control that took effect, e.g. `"lr → 0.0005"` or `"paused"`."""
    kind, value = mark["kind"], mark.get("value")
    label = MARK_WORDS.get(kind, kind.replace("_", " "))
    if value is None:
        return label
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return f"{label} {value:g}" if is_number else f"{label} {value}"


def style_figure(fig: go.Figure, title: str, revision: str, note: str = "", **layout) -> go.Figure:
    """Gives a figure Looplab's look.

    Args:
        fig: the figure to style, in place.
        title: its title.
        revision: keeps a person's zoom across redraws while it stays the same.
        note: the subtitle, e.g. that the curves are downsampled.
        **layout: more `update_layout` arguments, e.g. `height`.

    Returns:
        The same figure.
    """
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "subtitle": {"text": note}},
        uirevision=revision,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
        **layout,
    )
    return fig


def empty_figure(title: str, note: str, revision: str) -> go.Figure:
    """A figure with no data yet, saying why in the middle (e.g. "waiting for the first batch")."""
    fig = go.Figure()
    fig.add_annotation(
        text=note,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14, "color": COLORS["mark"]},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style_figure(fig, title, revision)


def add_marks(fig: go.Figure, marks: Sequence[dict], batches: dict, x: str) -> None:
    """Draws the run's marks (pause, resume, new learning rate...) as labelled vertical lines.

    Args:
        fig: the figure to draw on, in place.
        marks: the snapshot's `marks`; each carries `step` and `seconds`.
        batches: the batch columns, to place a mark on any other x axis (read off `step`).
        x: the column along the x axis, e.g. `"step"`.
    """
    # Controls that took effect at the same place share one line and one label
    # ("paused · resumed"), so their words never print over each other.
    labels: dict[float, list[str]] = {}
    for mark in marks:
        position = mark[x] if x in mark else np.interp(mark["step"], batches["step"], batches[x])
        labels.setdefault(float(position), []).append(mark_label(mark))
    for position, words in labels.items():
        fig.add_vline(
            x=position,
            line={"color": COLORS["mark"], "width": 1, "dash": "dash"},
            annotation_text=" · ".join(words),
            annotation_position="top left",
            annotation_font={"size": 11, "color": COLORS["mark"]},
        )


def add_lines(fig: go.Figure, x: Sequence, traces: list[dict], max_points: int = MAX_POINTS) -> str:
    """Adds line traces that share one x axis, each thinned to at most `max_points`.

    Args:
        fig: the figure to draw on, in place.
        x: the positions, e.g. the steps.
        traces: `go.Scatter` arguments, each with its `y` as long as `x`.
        max_points: the most points per trace (see `series.downsample`).

    Returns:
        The note for the subtitle, e.g. "downsampled to 2,000 of 10,000 points"; "" if whole.
    """
    kept = 0
    for trace in traces:
        xs, ys, _ = downsample(x, trace.pop("y"), max_points)
        kept = max(kept, len(xs))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", **trace))
    return f"downsampled to {kept:,} of {len(x):,} points" if kept < len(x) else ""
