"""The figures stay light, honest about thinning, and draw from a run that has only just begun."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from components import figures, gan_figures


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
    fig = figures.batch_figure(make_batches(10_000), "loss", smoothing=0.6)

    assert [trace.name for trace in fig.data] == ["batch", "smoothed (0.6)", "epoch mean"]
    assert all(len(trace.x) <= 2000 for trace in fig.data)
    assert "downsampled to 2,000 of 10,000 points" in fig.layout.title.subtitle.text


def test_a_short_run_is_drawn_whole_without_a_smoothed_curve():
    fig = figures.batch_figure(make_batches(50), "loss")

    assert [trace.name for trace in fig.data] == ["batch", "epoch mean"]
    assert len(fig.data[0].x) == 50
    assert not fig.layout.title.subtitle.text


def test_marks_are_drawn_where_they_happened_with_their_labels():
    marks = [
        {"step": 20, "seconds": 0.2, "kind": "learning_rate", "value": 0.0005},
        {"step": 30, "seconds": 0.3, "kind": "pause", "value": None},
    ]

    fig = figures.batch_figure(make_batches(50), "loss", marks=marks)

    assert [shape.x0 for shape in fig.layout.shapes] == [20, 30]
    assert {"lr → 0.0005", "paused"} <= set(texts(fig))


def test_marks_at_the_same_step_share_one_readable_label():
    marks = [
        {"step": 30, "seconds": 0.3, "kind": "pause", "value": None},
        {"step": 30, "seconds": 0.3, "kind": "resume", "value": None},
    ]

    fig = figures.batch_figure(make_batches(50), "loss", marks=marks)

    assert [shape.x0 for shape in fig.layout.shapes] == [30]
    assert "paused · resumed" in texts(fig)


def test_marks_follow_the_chosen_x_axis():
    marks = [{"step": 20, "seconds": 0.25, "kind": "stop", "value": None}]

    by_seconds = figures.batch_figure(make_batches(50), "loss", marks=marks, x="seconds")
    by_epoch = figures.batch_figure(make_batches(500), "loss", marks=[{**marks[0], "step": 250}])

    assert by_seconds.layout.shapes[0].x0 == 0.25
    assert by_epoch.layout.shapes[0].x0 == 250


@pytest.mark.parametrize(("log_y", "axis_type"), [(True, "log"), (False, "linear")])
def test_the_log_toggle_sets_the_axis_type(log_y, axis_type):
    fig = figures.batch_figure(make_batches(50), "loss", log_y=log_y)

    assert fig.layout.yaxis.type == axis_type


def test_a_zoom_survives_a_redraw_but_not_a_change_of_metric():
    first = figures.batch_figure(make_batches(50), "loss")
    again = figures.batch_figure(make_batches(60), "loss")
    other = figures.batch_figure(make_batches(50, "mae"), "mae")

    assert first.layout.uirevision == again.layout.uirevision != other.layout.uirevision


@pytest.mark.parametrize(
    "figure",
    [
        lambda: figures.batch_figure({}, "loss"),
        lambda: figures.batch_figure({name: [] for name in make_batches(0)}, "loss"),
        lambda: figures.rate_figure({}),
        lambda: figures.epoch_figure([], "loss"),
        lambda: figures.confusion_figure([], []),
        lambda: figures.regression_figure([], []),
    ],
)
def test_a_run_that_has_just_started_gets_a_note_not_an_error(figure):
    fig = figure()

    assert not fig.data
    assert any("waiting for" in text for text in texts(fig))


def test_a_metric_the_run_does_not_log_is_said_so():
    fig = figures.batch_figure(make_batches(50), "accuracy")

    assert "this run logs no 'accuracy'" in texts(fig)


def test_rate_figure_puts_speed_on_a_second_axis():
    fig = figures.rate_figure(make_batches(10_000))

    assert [trace.name for trace in fig.data if trace.yaxis == "y2"] == ["examples / s"]
    assert all(len(trace.x) <= 2000 for trace in fig.data)
    assert "downsampled" in fig.layout.title.subtitle.text


def test_epoch_figure_draws_training_and_validation():
    epochs = [
        {"epoch": 1, "loss": 0.9, "val_loss": 1.0},
        {"epoch": 2, "loss": 0.5, "val_loss": 0.7},
    ]

    fig = figures.epoch_figure(epochs, "loss")

    assert [(t.name, list(t.x), list(t.y)) for t in fig.data] == [
        ("training", [1, 2], [0.9, 0.5]),
        ("validation", [1, 2], [1.0, 0.7]),
    ]


def test_thousands_of_epochs_are_thinned_to_lines_and_keep_a_spike():
    losses = np.linspace(2.0, 0.1, 5000)
    losses[3210] = 9.0  # one bad epoch
    epochs = [{"epoch": i + 1, "loss": float(loss)} for i, loss in enumerate(losses)]

    fig = figures.epoch_figure(epochs, "loss")

    (training,) = fig.data
    assert len(training.x) <= 2000 and training.mode == "lines"
    assert 3211 in list(training.x) and max(training.y) == 9.0
    assert "downsampled to 2,000 of 5,000 points" in fig.layout.title.subtitle.text
    assert figures.epoch_figure(epochs[:100], "loss").data[0].mode == "lines+markers"


def test_the_browser_gets_single_precision_arrays_and_exact_json_beyond_them():
    batches = make_batches(3000)
    batches["loss"] = [*batches["loss"][:-1], 1e300]  # a loss on its way to diverging

    fig = figures.batch_figure(batches, "loss", smoothing=0.6)
    sent = json.loads(pio.to_json(fig))

    for trace, drawn in zip(sent["data"], fig.data, strict=True):
        assert trace["x"]["dtype"] == "i4" and as_lists(trace["x"]) == list(drawn.x)
    batch, smoothed, mean = sent["data"]
    assert batch["y"][-1] == 1e300  # single precision would make it infinite: JSON, exactly
    assert mean["y"]["dtype"] == "f4"
    np.testing.assert_allclose(as_lists(mean["y"]), fig.data[2].y, rtol=1e-7)
    calm = figures.batch_figure(make_batches(3000), "loss", smoothing=0.6)
    assert len(pio.to_json(calm)) < 0.6 * len(pio.to_json(calm.spec, validate=False))


def test_confusion_heatmap_shows_the_counts_it_was_given():
    confusion = [[5, 1, 0], [2, 7, 1], [0, 0, 9]]

    fig = figures.confusion_figure(confusion, ["cat", "dog", "fox"])

    assert [list(row) for row in fig.data[0].z] == confusion
    assert list(fig.data[0].x) == list(fig.data[0].y) == ["cat", "dog", "fox"]
    assert fig.layout.yaxis.autorange == "reversed"


def test_regression_figure_draws_the_line_of_perfect_predictions():
    fig = figures.regression_figure([1.0, 2.0, 3.0], [1.5, 1.5, 4.0])

    points, line = fig.data
    assert list(points.y) == [1.5, 1.5, 4.0]
    assert list(line.x) == list(line.y) == [1.0, 4.0]


def test_every_figure_shares_one_look():
    drawn = [
        figures.batch_figure(make_batches(50), "loss"),
        figures.rate_figure(make_batches(50)),
        figures.epoch_figure([{"epoch": 1, "loss": 1.0}], "loss"),
        figures.confusion_figure([[1]], ["a"]),
        figures.regression_figure([1.0], [1.0]),
        figures.overlay_figure({"a": contestant(50)}),
        figures.multiple_figure("a", contestant(50), "step"),
        gan_figures.quality_figure(scored_grids([25])),
        gan_figures.histogram_figure([1] * 10, [0.1] * 10),
    ]

    templates = [fig.to_dict()["layout"]["template"] for fig in drawn]
    assert all(template == templates[0] for template in templates)
    assert all(fig.layout.uirevision for fig in drawn)


def test_the_live_figures_built_from_dicts_are_what_plotly_validates():
    marks = [{"step": 10, "seconds": 0.5, "kind": "pause"}]
    drawn = [
        figures.batch_figure(make_batches(5000), "loss", 0.6, True, marks),
        figures.batch_figure(make_batches(50), "accuracy", x="seconds"),
        figures.batch_figure({}, "loss"),
        figures.rate_figure(make_batches(50), marks),
        figures.epoch_figure([{"epoch": 1, "loss": 1.0, "val_loss": 2.0}], "loss"),
        gan_figures.quality_figure(scored_grids([25, 50]), marks),
        gan_figures.histogram_figure([1] * 10, [0.1] * 10),
    ]
    for fig in drawn:
        validated = go.Figure(fig.to_dict())  # raises on any property Plotly does not know
        assert as_lists(json.loads(pio.to_json(validated))) == as_lists(
            json.loads(pio.to_json(fig))
        )


def as_lists(value):
    """A figure's JSON with Plotly's typed arrays (`{"dtype", "bdata"}`) read back as lists."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), value["dtype"]).tolist()
    if isinstance(value, dict):
        return {key: as_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_lists(item) for item in value]
    return value


