"""Any stored run in full, with the view that drew it when it trained.

A run, a race, a style lab or a GAN opens in the Train page's, the Compare page's or the GAN
studio's own view (their `draw` functions), filmstrips, results and downloads included. A job
of this server's worker is drawn from its live log, with its controls. Any other run (a script
with `trainers.DashboardCallback`, the command line, this server before a restart) is drawn
from the store, read-only: live, once a second, while it trains, but with no Stop or Pause,
since the dashboard does not own the process that trains it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from components import gan_view, lab_view, live, race_view, run_view, stored_runs
from components.run_facts import is_live, label
from trainers import catalog
from trainers.worker import Worker

GROUP_VIEWS = {"race": race_view.draw, "lab": lab_view.draw}
OWNERS = {"app": "a Looplab server", "cli": "the command line", "script": "a script"}


def pick(runs: list[dict]) -> dict | None:
    """Draws the picker of the run to open; returns the picked run's row, or None."""
    by_id = {run["run_id"]: run for run in runs}
    run_id = st.selectbox(
        "Open a run",
        list(by_id),
        index=None,
        format_func=lambda run_id: label(by_id[run_id]),
        key="runs_open",
        placeholder="pick a run to see everything it recorded",
    )
    return by_id.get(run_id)


def view_of(run: dict) -> Callable[..., None]:
    """The view that draws a run: a race's, a lab's, the GAN studio's, or the Train page's.

    Args:
        run: the run's row in the store.

    Returns:
        Its `draw(job, snapshot, ongoing)`.
    """
    if run["kind"] in GROUP_VIEWS:
        return GROUP_VIEWS[run["kind"]]
    if catalog.is_gan(run["config"].get("architecture", "")):
        return gan_view.draw
    return run_view.draw


def still_of(run: dict) -> Callable[[dict], None] | None:
    """What draws the parts of a run's view that stay the same while it trains, if any (see
    `live.watch`)."""
    return run_view.still if view_of(run) is run_view.draw else None


def show(worker: Worker, run: dict) -> None:
    """Draws a run in full: live with its controls when this server trains it, else read-only.

    Args:
        worker: this server's worker.
        run: the run's row in the store.
    """
    draw, job = view_of(run), worker.job(run["run_id"])
    if job is not None and draw is run_view.draw:
        run_view.show_run(job, worker.position(job))
    elif job is not None:
        live.follow(job, draw)  # only a single run has a still part
    else:
        if is_live(run):
            st.caption(
                f"Trained by {OWNERS.get(run['owner'], run['owner'])} (process {run['pid']} "
                f"on {run['host']}): drawn live from the store, read-only."
            )
        read = partial(stored_runs.snapshot, run["run_id"])
        live.watch(read, is_live(run), partial(draw, None), still=still_of(run))
