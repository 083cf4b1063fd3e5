"""One run on screen: live progress, charts, controls, results and its code.

The Train page and the Runs page both draw a run with `draw()`: a run of this process's worker
(`show_run()`) from `job.log.snapshot()`, with its controls, and a stored run (a script's, or
one from before a restart) from the store's snapshot, read-only. While the run is queued or
training, the view redraws itself every second (`live.follow`, `live.watch`); once the run has
ended it stays still.

Every chart is drawn by `components.figures` from the snapshot's plain data; this module only
lays them out: per-batch curves for each metric the run logs, the epoch curves below them, the
learning rate and speed beside the latest images, and the test results once the run is over.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from components import code_view, controls, figures, live, projector, shared
from components.images import show_gallery
from components.run_facts import describe
from trainers import catalog
from trainers.events import BATCH_FIELDS, DIVERGED, FAILED, INTERRUPTED, QUEUED, STOPPED
from trainers.progress import overhead_text, progress_text
from trainers.worker import Job

DIVERGED_HINT = (
    "The run diverged: a loss is no longer a finite number, so it stopped. Try a learning "
    "rate ten times smaller."
)
OVERHEAD_HELP = (
    "The recorder's own time on each batch (turning Keras' logs into the rows these charts "
    "draw) against the run's training time. The store's writer and the redraws of the browsers "
    "watching cost the run more: the README's speed section measures them."
)


def show_run(job: Job, position: int = 0) -> None:
    """Draws a run of this process's worker, live while it is queued or training.

    Args:
        job: the run to draw.
        position: how many runs come before it in the queue (see `Worker.position`).
    """
    live.follow(job, draw, position, still=still)


def draw(job: Job | None, snapshot: dict, ongoing: bool, position: int = 0) -> None:
    """Draws a run from its snapshot: status, controls, charts and results (`still` draws
    its code and model).

    Args:
        job: the run, steered here while it trains (Stop, Pause, a new learning rate); None
            for a stored run, drawn read-only.
        snapshot: its snapshot.
        ongoing: whether it had not ended when the page ran.
        position: how many runs come before it in the queue.
    """
    _status(snapshot, position)
    if job is not None and ongoing:
        controls.steer(job)
    if snapshot["status"] == QUEUED:
        return
    _charts(snapshot)
    if set(snapshot["result"]) - {"traceback"}:
        st.subheader("Results")
        _results(snapshot["result"])


def still(snapshot: dict) -> None:
    """Draws what stays the same while a run lasts, below `draw`'s live part: the style's code
    beside the model (only the model for a run of a script's own code), open while the run
    waits to start."""
    if snapshot["status"] == QUEUED:
        _code_and_model(snapshot)
        return
    with st.expander("Code and model", expanded=False):
        _code_and_model(snapshot)


def _code_and_model(snapshot: dict) -> None:
    style = snapshot["config"].get("style")
    if style in catalog.STYLES:
        code_view.show_code(style, snapshot["info"])
    else:
        code_view.show_model(snapshot["info"])


def _status(snapshot: dict, position: int) -> None:
    status, config = snapshot["status"], snapshot["config"]
    st.markdown(f"**{snapshot['run_id']}** · {describe(config)} · **{status}**")
    if status == QUEUED and position:
        ahead = "run" if position == 1 else "runs"
        st.info(f"Queued: {position} {ahead} before this one. It starts when they end.")
        return
    if status == QUEUED:
        st.info(
            "Starting: loading the data and building the model (the first run also waits for "
            "TensorFlow to load)…",
            icon=":material/hourglass_top:",
        )
        return
    if status == FAILED:
        st.error(f"The run failed: {snapshot['error']}")
        if snapshot["result"].get("traceback"):
            with st.expander("Traceback"):
                st.code(snapshot["result"]["traceback"], language="text")
    elif status == DIVERGED:
        st.warning(DIVERGED_HINT)
    elif status == STOPPED:
        st.warning("The run was stopped before its end.")
    elif status == INTERRUPTED:
        st.warning(
            "The process that trained the run ended before the run did (a restart, a crash): "
            "here is every batch it had written."
        )
    fraction, text = progress_text(snapshot)
    st.progress(fraction, text=text)
    overhead = overhead_text(snapshot)
    if overhead:
        st.caption(overhead, help=OVERHEAD_HELP)


def metric_names(snapshot: dict) -> list[str]:
    """The metrics a run logs per batch, e.g. `["loss", "accuracy"]`, losses first.

    Before the first batch, the metrics the run will log: a GAN's two losses, or the loss
    and the task's metric.
    """
    logged = [
        name
        for name in snapshot["batches"]
        if name not in BATCH_FIELDS and not name.startswith("mean_")
    ]
    if logged:
        return sorted(logged, key=lambda name: "loss" not in name)  # losses first
    config = snapshot["config"]
    if catalog.is_gan(config.get("architecture", "")):
        return ["d_loss", "g_loss"]
    info = catalog.DATASETS.get(config.get("dataset", ""))
    return ["loss", "mae" if info and info.task == "regression" else "accuracy"]


def _charts(snapshot: dict) -> None:
    batches, marks = snapshot["batches"], snapshot["marks"]
    names = metric_names(snapshot)
    smoothing_column, log_column, _ = st.columns([2, 1, 2], vertical_alignment="bottom")
    smoothing = smoothing_column.slider(
        "Smoothing (EMA)",
        0.0,
        0.99,
        figures.SMOOTHING,
        0.01,
        key="smoothing",
        help="As in TensorBoard.",
    )
    log_y = log_column.toggle("Log scale", key="log_scale")
    per_row = 1 if projector.is_on() else 2  # on a projector, each curve as wide as the screen
    for row in range(0, len(names), per_row):
        for column, name in zip(st.columns(per_row), names[row : row + per_row], strict=False):
            shared.chart(
                snapshot,
                f"batch/{name}",
                (smoothing, log_y),
                partial(figures.batch_figure, batches, name, smoothing, log_y, marks),
                key=f"batch-{name}",
                where=column,
            )
    epoch_metrics = [name for name in names if any(name in row for row in snapshot["epochs"])]
    for row in range(0, len(epoch_metrics), 2):
        for column, name in zip(st.columns(2), epoch_metrics[row : row + 2], strict=False):
            build = partial(figures.epoch_figure, snapshot["epochs"], name)
            shared.chart(snapshot, f"epoch/{name}", (), build, key=f"epoch-{name}", where=column)
    rate, images = st.columns(2)
    build = partial(figures.rate_figure, batches, marks)
    shared.chart(snapshot, "rate", (), build, key="rate", where=rate)
    with images:
        _latest_image(
            snapshot["run_id"], snapshot["images"], snapshot["info"].get("class_names", [])
        )


def _latest_image(run_id: str, images: list[dict], class_names: list[str]) -> None:
    if not images:
        st.caption("Images appear here: predictions at each epoch's end, or a GAN's samples.")
        return
    image = images[-1]
    labels = image.get("labels")
    if labels is None:
        shared.image(run_id, image, 256, caption=image["title"])
        return
    words = ", ".join(_prediction(label, class_names) for label in labels)
    st.markdown(f"**Predictions on validation examples, {image['title']}**")
    shared.image(run_id, image, 224)
    st.caption(f"Predicted, row by row: {words} (✗ wrong)")


def _prediction(label: dict, class_names: list[str]) -> str:
    # "7", or "7 ✗" when the true class was another.
    index = label["predicted"]
    name = class_names[index] if index < len(class_names) else str(index)
    return name if index == label["true"] else f"{name} ✗"


def _results(result: dict) -> None:
    split = result.get("split", "test")
    st.caption(f"Measured on the {split} split, which the run never trained on.")
    metrics = st.columns(len(result.get("test", {})) or 1)
    for column, (name, value) in zip(metrics, result.get("test", {}).items(), strict=False):
        column.metric(f"{split} {name}", f"{value:.4f}")
    if "regression" in result:
        points = result["regression"]
        figure = figures.regression_figure(points["true"], points["predicted"])
        st.plotly_chart(figure, theme=None, key="regression")
        return
    if "confusion" not in result:
        return
    confusion, mistakes = st.columns([2, 3])
    figure = figures.confusion_figure(result["confusion"], result.get("class_names", []))
    confusion.plotly_chart(figure, theme=None, key="confusion")
    items = result.get("misclassified", [])
    if any(item["pixels"] is None for item in items):
        return  # not images (a text dataset): the confusion matrix says it all
    with mistakes:
        st.markdown(f"**Misclassified {split} examples**")
        show_gallery(items, columns=4, class_names=result.get("class_names", []))