# A race's or a style lab's runs.


def contestant(n, metrics=("loss", "accuracy"), seed=0):
    """One contestant's snapshot after `n` batches of 32 that log `metrics`."""
    rng = np.random.default_rng(seed)
    batches = make_batches(n) | {name: rng.uniform(0, 1, size=n).tolist() for name in metrics}
    batches["step"] = list(range(n))  # the steps trained before each batch, as the worker logs
    return {"batches": batches, "marks": []}


def test_the_overlay_draws_a_panel_per_metric_and_a_colour_per_contestant():
    race = {"sgd 0.01": contestant(50), "adam 0.001": contestant(50, seed=1)}

    fig = figures.overlay_figure(race)

    assert [a.text for a in fig.layout.annotations] == ["loss", "accuracy"]
    assert [(t.name, t.yaxis) for t in fig.data] == [
        ("sgd 0.01", "y"),
        ("sgd 0.01", "y2"),
        ("adam 0.001", "y"),
        ("adam 0.001", "y2"),
    ]
    colours = {
        t.name: {trace.line.color for trace in fig.data if trace.name == t.name} for t in fig.data
    }
    assert all(len(shades) == 1 for shades in colours.values())
    assert colours["sgd 0.01"] != colours["adam 0.001"]
    assert [t.name for t in fig.data if t.showlegend] == ["sgd 0.01", "adam 0.001"]


