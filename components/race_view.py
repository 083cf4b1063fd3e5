"""The Compare page's two tabs: the optimizer race and the style lab.

Both start a job of several runs on the one worker thread (`trainers.race`,
`trainers.stylelab`) and draw it from `job.log.snapshot()` in a fragment that redraws itself
every second while the job lasts. `overlay_figure` is plain Plotly: one colour per contestant,
the loss above and the accuracy below, against the step, the examples seen or the contestant's
own seconds of compute.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from components import charts
from components.series import downsample, ema
from trainers import catalog, race, stylelab
from trainers.config import ConfigError, RunConfig
from trainers.events import QUEUED
from trainers.worker import Job, Worker

REFRESH_SECONDS = 1.0
SMOOTHING = 0.6
PALETTE = qualitative.Plotly
X_AXES = {
    "step": "step",
    "examples": "examples seen",
    "seconds": "seconds of its own compute",
}
MULTIPLES_PER_ROW = 3
RACING_STYLES = [name for name, info in catalog.STYLES.items() if not info.gan]
FAIRNESS_NOTE = (
    "Every contestant starts from **the same initial weights** (one initialization, copied "
    "into each network) and sees **the same batches in the same order**; they train in "
    "lockstep, one batch each in turn. Only the optimizer and its learning rate differ. "
    "The Trainer-pattern guide trains *two different models* (a Sequential one with SGD, a "
    "Functional one with Adam); the race uses one model for both, so the comparison is fair."
)


# Figures (plain data in, Plotly out).


def overlay_figure(
    contestants: dict[str, dict],
    metrics: tuple[str, ...] = ("loss", "accuracy"),
    x: str = "step",
    smoothing: float = SMOOTHING,
    title: str = "loss and accuracy, per optimizer",
    max_points: int = 2000,
) -> go.Figure:
    """Each contestant's smoothed curves, one colour each, one panel per metric.

    Args:
        contestants: label -> that run's snapshot (a `RaceLog.snapshot()["contestants"]`).
        metrics: the metrics to draw, one panel each, top to bottom; missing ones are skipped.
        x: `"step"`, `"examples"` or `"seconds"` (see `trainers.race.columns`).
        smoothing: the EMA weight of the curves (see `series.ema`).
        title: the figure's title.
        max_points: the most points per trace (see `series.downsample`).
    """
    series = {label: race.columns(run["batches"]) for label, run in contestants.items()}
    if not any(series.values()):
        return charts.empty_figure(title, charts.WAITING, f"overlay/{title}")
    metrics = tuple(m for m in metrics if any(m in columns for columns in series.values()))
    fig = make_subplots(
        rows=len(metrics), cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=metrics
    )
    for index, (label, columns) in enumerate(series.items()):
        for row, metric in enumerate(metrics, start=1):
            if metric not in columns:
                continue
            xs, ys, _ = downsample(columns[x], ema(columns[metric], smoothing), max_points)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=label,
                    legendgroup=label,
                    showlegend=row == 1,
                    line={"color": PALETTE[index % len(PALETTE)], "width": 2},
                ),
                row=row,
                col=1,
            )
    fig.update_xaxes(title=X_AXES[x], row=len(metrics), col=1)
    height = 260 + 200 * len(metrics)
    note = f"smoothed ({smoothing:g})"
    return charts.style_figure(fig, title, f"overlay/{title}/{x}", note, height=height)


def multiple_figure(label: str, run: dict, x: str) -> go.Figure:
    """One contestant's loss per batch, as the Train page draws it, titled with its label."""
    batches = dict(run["batches"])
    if batches.get("step"):
        batches["examples"] = race.columns(batches)["examples"].tolist()
    fig = charts.batch_figure(batches, "loss", SMOOTHING, marks=run["marks"], x=x)
    return fig.update_layout(title={"text": label}, height=300, showlegend=False)


# The optimizer race tab.


def _contestant_rows(contestants: list[race.Contestant]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "optimizer": [c.optimizer for c in contestants],
            "learning rate": [c.learning_rate for c in contestants],
        }
    )


def _load_preset(name: str) -> None:
    preset = race.PRESETS[name]
    state = st.session_state
    state["race_rows"] = _contestant_rows(preset.contestants)
    state["race_editor_version"] = state.get("race_editor_version", 0) + 1
    state.update(
        {
            "race_dataset": preset.dataset,
            "race_architecture": preset.architecture,
            "race_style": preset.style,
            "race_epochs": preset.epochs,
            "race_batch_size": preset.batch_size,
        }
    )


