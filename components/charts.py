"""Plotly figures for a run's charts, drawn from the plain data of `RunLog.snapshot()`.

Every figure shares one look: the same template, one colour per role (the batch's own value,
its smoothed curve, the epoch's running mean, validation...), the legend on top, and a
`uirevision` so that a user's zoom survives the once-per-second redraw. Long series are thinned
with `series.downsample`, and the subtitle says so. A run that has logged nothing yet gets an
empty figure with a note rather than an error.

Controls that took effect (`marks`: pause, resume, a new learning rate, stop...) are drawn as
dashed vertical lines with a short label where they happened.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from components.series import downsample, ema

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
WAITING = "waiting for the first batch"
AXIS_TITLES = {"step": "step", "seconds": "seconds since start", "epoch": "epoch"}
MARK_WORDS = {"pause": "paused", "resume": "resumed", "stop": "stopped", "learning_rate": "lr →"}


# Labels and the shared look.


def mark_label(mark: dict) -> str:
    """A short label for a control that took effect, e.g. `"lr → 0.0005"` or `"paused"`."""
    kind, value = mark["kind"], mark.get("value")
    label = MARK_WORDS.get(kind, kind.replace("_", " "))
    if value is None:
        return label
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return f"{label} {value:g}" if is_number else f"{label} {value}"


def style_figure(fig: go.Figure, title: str, revision: str, note: str = "", **layout) -> go.Figure:
    """Gives a figure Looplab's look; `revision` keeps a person's zoom across redraws."""
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


def _missing(batches: dict, metric: str) -> str:
    return f"this run logs no '{metric}'" if batches.get("step") else WAITING


# Per-batch series: thinned lines and marks.


def _add_lines(fig: go.Figure, x: Sequence, traces: list[dict], max_points: int) -> str:
    """Adds each trace (Scatter arguments, `y` at full length) thinned; returns the note."""
    kept = 0
    for trace in traces:
        xs, ys, _ = downsample(x, trace.pop("y"), max_points)
        kept = max(kept, len(xs))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", **trace))
    return f"downsampled to {kept:,} of {len(x):,} points" if kept < len(x) else ""


def add_marks(fig: go.Figure, marks: Sequence[dict], batches: dict, x: str) -> None:
    """Draws the run's marks (pause, resume, new learning rate...) as labelled vertical lines."""
    # Controls that took effect at the same place share one line and one label
    # ("paused · resumed"), so their words never print over each other.
    labels: dict[float, list[str]] = {}
    for mark in marks:
        # Marks carry `step` and `seconds`; any other axis is read off the batch rows.
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


def batch_figure(
    batches: dict,
    metric: str,
    smoothing: float = 0.0,
    log_y: bool = False,
    marks: Sequence[dict] = (),
    x: str = "step",
    max_points: int = 2000,
) -> go.Figure:
    """One metric per batch: its own value, smoothed, and Keras' running mean over the epoch.

    Args:
        batches: the snapshot's `batches` columns.
        metric: a metric column, e.g. `"loss"`; `mean_<metric>` is drawn too when present.
        smoothing: the EMA weight in `[0, 1)` (see `series.ema`); `0` draws no smoothed curve.
        log_y: draw the values on a log axis.
        marks: the snapshot's `marks`, drawn as labelled vertical lines.
        x: the column along the x axis, `"step"` or `"seconds"`.
        max_points: the most points per trace (see `series.downsample`).

    Returns:
        The figure; with a note instead of curves while the run has no batch yet.
    """
    revision = f"batch/{metric}/{x}/{log_y}"
    title = f"{metric} per batch"
    if not batches.get(metric):
        return empty_figure(title, _missing(batches, metric), revision)
    raw = np.asarray(batches[metric], dtype=float)
    traces = [{"y": raw, "name": "batch", "line": {"color": COLORS["batch"], "width": 1}}]
    if smoothing > 0:
        line = {"color": COLORS["smoothed"], "width": 2}
        traces.append({"y": ema(raw, smoothing), "name": f"smoothed ({smoothing:g})", "line": line})
    if f"mean_{metric}" in batches:
        line = {"color": COLORS["mean"], "width": 2, "dash": "dot"}
        traces.append({"y": batches[f"mean_{metric}"], "name": "epoch mean", "line": line})
    fig = go.Figure()
    note = _add_lines(fig, batches[x], traces, max_points)
    add_marks(fig, marks, batches, x)
    fig.update_yaxes(type="log" if log_y else "linear", title=metric)
    fig.update_xaxes(title=AXIS_TITLES.get(x, x))
    return style_figure(fig, title, revision, note, hovermode="x unified")