def test_the_overlay_leaves_out_a_metric_no_contestant_logs():
    lab = {"fit": contestant(50, ("loss",)), "trainer": contestant(50, ("loss",))}

    fig = figures.overlay_figure(lab, title="loss per style")

    assert [a.text for a in fig.layout.annotations] == ["loss"]
    assert {t.yaxis for t in fig.data} == {"y"}
    assert fig.layout.title.text == "loss per style"


def test_the_overlay_draws_smoothed_curves_and_says_so():
    fig = figures.overlay_figure({"sgd 0.01": contestant(200)}, metrics=("loss",), smoothing=0.9)

    raw = np.asarray(contestant(200)["batches"]["loss"])
    assert np.var(fig.data[0].y) < np.var(raw) / 2
    assert fig.layout.title.subtitle.text == "smoothed (0.9)"


def test_the_overlay_caps_the_points_of_a_long_race():
    fig = figures.overlay_figure({"a": contestant(10_000), "b": contestant(10_000)}, max_points=500)

    assert len(fig.data) == 4
    assert all(len(trace.x) <= 500 for trace in fig.data)


@pytest.mark.parametrize(
    ("x", "first", "title"),
    [
        ("step", 1, "step"),
        ("examples", 32, "examples seen"),
        ("seconds", 0.01, "seconds of its own compute"),
    ],
)
def test_the_overlay_follows_the_chosen_x_axis(x, first, title):
    fig = figures.overlay_figure({"a": contestant(50)}, x=x)

    assert fig.data[0].x[0] == pytest.approx(first)
    assert fig.layout.xaxis2.title.text == title  # the bottom panel carries the axis title


def test_an_overlay_before_the_first_batch_says_it_waits():
    fig = figures.overlay_figure({"a": contestant(0), "b": contestant(0)})

    assert not fig.data
    assert "waiting for the first batch" in texts(fig)


def test_a_contestants_small_multiple_is_its_loss_titled_with_its_label():
    run = contestant(100)
    run["marks"] = [{"step": 40, "seconds": 0.4, "kind": "pause", "value": None}]

    fig = figures.multiple_figure("adam 0.001", run, "examples")

    assert fig.layout.title.text == "adam 0.001"
    assert fig.layout.showlegend is False and fig.layout.height == 300
    assert [t.name for t in fig.data] == ["batch", "smoothed (0.6)", "epoch mean"]
    assert fig.data[0].x[-1] == 100 * 32  # examples seen, not steps
    assert "paused" in texts(fig)


def test_a_small_multiple_before_the_first_batch_keeps_its_label():
    fig = figures.multiple_figure("sgd 0.01", contestant(0), "step")

    assert fig.layout.title.text == "sgd 0.01" and not fig.data


# A GAN's samples.


def scored_grids(steps):
    return [
        {"step": step, "quality": {"inception_score": 1 + i, "confidence": 0.1 * (i + 1)}}
        for i, step in enumerate(steps)
    ]


def test_the_quality_figure_draws_the_score_and_the_confidence_on_two_axes():
    marks = [{"step": 50, "seconds": 2.0, "kind": "discriminator_steps", "value": 2}]

    fig = gan_figures.quality_figure(scored_grids([25, 50, 75]), marks)

    score, confidence = fig.data
    assert (score.name, list(score.x), list(score.y)) == (
        "Inception Score",
        [25, 50, 75],
        [1, 2, 3],
    )
    assert confidence.yaxis == "y2" and list(confidence.y) == pytest.approx([0.1, 0.2, 0.3])
    assert list(fig.layout.yaxis.range) == [1, 10] and list(fig.layout.yaxis2.range) == [0, 1]
    assert [shape.x0 for shape in fig.layout.shapes] == [50]
    assert "discriminator steps 2" in texts(fig)


def test_the_histogram_has_a_bar_per_digit_beside_the_real_digits_share():
    counts = [60, 0, 50, 52, 0, 0, 120, 80, 74, 76]  # 512 samples

    fig = gan_figures.histogram_figure(counts, [0.1] * 10)

    samples, real = fig.data
    assert list(samples.x) == list(range(10))
    assert list(samples.y) == pytest.approx([100 * count / 512 for count in counts])
    assert real.name == "real digits" and list(real.y) == pytest.approx([10] * 10)
    assert fig.layout.xaxis.dtick == 1
