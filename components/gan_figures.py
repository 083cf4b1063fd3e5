"""The GAN studio's figures: how good the samples look to a classifier, over steps and by class.

As `components.figures`, from plain data (the image events' `quality`), on the shared look.
"""

from __future__ import annotations

from collections.abc import Sequence

from components.figure_style import (
    COLORS,
    RIGHT_AXIS,
    PlainFigure,
    figure,
    layout,
    mark_lines,
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


def histogram_figure(histogram: Sequence[int], real_share: Sequence[float]) -> PlainFigure:
    """The share of the samples the reference classifier puts in each class, beside the share
    of real digits: a class the generator stopped drawing (mode collapse) shows as a gap.

    Args:
        histogram: how many samples fall in each class.
        real_share: the share of each class among real digits, 0 to 1; empty to leave out.
    """
    classes = list(range(len(histogram)))
    total = sum(histogram) or 1
    samples = {"type": "bar", "name": "samples", "x": classes}
    samples |= {"y": [100 * count / total for count in histogram]}
    samples["marker"] = {"color": COLORS["training"]}
    real = {"type": "bar", "name": "real digits", "x": classes}
    real |= {"y": [100 * share for share in real_share]}
    real["marker"] = {"color": COLORS["mark"]}
    return figure(
        [samples, real] if real_share else [samples],
        layout(
            "what the samples look like to a classifier",
            "histogram",
            xaxis={"title": {"text": "predicted digit"}, "dtick": 1},
            yaxis={"title": {"text": "% of the samples"}, "rangemode": "tozero"},
        ),
    )