def _race_setup() -> tuple[race.RaceConfig | None, str | None]:
    """The race's widgets; returns the configuration and why it cannot run (or None)."""
    state = st.session_state
    presets = st.columns(len(race.PRESETS))
    for column, name in zip(presets, race.PRESETS, strict=True):
        column.button(name, key=f"preset {name}", on_click=_load_preset, args=(name,))
    default = race.PRESETS["SGD vs Adam on the same model"]
    state.setdefault("race_rows", _contestant_rows(default.contestants))
    # Defaults live in the session state, which the presets overwrite.
    for key, value in (("race_style", default.style), ("race_epochs", 1), ("race_batch_size", 64)):
        state.setdefault(key, value)
    editor, settings = st.columns([2, 3])
    with editor:
        rows = st.data_editor(
            state["race_rows"],
            key=f"race_editor_{state.get('race_editor_version', 0)}",
            num_rows="dynamic",
            hide_index=True,
            column_config={
                "optimizer": st.column_config.SelectboxColumn(
                    "optimizer", options=list(catalog.OPTIMIZERS), required=True
                ),
                "learning rate": st.column_config.NumberColumn(
                    "learning rate", min_value=0.0, format="%g", required=True
                ),
            },
        )
        st.caption(f"{race.MIN_CONTESTANTS} to {race.MAX_CONTESTANTS} contestants.")
    with settings:
        left, middle, right = st.columns(3)
        dataset, architecture = _dataset_and_architecture(left, middle, "race")
        style = right.selectbox("Training style", RACING_STYLES, key="race_style")
        epochs = left.number_input("Epochs", min_value=1, key="race_epochs")
        batch_size = middle.number_input("Batch size", min_value=1, key="race_batch_size")
        seed = right.number_input("Seed", min_value=0, value=0, key="race_seed")
        max_examples = left.number_input(
            "Max examples (0 = all)", min_value=0, value=0, step=500, key="race_max_examples"
        )
        target = middle.number_input(
            "Target accuracy",
            min_value=0.01,
            max_value=1.0,
            value=0.9,
            step=0.01,
            key="race_target",
        )
    contestants = [
        race.Contestant(str(row["optimizer"]), float(row["learning rate"]))
        for row in rows.to_dict("records")
        if pd.notna(row["optimizer"]) and pd.notna(row["learning rate"])
    ]
    config = race.RaceConfig(
        contestants,
        dataset=dataset,
        architecture=architecture,
        style=style,
        epochs=int(epochs),
        batch_size=int(batch_size),
        seed=int(seed),
        max_examples=int(max_examples),
        target_accuracy=float(target),
    )
    try:
        config.check()
    except ConfigError as error:
        return config, str(error)
    return config, None


def _dataset_and_architecture(left, right, prefix: str) -> tuple[str, str]:
    """A dataset, and an architecture that classifies or regresses it (GANs do not race)."""
    dataset = left.selectbox("Dataset", list(catalog.DATASETS), key=f"{prefix}_dataset")
    info = catalog.DATASETS[dataset]
    architectures = [
        name
        for name in catalog.architectures_for(info.kind, info.task)
        if not catalog.ARCHITECTURES[name].is_gan
    ]
    architecture = right.selectbox("Architecture", architectures, key=f"{prefix}_architecture")
    return dataset, architecture


def show_race(engine: Worker) -> None:
    """Draws the optimizer race tab: set-up, Start, and the live race."""
    st.markdown(FAIRNESS_NOTE)
    config, problem = _race_setup()
    if problem:
        st.error(problem)
    if st.button("Start race", type="primary", disabled=bool(problem), key="race_start"):
        st.session_state["race_job"] = race.submit(engine, config).run_id
    job = engine.jobs.get(st.session_state.get("race_job", ""))
    if job is None:
        return
    x = st.radio("x axis", list(X_AXES), format_func=X_AXES.get, horizontal=True, key="race_x_axis")
    _live(_draw_race, job, x)


def show_job(job: Job) -> None:
    """Draws a race or a style lab job, e.g. picked on the Runs page."""
    if isinstance(job.config, race.RaceConfig):
        _live(_draw_race, job, "step")
    else:
        _live(_draw_lab, job)


def _live(draw, job: Job, *args) -> None:
    # A fragment with a timer while the job lasts; the finished job stays still.
    live = not job.log.finished
    st.fragment(run_every=REFRESH_SECONDS if live else None)(draw)(job, live, *args)


def _steer(job: Job, prefix: str) -> None:
    # The buttons act on every run of the job: they share one RunControl.
    control = job.control
    stop, pause, _ = st.columns([1, 1, 6])
    stop.button(
        "Stop", key=f"{prefix}_stop", on_click=control.stop, disabled=control.stop_requested
    )
    if control.paused:
        pause.button("Resume", key=f"{prefix}_resume", on_click=control.resume, type="primary")
    else:
        pause.button("Pause", key=f"{prefix}_pause", on_click=control.pause)


def _status(snapshot: dict, job: Job, live: bool, prefix: str) -> bool:
    """Draws the job's status line and buttons; False while nothing has started."""
    if live and job.log.finished:
        st.rerun()  # the whole page: the buttons change, and the view drops its timer
    status = snapshot["status"]
    if snapshot["error"]:
        st.error(snapshot["error"])
    st.caption(f"**{snapshot['run_id']}** · {status}")
    if live:
        _steer(job, prefix)
    return status != QUEUED


