"""The Compare page's optimizer race: its set-up, its Start, and the race as it happens.

A race (`trainers.race`) trains one network with several optimizers in lockstep on the one
worker thread. The tab sets up the contestants (from a preset, or in a table) and the run they
share, then draws the race from `job.log.snapshot()` once a second while it lasts: every
contestant's curves overlaid in one colour each (`figures.overlay_figure`), the leader board,
and one small chart per contestant.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import streamlit as st

from components import figures, live, shared
from components.settings_input import dataset_and_architecture, number_input, select
from trainers import catalog, race, summaries
from trainers.group import GroupRunConfig
from trainers.worker import Job, Worker

if TYPE_CHECKING:
    import pandas as pd

MULTIPLES_PER_ROW = 3
DEFAULT_PRESET = "SGD vs Adam on the same model"
PRESET_SETTINGS = ("style", "epochs", "batch_size")  # what a preset sets besides the data
DEFAULTS = GroupRunConfig()  # what every contestant trains before a preset says otherwise
FAIRNESS_NOTE = (
    "Every contestant starts from **the same initial weights** (one initialization, copied "
    "into each network) and sees **the same batches in the same order**; they train in "
    "lockstep, one batch each in turn. Only the optimizer and its learning rate differ. "
    "The Trainer-pattern guide trains *two different models* (a Sequential one with SGD, a "
    "Functional one with Adam); the race uses one model for both, so the comparison is fair."
)


def show_race(worker: Worker) -> None:
    """Draws the optimizer race tab: set-up, Start, and the live race."""
    config = _race_setup()
    job = live.start(
        worker, config, "race_job", label="Start race", key="race_start", submit=race.submit
    )
    if job is None:
        return
    axes = figures.X_AXES
    x = st.radio("x axis", list(axes), format_func=axes.get, horizontal=True, key="race_x_axis")
    live.follow(job, draw, x)


# Setting up.


def _contestant_rows(contestants: list[race.Contestant]) -> pd.DataFrame:
    import pandas as pd  # here, not with the app: its import takes about 0.3 s

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
    state["race_dataset"], state["race_architecture"] = preset.run.dataset, preset.run.architecture
    state.update({f"race_{setting}": getattr(preset.run, setting) for setting in PRESET_SETTINGS})


def _contestants() -> list[race.Contestant]:
    """The table of contestants, which a preset fills; returns the contestants it holds."""
    state = st.session_state
    state.setdefault("race_rows", _contestant_rows(race.PRESETS[DEFAULT_PRESET].contestants))
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
    filled = rows.dropna(subset=["optimizer", "learning rate"])  # rows being typed in
    return [
        race.Contestant(str(row["optimizer"]), float(row["learning rate"]))
        for row in filled.to_dict("records")
    ]


def _race_setup() -> race.RaceConfig:
    """Why the race is fair, and its widgets; returns the race they describe."""
    st.markdown(FAIRNESS_NOTE)
    presets = st.columns(len(race.PRESETS))
    for column, name in zip(presets, race.PRESETS, strict=True):
        column.button(name, key=f"preset {name}", on_click=_load_preset, args=(name,))
    editor, settings = st.columns([2, 3])
    with editor:
        contestants = _contestants()
    with settings:
        left, middle, right = st.columns(3)
        dataset, architecture = dataset_and_architecture(left, middle, "race")
        styles = catalog.race_styles()
        style = select("Training style", styles, DEFAULTS.style, key="race_style", container=right)
        numbers = {
            name: number_input(name, column, key=f"race_{name}", described_by=GroupRunConfig)
            for name, column in (
                ("epochs", left),
                ("batch_size", middle),
                ("seed", right),
                ("max_examples", left),
            )
        }
        target = number_input(
            "target_accuracy", middle, key="race_target", described_by=race.RaceConfig
        )
    run = GroupRunConfig(dataset=dataset, architecture=architecture, style=style, **numbers)
    return race.RaceConfig(contestants, run, target_accuracy=target)


# The race as it happens.


def draw(job: Job | None, snapshot: dict, ongoing: bool, x: str = "step") -> None:
    """Draws a race from its snapshot: the overlay, the leader board, one chart per contestant.

    A contestant that failed is out of the leader board; its place among the charts says so,
    with its error and its traceback, above what it had trained.

    Args:
        job: the race, with Stop and Pause while it lasts; None for a stored race, read-only.
        snapshot: its snapshot, with `contestants`.
        ongoing: whether it had not ended when the page ran.
        x: the x axis, a key of `figures.X_AXES`.
    """
    if not live.group_status(job, snapshot, ongoing, "race"):
        return
    contestants = snapshot["contestants"]
    build = partial(figures.overlay_figure, contestants, x=x)
    shared.chart(snapshot, "race/overlay", x, build, key="race_overlay")
    st.subheader("Leader board")
    target = snapshot["config"]["target_accuracy"]
    failed = race.failed_contestants(snapshot)  # out of the race: drawn below, with the error
    board = summaries.leaderboard(snapshot, target)
    st.dataframe([row for row in board if row["contestant"] not in failed], hide_index=True)
    st.caption(
        f"Loss and accuracy: means of the last {summaries.WINDOW} batches. Steps to target: the "
        f"first step where that mean reaches {target:g}. ms per step: the median of the "
        f"contestant's own steps, after {summaries.WARMUP_STEPS} tracing steps."
    )
    labels = list(contestants)
    for start in range(0, len(labels), MULTIPLES_PER_ROW):
        row = labels[start : start + MULTIPLES_PER_ROW]
        for column, label in zip(st.columns(MULTIPLES_PER_ROW), row, strict=False):
            if label in failed:
                _failure(label, failed[label], column)
                if not failed[label]["batches"]:
                    continue
            build = partial(figures.multiple_figure, label, contestants[label], x)
            name, key = f"race/{label}", f"race_multiple_{label}"
            shared.chart(snapshot, name, x, build, key=key, where=column)
    fingerprints = snapshot["info"].get("initial_weights", {})
    if fingerprints:
        same = len(set(fingerprints.values())) == 1
        st.caption(
            f"Initial weights: {'one fingerprint for all' if same else 'DIFFERENT'} "
            f"(sha256 {next(iter(fingerprints.values()))[:12]}…)."
        )


def _failure(label: str, run: dict, where) -> None:
    """Says that a contestant failed and why, its traceback folded away below."""
    where.error(f"**{label}** failed: {run['error']}")
    if run["result"].get("traceback"):
        where.expander(f"Traceback of {label}").code(run["result"]["traceback"], language="text")
