"""Several stored runs in one chart: any metric they log, against steps, examples or seconds.

Pick runs of any kind and any process; a race or a style lab picked as a whole brings all its
runs. Each run is one colour (`figures.overlay_figure`), smoothed and thinned exactly as the
live charts are (`series.ema`, then `series.downsample`'s minimum and maximum per bucket). While
one of them trains, the chart redraws itself every second.
"""

from __future__ import annotations

import streamlit as st

from components import figures, live, stored_runs
from components.run_facts import is_live, label, title
from components.run_view import metric_names
from trainers.events import COMPLETED, RUNNING


def curves(runs: list[dict], picked: list[str]) -> dict[str, str]:
    """The curves to draw for the picked runs: legend label -> run id, a group's runs each.

    Args:
        runs: `Store.runs()` rows, the picked ones and their groups' runs among them.
        picked: run ids; a group stands for its runs.

    Returns:
        E.g. `{"my run (script-7)": "script-7", "race-3 · adam 0.001": "race-3/adam 0.001"}`.
    """
    by_id = {run["run_id"]: run for run in runs}
    children: dict[str, list[dict]] = {}
    for run in runs:
        if run["parent"]:
            children.setdefault(run["parent"], []).append(run)
    drawn: dict[str, str] = {}
    for run_id in picked:
        for run in children.get(run_id) or [by_id[run_id]]:
            group = by_id.get(run["parent"])
            name = f"{title(group)} · {run['label'] or run['name']}" if group else title(run)
            drawn[name] = run["run_id"]
    return drawn


def metric_choices(snapshots: list[dict]) -> list[str]:
    """The metrics to offer: those the runs log (losses first), or will log before a batch."""
    logged = [snapshot for snapshot in snapshots if snapshot["batches"]]
    names = [name for snapshot in logged or snapshots for name in metric_names(snapshot)]
    return list(dict.fromkeys(names))


def show(runs: list[dict]) -> None:
    """Draws the pickers and the overlaid curves of the runs picked among `runs`."""
    by_id = {run["run_id"]: run for run in runs}
    picked = st.multiselect(
        "Runs to overlay",
        list(by_id),
        format_func=lambda run_id: label(by_id[run_id]),
        key="runs_overlay",
        placeholder="runs, races or style labs",
    )
    if not picked:
        st.caption("Pick runs to draw their curves in one chart; a race or lab brings its runs.")
        return
    drawn = curves(runs, picked)
    metrics = metric_choices([stored_runs.snapshot(run_id) for run_id in drawn.values()])
    metric_column, x_column, smoothing_column = st.columns([2, 3, 2])
    metric = metric_column.selectbox("Metric", metrics, key="runs_overlay_metric")
    axes = figures.X_AXES
    x = x_column.radio(
        "x axis", list(axes), format_func=axes.get, horizontal=True, key="runs_overlay_x"
    )
    smoothing = smoothing_column.slider(
        "Smoothing (EMA)", 0.0, 0.99, figures.SMOOTHING, 0.01, key="runs_overlay_smoothing"
    )
    ongoing = any(is_live(by_id[run_id]) for run_id in drawn.values() if run_id in by_id)
    live.watch(lambda: _together(drawn), ongoing, _draw, metric, x, smoothing)


def _together(drawn: dict[str, str]) -> dict:
    """The drawn runs' snapshots as one group's: live while any of them is."""
    contestants = {name: stored_runs.snapshot(run_id) for name, run_id in drawn.items()}
    status = RUNNING if any(map(is_live, contestants.values())) else COMPLETED
    return {"status": status, "contestants": contestants}


def _draw(together: dict, ongoing: bool, metric: str, x: str, smoothing: float) -> None:
    figure = figures.overlay_figure(
        together["contestants"],
        metrics=(metric,),
        x=x,
        smoothing=smoothing,
        title=f"{metric}, overlaid",
    )
    st.plotly_chart(figure, key="runs_overlay_chart")