def rate_figure(batches: dict, marks: Sequence[dict] = (), max_points: int = 2000) -> go.Figure:
    """The learning rate (left axis) and examples per second (right axis) against the step.

    Args:
        batches: the snapshot's `batches` columns.
        marks: the snapshot's `marks`, drawn as labelled vertical lines.
        max_points: the most points per trace (see `series.downsample`).

    Returns:
        The figure; with a note instead of curves while the run has no batch yet.
    """
    title, revision = "learning rate and speed", "rate"
    if not batches.get("step"):
        return empty_figure(title, WAITING, revision)
    traces = [
        {"y": batches["lr"], "name": "learning rate", "line": {"color": COLORS["learning_rate"]}},
        {
            "y": batches["examples_per_second"],
            "name": "examples / s",
            "line": {"color": COLORS["speed"]},
            "yaxis": "y2",
        },
    ]
    fig = go.Figure()
    note = _add_lines(fig, batches["step"], traces, max_points)
    add_marks(fig, marks, batches, "step")
    fig.update_layout(
        xaxis={"title": "step"},
        yaxis={"title": "learning rate", "title_font_color": COLORS["learning_rate"]},
        yaxis2={
            "title": "examples / s",
            "title_font_color": COLORS["speed"],
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
        },
    )
    return style_figure(fig, title, revision, note, hovermode="x unified")


# Per-epoch and end-of-run figures.


def epoch_figure(epochs: Sequence[dict], metric: str) -> go.Figure:
    """Training and validation values of one metric at the end of each epoch.

    Args:
        epochs: the snapshot's `epochs`.
        metric: e.g. `"accuracy"`; `val_<metric>` is the validation curve.

    Returns:
        The figure; with a note instead of curves until the first epoch ends.
    """
    title, revision = f"{metric} per epoch", f"epoch/{metric}"
    if not epochs:
        return empty_figure(title, "waiting for the first epoch", revision)
    fig = go.Figure()
    for key, name in ((metric, "training"), (f"val_{metric}", "validation")):
        if any(key in row for row in epochs):
            fig.add_trace(
                go.Scatter(
                    x=[row["epoch"] for row in epochs],
                    y=[row.get(key) for row in epochs],
                    name=name,
                    mode="lines+markers",
                    line={"color": COLORS[name]},
                )
            )
    if not fig.data:
        return empty_figure(title, f"this run logs no '{metric}'", revision)
    fig.update_xaxes(title="epoch", dtick=max(1, math.ceil(len(epochs) / 10)))
    fig.update_yaxes(title=metric)
    return style_figure(fig, title, revision, hovermode="x unified")


def confusion_figure(confusion: Sequence[Sequence[int]], class_names: Sequence = ()) -> go.Figure:
    """The test set's confusion matrix as a heatmap with the count in each cell.

    Args:
        confusion: K×K counts, rows the true class and columns the predicted one.
        class_names: K names; the class indices when empty.

    Returns:
        The figure; with a note instead of a heatmap while there is no matrix yet.
    """
    title, revision = "confusion matrix", "confusion"
    if not len(confusion):
        return empty_figure(title, "waiting for the test results", revision)
    names = [str(name) for name in (list(class_names) or range(len(confusion)))]
    fig = go.Figure(
        go.Heatmap(
            z=confusion,
            x=names,
            y=names,
            colorscale="Blues",
            showscale=False,
            texttemplate="%{z}",
            hovertemplate="true %{y}<br>predicted %{x}<br>%{z} examples<extra></extra>",
        )
    )
    fig.update_xaxes(title="predicted", type="category", side="top")
    fig.update_yaxes(title="true", type="category", autorange="reversed", scaleanchor="x")
    return style_figure(fig, title, revision)


def regression_figure(true: ArrayLike, predicted: ArrayLike) -> go.Figure:
    """Predicted against true targets, with the line a perfect model would sit on.

    Args:
        true: the test targets.
        predicted: the model's predictions, in the same order.

    Returns:
        The figure; with a note instead of points while there are no predictions yet.
    """
    title, revision = "predicted against true", "regression"
    true, predicted = np.ravel(true), np.ravel(predicted)
    if not true.size:
        return empty_figure(title, "waiting for the test results", revision)
    ends = [np.nanmin([true, predicted]), np.nanmax([true, predicted])]
    fig = go.Figure(
        [
            go.Scatter(
                x=true,
                y=predicted,
                mode="markers",
                name="test examples",
                marker={"color": COLORS["points"], "size": 5, "opacity": 0.6},
            ),
            go.Scatter(
                x=ends,
                y=ends,
                mode="lines",
                name="perfect (y = x)",
                line={"color": COLORS["mark"], "dash": "dash"},
            ),
        ]
    )
    fig.update_xaxes(title="true")
    fig.update_yaxes(title="predicted", scaleanchor="x")
    return style_figure(fig, title, revision)
