"""The Plotly figures of a run and of races: its batches, epochs and results, runs overlaid.

Each takes plain data (`RunLog.snapshot()` and its parts) and returns a figure, so each is
tested without a running app. Long series are thinned (`series.downsample`, said in the
subtitle); a run with nothing logged yet gets a note. The shared look is `figure_style`; the GAN
studio's figures are in `gan_figures`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from plotly.subplots import make_subplots

from components.figure_style import (
    COLORS,
    MAX_POINTS,
    PALETTE,
    RIGHT_AXIS,
    WAITING,
    PlainFigure,
    empty_figure,
    figure,
    layout,
    lines,
    mark_lines,
    style_figure,
)
from components.series import downsample, ema
from trainers import summaries

SMOOTHING = 0.6  # the EMA weight curves start from, as TensorBoard's slider
AXIS_TITLES = {"step": "step", "seconds": "seconds since start", "epoch": "epoch"}
MARKED_EPOCHS = 100  # the most epochs drawn with a marker each
X_AXES = {"step": "step", "examples": "examples seen", "seconds": "seconds of its own compute"}


# One run, per batch.


def batch_figure(
    batches: dict,
    metric: str,
    smoothing: float = 0.0,
    log_y: bool = False,
    marks: Sequence[dict] = (),
    x: str = "step",
    max_points: int = MAX_POINTS,
) -> PlainFigure:
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
        note = f"this run logs no '{metric}'" if batches.get("step") else WAITING
        return empty_figure(title, note, revision)
    raw = np.asarray(batches[metric], dtype=float)
    traces = [{"y": raw, "name": "batch", "line": {"color": COLORS["batch"], "width": 1}}]
    if smoothing > 0:
        line = {"color": COLORS["smoothed"], "width": 2}
        traces.append({"y": ema(raw, smoothing), "name": f"smoothed ({smoothing:g})", "line": line})
    if f"mean_{metric}" in batches:
        line = {"color": COLORS["mean"], "width": 2, "dash": "dot"}
        traces.append({"y": batches[f"mean_{metric}"], "name": "epoch mean", "line": line})
    yaxis = {"title": {"text": metric}, "type": "log" if log_y else "linear"}
    return _per_batch(batches, x, traces, (title, revision), marks, max_points, yaxis=yaxis)


def rate_figure(
    batches: dict, marks: Sequence[dict] = (), max_points: int = MAX_POINTS
) -> PlainFigure:
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
    speed = {"color": COLORS["speed"]}
    traces = [
        {"y": batches["lr"], "name": "learning rate", "line": {"color": COLORS["learning_rate"]}},
        {"y": batches["examples_per_second"], "name": "examples / s", "line": speed, "yaxis": "y2"},
    ]
    titled = {"title": {"text": "learning rate", "font": {"color": COLORS["learning_rate"]}}}
    speed_title = {"title": {"text": "examples / s", "font": {"color": COLORS["speed"]}}}
    return _per_batch(
        batches,
        "step",
        traces,
        (title, revision),
        marks,
        max_points,
        yaxis=titled,
        yaxis2=RIGHT_AXIS | speed_title,
    )


def _per_batch(
    batches: dict, x: str, traces: list[dict], named: tuple[str, str], marks, max_points, **axes
) -> PlainFigure:
    """Lines of batch columns against `x`, thinned, with the marks: the per-batch charts' frame.

    Args:
        named: the figure's title and `uirevision`.
        **axes: the y axes' layout, e.g. `yaxis`.
    """
    data, note = lines(batches[x], traces, max_points)
    xaxis = {"title": {"text": AXIS_TITLES.get(x, x)}}
    frame = layout(*named, note, hovermode="x unified", xaxis=xaxis)
    return figure(data, frame | axes | mark_lines(marks, batches, x))


# One run, per epoch and at its end.


def epoch_figure(epochs: Sequence[dict], metric: str, max_points: int = MAX_POINTS) -> PlainFigure:
    """Training and validation values of one metric at the end of each epoch.

    Each epoch is marked while there are few enough to tell apart (`MARKED_EPOCHS`); a run of
    thousands of short epochs gets lines, thinned as the per-batch curves.

    Args:
        epochs: the snapshot's `epochs`.
        metric: e.g. `"accuracy"`; `val_<metric>` is the validation curve.
        max_points: the most points per trace (see `series.downsample`).

    Returns:
        The figure; with a note instead of curves until the first epoch ends.
    """
    title, revision = f"{metric} per epoch", f"epoch/{metric}"
    if not epochs:
        return empty_figure(title, "waiting for the first epoch", revision)
    mode = "lines+markers" if len(epochs) <= MARKED_EPOCHS else "lines"
    traces = [
        {"y": [row.get(key) for row in epochs], "name": name, "mode": mode}
        | {"line": {"color": COLORS[name]}}
        for key, name in ((metric, "training"), (f"val_{metric}", "validation"))
        if any(key in row for row in epochs)
    ]
    if not traces:
        return empty_figure(title, f"this run logs no '{metric}'", revision)
    data, note = lines([row["epoch"] for row in epochs], traces, max_points)
    xaxis = {"title": {"text": "epoch"}, "dtick": max(1, math.ceil(len(epochs) / 10))}
    yaxis = {"title": {"text": metric}}
    frame = layout(title, revision, note, hovermode="x unified", xaxis=xaxis, yaxis=yaxis)
    return figure(data, frame)


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
    fig = go.Figure()
    points = {"color": COLORS["points"], "size": 5, "opacity": 0.6}
    fig.add_scatter(x=true, y=predicted, mode="markers", name="test examples", marker=points)
    perfect = {"color": COLORS["mark"], "dash": "dash"}
    fig.add_scatter(x=ends, y=ends, mode="lines", name="perfect (y = x)", line=perfect)
    fig.update_xaxes(title="true")
    fig.update_yaxes(title="predicted", scaleanchor="x")
    return style_figure(fig, title, revision)


# Several runs: a race's optimizers, or a style lab's styles.


def overlay_figure(
    contestants: dict[str, dict],
    metrics: tuple[str, ...] = ("loss", "accuracy"),
    x: str = "step",
    smoothing: float = SMOOTHING,
    title: str = "loss and accuracy, per optimizer",
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """Each contestant's smoothed curves, one colour each, one panel per metric.

    Args:
        contestants: label -> that run's snapshot (a `GroupLog.snapshot()["contestants"]`).
        metrics: the metrics to draw, one panel each, top to bottom; missing ones are skipped.
        x: a key of `X_AXES` (see `trainers.summaries.columns`).
        smoothing: the EMA weight of the curves (see `series.ema`).
        title: the figure's title.
        max_points: the most points per trace (see `series.downsample`).

    Returns:
        The figure; with a note instead of curves while no contestant has a batch yet.
    """
    series = {label: summaries.columns(run["batches"]) for label, run in contestants.items()}
    if not any(series.values()):
        return empty_figure(title, WAITING, f"overlay/{title}")
    metrics = tuple(m for m in metrics if any(m in columns for columns in series.values()))
    fig = make_subplots(
        rows=len(metrics), cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=metrics
    )
    for index, (label, columns) in enumerate(series.items()):
        # One colour and one legend entry per contestant, shared by its panels.
        legend = {"name": label, "legendgroup": label, "mode": "lines", "col": 1}
        legend["line"] = {"color": PALETTE[index % len(PALETTE)], "width": 2}
        for row, metric in enumerate(metrics, start=1):
            if metric in columns:
                xs, ys, _ = downsample(columns[x], ema(columns[metric], smoothing), max_points)
                fig.add_scatter(x=xs, y=ys, showlegend=row == 1, row=row, **legend)
    fig.update_xaxes(title=X_AXES[x], row=len(metrics), col=1)
    note, height = f"smoothed ({smoothing:g})", 260 + 200 * len(metrics)
    return style_figure(fig, title, f"overlay/{title}/{x}", note, height=height)


def multiple_figure(label: str, run: dict, x: str) -> PlainFigure:
    """One contestant's loss per batch, as the Train page draws it, titled with its label.

    Args:
        label: the contestant's name, e.g. `"adam 0.001"`.
        run: its snapshot.
        x: a key of `X_AXES`.
    """
    batches = dict(run["batches"])
    if batches.get("step"):
        batches["examples"] = summaries.columns(batches)["examples"].tolist()
    fig = batch_figure(batches, "loss", SMOOTHING, marks=run["marks"], x=x)
    return fig.with_layout(title={"text": label}, height=300, showlegend=False)
