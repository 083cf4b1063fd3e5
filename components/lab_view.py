"""The Compare page's style lab: one run trained in every style, to see which styles agree.

The lab (`trainers.stylelab`) trains the same configuration in each chosen style, one after
another on the one worker thread, from the same initial weights on the same batches. The tab
sets it up, and draws it from `job.log.snapshot()` once a second while it lasts: every style's
loss overlaid (`figures.overlay_figure`), then how far each style's trained weights are from
those `fit()` trained, and how long each took per step.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from components import figures, live, shared
from components.settings_input import dataset_and_architecture, number_input, select
from trainers import catalog, group, stylelab, summaries
from trainers.group import GroupRunConfig
from trainers.worker import Job, Worker

LAB_MAX_EXAMPLES = 2000  # a slice of the data: the lab trains it once per style, in turn
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
    "report running means, from which the batch's own value is recovered by subtraction. "
    "`fit_mirrored` splits each batch between two replicas (when the batch size is even): the "
    "same global batches, and the same weights, except in a network with Dropout, whose masks "
    "each replica draws for its own half of the batch."
)


def show_lab(worker: Worker) -> None:
    """Draws the style lab tab: the styles and run to compare, Start, and the results."""
    config = _lab_setup()
    st.caption(f"Trained in this order: {', '.join(config.order)} (`fit` is the reference).")
    job = live.start(
        worker, config, "lab_job", label="Start style lab", key="lab_start", submit=stylelab.submit
    )
    if job is not None:
        live.follow(job, draw)


def _lab_setup() -> stylelab.StyleLabConfig:
    """What the lab shows, and its widgets; returns the lab they describe."""
    st.markdown(LAB_NOTE)
    styles = catalog.classifier_styles()
    styles = st.multiselect("Styles", styles, default=styles, key="lab_styles")
    left, middle, right = st.columns(3)
    dataset, architecture = dataset_and_architecture(left, middle, "lab")
    optimizers = list(catalog.OPTIMIZERS)
    optimizer = select(
        "Optimizer", optimizers, catalog.DEFAULT_OPTIMIZER, key="lab_optimizer", container=right
    )
    numbers = {
        name: number_input(name, column, key=f"lab_{name}", described_by=GroupRunConfig, **more)
        for name, column, more in (
            ("epochs", left, {}),
            ("max_examples", middle, {"value": LAB_MAX_EXAMPLES}),
            ("seed", right, {}),
        )
    }
    # The optimizer trains at its own learning rate.
    run = GroupRunConfig.for_architecture(
        architecture, dataset=dataset, optimizer=optimizer, **numbers
    )
    return stylelab.StyleLabConfig(run, styles)


def draw(job: Job | None, snapshot: dict, ongoing: bool) -> None:
    """Draws a style lab from its snapshot: every style's loss, and how far they agree.

    A style that failed says so below the table, with its error and its traceback.

    Args:
        job: the lab, with Stop and Pause while it lasts; None for a stored lab, read-only.
        snapshot: its snapshot, with `contestants`.
        ongoing: whether it had not ended when the page ran.
    """
    if not live.group_status(job, snapshot, ongoing, "lab"):
        return
    build = partial(
        figures.overlay_figure, snapshot["contestants"], metrics=("loss",), title="loss per style"
    )
    shared.chart(snapshot, "lab/overlay", (), build, key="lab_overlay")
    st.dataframe(summaries.lab_table(snapshot), hide_index=True)
    for style, run in group.failed_runs(snapshot).items():
        _failure(style, run)
    speedup = summaries.speedup(snapshot)
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
        st.caption(EQUALITY_NOTE.format(within=summaries.EQUAL_WITHIN))
    st.caption(
        f"ms per step: the median of each run's steps after the first {summaries.WARMUP_STEPS}, "
        "which trace the graphs; the styles built on fit() include their callback's time."
    )


def _failure(style: str, run: dict) -> None:
    """Says that a style failed and why, its traceback folded away below."""
    st.error(f"**{style}** failed: {run['error']}")
    if run["result"].get("traceback"):
        st.expander(f"Traceback of {style}").code(run["result"]["traceback"], language="text")
