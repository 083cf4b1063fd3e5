"""The GAN studio's figures: how good the samples look to a classifier, over steps and by class.

As `components.figures`, from plain data (the image events' `quality`), on the shared look.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from components.figure_style import (
    COLORS,
    RIGHT_AXIS,
    PlainFigure,
    figure,
    layout,
    mark_lines,
    style_figure,
)


def quality_figure(scored: list[dict], marks: Sequence[dict] = ()) -> PlainFigure:
    """The Inception Score (left axis) and the confidence (right axis) against the step.

    Args:
        scored: image events that carry `quality`, oldest first.
        marks: the snapshot's `marks`, drawn as labelled vertical lines.
    """
    steps = [grid["step"] for grid in scored]
    score = {"type": "scatter", "mode": "lines+markers", "name": "Inception Score", "x": steps}
    score |= {"y": [grid["quality"]["inception_score"] for grid in scored]}
    score["line"] = {"color": COLORS["training"]}
    confidence = {"type": "scatter", "mode": "lines", "name": "confidence", "x": steps}
    confidence |= {"y": [grid["quality"]["confidence"] for grid in scored], "yaxis": "y2"}
    confidence["line"] = {"color": COLORS["validation"], "dash": "dot"}
    return figure(
        [score, confidence],
        layout(
            "quality of the samples",
            "quality",
            hovermode="x unified",
            xaxis={"title": {"text": "step"}},
            yaxis={"title": {"text": "Inception Score"}, "range": [1, 10]},
            yaxis2=RIGHT_AXIS | {"range": [0, 1]},
            **mark_lines(marks, {"step": steps}, "step"),
        ),
    )


def histogram_figure(histogram: Sequence[int]) -> go.Figure:
    """How many samples the reference classifier puts in each class: mode collapse shows."""
    fig = go.Figure(go.Bar(x=list(range(len(histogram))), y=histogram))
    fig.update_traces(marker_color=COLORS["training"])
    fig.update_xaxes(title="predicted digit", dtick=1)
    fig.update_yaxes(title="samples")
    return style_figure(fig, "what the samples look like to a classifier", "histogram")