def _draw_race(job: Job, live: bool, x: str) -> None:
    snapshot = job.log.snapshot()
    if not _status(snapshot, job, live, "race"):
        st.info("Queued: the worker starts the race when the runs before it have ended.")
        return
    contestants = snapshot["contestants"]
    st.plotly_chart(overlay_figure(contestants, x=x), key="race_overlay")
    st.subheader("Leader board")
    target = snapshot["config"]["target_accuracy"]
    st.dataframe(race.leaderboard(snapshot, target), hide_index=True)
    st.caption(
        f"Loss and accuracy: means of the last {race.WINDOW} batches. Steps to target: the "
        f"first step where that mean reaches {target:g}. ms per step: the median of the "
        f"contestant's own steps, after {race.WARMUP_STEPS} tracing steps."
    )
    labels = list(contestants)
    for start in range(0, len(labels), MULTIPLES_PER_ROW):
        row = labels[start : start + MULTIPLES_PER_ROW]
        for column, label in zip(st.columns(MULTIPLES_PER_ROW), row, strict=False):
            figure = multiple_figure(label, contestants[label], x)
            column.plotly_chart(figure, key=f"race_multiple_{label}")
    fingerprints = snapshot["info"].get("initial_weights", {})
    if fingerprints:
        same = len(set(fingerprints.values())) == 1
        st.caption(
            f"Initial weights: {'one fingerprint for all' if same else 'DIFFERENT'} "
            f"(sha256 {next(iter(fingerprints.values()))[:12]}…)."
        )


# The style lab tab.

LAB_NOTE = (
    "One configuration, trained in each chosen style from the same initial weights on the "
    "same batches in the same order. Styles that do the same arithmetic end with the same "
    "weights as `fit()`; the table shows the largest difference, weight by weight."
)
EQUALITY_NOTE = (
    "On this machine the styles run the same operations in the same order, so their weights "
    "usually agree bit for bit (a difference of 0). A difference up to {within:g} would still "
    "be float rounding: `train_step_manual`, the Trainer and the loops add the layers' losses "
    "themselves and eager execution may order sums differently than a compiled graph. The "
    "last digits of the reported loss may differ where weights do not: `fit()`'s callbacks "
    "report running means, from which the batch's own value is recovered by subtraction."
)


def show_lab(engine: Worker) -> None:
    """Draws the style lab tab: the styles and run to compare, Start, and the results."""
    st.markdown(LAB_NOTE)
    styles = st.multiselect("Styles", stylelab.STYLES, default=stylelab.STYLES, key="lab_styles")
    left, middle, right = st.columns(3)
    dataset, architecture = _dataset_and_architecture(left, middle, "lab")
    optimizer = right.selectbox(
        "Optimizer",
        list(catalog.OPTIMIZERS),
        index=list(catalog.OPTIMIZERS).index(catalog.DEFAULT_OPTIMIZER),
        key="lab_optimizer",
    )
    epochs = left.number_input("Epochs", min_value=1, value=1, key="lab_epochs")
    max_examples = middle.number_input(
        "Max examples (0 = all)", min_value=0, value=2000, step=500, key="lab_max_examples"
    )
    seed = right.number_input("Seed", min_value=0, value=0, key="lab_seed")
    run = RunConfig(
        dataset=dataset,
        architecture=architecture,
        optimizer=optimizer,
        learning_rate=catalog.OPTIMIZERS[optimizer][2],
        epochs=int(epochs),
        max_examples=int(max_examples),
        seed=int(seed),
    )
    config = stylelab.StyleLabConfig(run, styles)
    problem = None
    try:
        config.check()
    except ConfigError as error:
        problem = str(error)
        st.error(problem)
    st.caption(f"Trained in this order: {', '.join(config.order)} (`fit` is the reference).")
    if st.button("Start style lab", type="primary", disabled=bool(problem), key="lab_start"):
        st.session_state["lab_job"] = stylelab.submit(engine, config).run_id
    job = engine.jobs.get(st.session_state.get("lab_job", ""))
    if job is not None:
        _live(_draw_lab, job)


def _draw_lab(job: Job, live: bool) -> None:
    snapshot = job.log.snapshot()
    if not _status(snapshot, job, live, "lab"):
        st.info("Queued: the worker starts the lab when the runs before it have ended.")
        return
    contestants = snapshot["contestants"]
    figure = overlay_figure(contestants, metrics=("loss",), title="loss per style")
    st.plotly_chart(figure, key="lab_overlay")
    st.dataframe(stylelab.table(snapshot), hide_index=True)
    speedup = stylelab.speedup(snapshot)
    if speedup is not None:
        label = "tf.function speed-up (loop_eager ÷ loop_function, ms per step)"
        st.metric(label, f"{speedup:.1f}×")
    if snapshot["result"]:
        same_start = snapshot["result"]["same_initial_weights"]
        st.caption(
            "Every style started from the same initial weights."
            if same_start
            else "The styles did NOT start from the same initial weights."
        )
        st.caption(EQUALITY_NOTE.format(within=stylelab.EQUAL_WITHIN))
    st.caption(
        f"ms per step: the median of each run's steps after the first {stylelab.WARMUP_STEPS}, "
        "which trace the graphs; the styles built on fit() include their callback's time."
    )
