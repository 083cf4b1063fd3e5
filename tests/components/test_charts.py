"""The charts stay light, honest about thinning, and draw from a run that has only just begun."""

import numpy as np
import pytest

from components import charts


def make_batches(n, metric="loss"):
    steps = list(range(1, n + 1))
    values = np.random.default_rng(0).uniform(0.5, 1.5, size=n).tolist()
    return {
        "step": steps,
        "epoch": [1 + i // 100 for i in range(n)],
        "batch": [i % 100 for i in range(n)],
        "size": [32] * n,
        "lr": [0.001] * n,
        "examples_per_second": [500.0] * n,
        "seconds": [0.01 * s for s in steps],
        metric: values,
        f"mean_{metric}": values,
    }


def texts(fig):
    return [fig.layout.title.text or "", fig.layout.title.subtitle.text or ""] + [
        a.text for a in fig.layout.annotations
    ]


def test_a_long_run_is_thinned_and_says_so():
    fig = charts.batch_figure(make_batches(10_000), "loss", smoothing=0.6)

    assert [trace.name for trace in fig.data] == ["batch", "smoothed (0.6)", "epoch mean"]
    assert all(len(trace.x) <= 2000 for trace in fig.data)
    assert "downsampled to 2,000 of 10,000 points" in fig.layout.title.subtitle.text


def test_a_short_run_is_drawn_whole_without_a_smoothed_curve():
    fig = charts.batch_figure(make_batches(50), "loss")

    assert [trace.name for trace in fig.data] == ["batch", "epoch mean"]
    assert len(fig.data[0].x) == 50
    assert not fig.layout.title.subtitle.text


def test_marks_are_drawn_where_they_happened_with_their_labels():
    marks = [
        {"step": 20, "seconds": 0.2, "kind": "learning_rate", "value": 0.0005},
        {"step": 30, "seconds": 0.3, "kind": "pause", "value": None},
    ]

    fig = charts.batch_figure(make_batches(50), "loss", marks=marks)

    assert [shape.x0 for shape in fig.layout.shapes] == [20, 30]
    assert {"lr → 0.0005", "paused"} <= set(texts(fig))


def test_marks_at_the_same_step_share_one_readable_label():
    marks = [
        {"step": 30, "seconds": 0.3, "kind": "pause", "value": None},
        {"step": 30, "seconds": 0.3, "kind": "resume", "value": None},
    ]

    fig = charts.batch_figure(make_batches(50), "loss", marks=marks)

    assert [shape.x0 for shape in fig.layout.shapes] == [30]
    assert "paused · resumed" in texts(fig)


def test_marks_follow_the_chosen_x_axis():
    marks = [{"step": 20, "seconds": 0.25, "kind": "stop", "value": None}]

    by_seconds = charts.batch_figure(make_batches(50), "loss", marks=marks, x="seconds")
    by_epoch = charts.batch_figure(make_batches(500), "loss", marks=[{**marks[0], "step": 250}])

    assert by_seconds.layout.shapes[0].x0 == 0.25
    assert by_epoch.layout.shapes[0].x0 == 250


@pytest.mark.parametrize(("log_y", "axis_type"), [(True, "log"), (False, "linear")])
def test_the_log_toggle_sets_the_axis_type(log_y, axis_type):
    fig = charts.batch_figure(make_batches(50), "loss", log_y=log_y)

    assert fig.layout.yaxis.type == axis_type


def test_a_zoom_survives_a_redraw_but_not_a_change_of_metric():
    first = charts.batch_figure(make_batches(50), "loss")
    again = charts.batch_figure(make_batches(60), "loss")
    other = charts.batch_figure(make_batches(50, "mae"), "mae")

    assert first.layout.uirevision == again.layout.uirevision != other.layout.uirevision


@pytest.mark.parametrize(
    "figure",
    [
        lambda: charts.batch_figure({}, "loss"),
        lambda: charts.batch_figure({name: [] for name in make_batches(0)}, "loss"),
        lambda: charts.rate_figure({}),
        lambda: charts.epoch_figure([], "loss"),
        lambda: charts.confusion_figure([], []),
        lambda: charts.regression_figure([], []),
    ],
)
def test_a_run_that_has_just_started_gets_a_note_not_an_error(figure):
    fig = figure()

    assert not fig.data
    assert any("waiting for" in text for text in texts(fig))


def test_a_metric_the_run_does_not_log_is_said_so():
    fig = charts.batch_figure(make_batches(50), "accuracy")

    assert "this run logs no 'accuracy'" in texts(fig)


def test_rate_figure_puts_speed_on_a_second_axis():
    fig = charts.rate_figure(make_batches(10_000))

    assert [trace.name for trace in fig.data if trace.yaxis == "y2"] == ["examples / s"]
    assert all(len(trace.x) <= 2000 for trace in fig.data)
    assert "downsampled" in fig.layout.title.subtitle.text


def test_epoch_figure_draws_training_and_validation():
    epochs = [
        {"epoch": 1, "loss": 0.9, "val_loss": 1.0},
        {"epoch": 2, "loss": 0.5, "val_loss": 0.7},
    ]

    fig = charts.epoch_figure(epochs, "loss")

    assert [(t.name, list(t.x), list(t.y)) for t in fig.data] == [
        ("training", [1, 2], [0.9, 0.5]),
        ("validation", [1, 2], [1.0, 0.7]),
    ]


def test_confusion_heatmap_shows_the_counts_it_was_given():
    confusion = [[5, 1, 0], [2, 7, 1], [0, 0, 9]]

    fig = charts.confusion_figure(confusion, ["cat", "dog", "fox"])

    assert [list(row) for row in fig.data[0].z] == confusion
    assert list(fig.data[0].x) == list(fig.data[0].y) == ["cat", "dog", "fox"]
    assert fig.layout.yaxis.autorange == "reversed"


def test_regression_figure_draws_the_line_of_perfect_predictions():
    fig = charts.regression_figure([1.0, 2.0, 3.0], [1.5, 1.5, 4.0])

    points, line = fig.data
    assert list(points.y) == [1.5, 1.5, 4.0]
    assert list(line.x) == list(line.y) == [1.0, 4.0]


def test_every_chart_shares_one_look():
    figures = [
        charts.batch_figure(make_batches(50), "loss"),
        charts.rate_figure(make_batches(50)),
        charts.epoch_figure([{"epoch": 1, "loss": 1.0}], "loss"),
        charts.confusion_figure([[1]], ["a"]),
        charts.regression_figure([1.0], [1.0]),
    ]

    assert all(fig.layout.template == figures[0].layout.template for fig in figures)
    assert all(fig.layout.uirevision for fig in figures)
