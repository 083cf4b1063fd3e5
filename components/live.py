"""Start a job from a page, follow it live, and steer it: what every training page shares.

A page never trains. Start hands the page's configuration to the one worker thread and keeps
the job's id in the browser session's state, so the page follows the same job across reruns.
Start stays disabled while the configuration cannot work, and the page says why in
`check()`'s own words, before anything is queued.

The view of a job is a fragment that redraws itself from `job.log.snapshot()` once a second
while the job lasts; when its status changes (it starts, it ends), the fragment reruns the whole
page once (its buttons change) and an ended view then stays still, with no timer. What stays
the same while a job lasts (a run's code and model) is drawn by the page run, not the
fragment. A run trained by another process (a script, the command line, a server before a
restart) is drawn the same way from its stored snapshots (`watch`), read-only. Stop, Pause
and Resume only leave requests in the job's `RunControl`; the worker applies them between two
batches.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components import registry, roles, shared
from trainers.access import Refused
from trainers.config import ConfigError
from trainers.events import QUEUED
from trainers.worker import Job, JobConfig, Worker

REFRESH_SECONDS = 1.0
WORKER_POLL_SECONDS = 1.0


def explain(config: JobConfig) -> str | None:
    """Why `config` cannot run, in its `check()`'s words, or None when it can."""
    try:
        config.check()
    except ConfigError as error:
        return str(error)
    return None


def start(
    worker: Worker,
    config: JobConfig,
    session_key: str,
    problem: str | None = None,
    *,
    label: str = "Start",
    key: str | None = None,
    submit: Callable[[Worker, JobConfig], Job] | None = None,
    sidebar: DeltaGenerator | None = None,
    loading_note: bool = True,
) -> Job | None:
    """Says why `config` cannot run, draws Start, submits it when pressed; returns the page's job.

    Args:
        worker: the process's worker.
        config: the job the page's widgets describe: a `RunConfig`, a race's, a style lab's.
        session_key: where the page keeps the id of the job it follows.
        problem: why the job cannot run when the page knows before `config.check()` does
            (e.g. a `.npz` file that does not load).
        label: the button's text.
        key: the button's key; `<session_key>_start` when None.
        submit: queues the job, as `submit(worker, config, by, session)`;
            `worker.submit(config)` when None.
        sidebar: a container at the top of the sidebar to draw Start in, full width, where
            the page's first paint has it too (`first_paint`); the page then says, while the
            worker loads TensorFlow, that a run started now begins once it has.
        loading_note: with `sidebar`, whether to say so (a first paint does not).

    Returns:
        The job the page follows, or None before its first Start.
    """
    if not roles.may_operate():  # the pages show viewers no setup: this is the last guard
        return None
    problem = problem or explain(config)
    if problem:
        st.error(problem)
    pressed = (st if sidebar is None else sidebar).button(
        label,
        key=key or f"{session_key}_start",
        type="primary",
        width="content" if sidebar is None else "stretch",
        disabled=bool(problem) or bool(worker.startup_error),
    )
    if pressed:
        by, session = roles.actor(), roles.session_id()  # the worker checks both again
        try:
            job = (
                submit(worker, config, by, session)
                if submit
                else worker.submit(config, by=by, session=session)
            )
            st.session_state[session_key] = job.run_id
        except Refused as refused:  # the queue is full, or this session's share of it
            st.error(str(refused))
    if sidebar is not None and worker.startup_error:
        st.error(f"The training engine could not start: {worker.startup_error}")
    elif sidebar is not None and loading_note and not worker.is_ready:
        _wait_for_worker(worker)
    return worker.job(st.session_state.get(session_key, ""))


@st.fragment(run_every=WORKER_POLL_SECONDS)
def _wait_for_worker(worker: Worker) -> None:
    """Says TensorFlow is loading, and reruns the page once it has."""
    if worker.is_ready:
        st.rerun()
    st.info(
        "The engine is loading TensorFlow. Start works already: the run waits for the engine "
        "and begins by itself as soon as it is ready.",
        icon="⏳",
    )


def follow(
    job: Job,
    draw: Callable[..., None],
    *args: Any,
    every: float = REFRESH_SECONDS,
    still: Callable[[dict], None] | None = None,
) -> None:
    """Draws a job of this process's worker, redrawing it every second while it lasts.

    Args:
        job: the job to draw.
        draw: draws it, as `draw(job, snapshot, ongoing, *args)`: `snapshot` is the job's
            shared snapshot (`shared.SharedView.snapshot`), `ongoing` whether the job had not
            ended when the page ran.
        *args: passed on to `draw`.
        every: the seconds between two redraws.
        still: draws what stays the same while the job lasts (see `watch`).
    """
    read = partial(shared.shared_view().snapshot, job.log)  # one a moment, for every session
    steerable = job if roles.may_operate() else None  # a viewer's view has no controls
    watch(read, not job.log.finished, partial(draw, steerable), *args, every=every, still=still)


def watch(
    read: Callable[[], dict],
    ongoing: bool,
    draw: Callable[..., None],
    *args: Any,
    every: float = REFRESH_SECONDS,
    still: Callable[[dict], None] | None = None,
) -> None:
    """Draws a run from its snapshots, redrawing it every second while it lasts.

    When the run's status changes (it starts, it ends), the whole page runs once more: its
    buttons change, and an ended view stays still, with no timer.

    Args:
        read: returns the run's snapshot now: `job.log.snapshot`, or a stored run's reader.
        ongoing: whether the run had not ended when the page ran.
        draw: draws it, as `draw(snapshot, ongoing, *args)`.
        *args: passed on to `draw`.
        every: the seconds between two redraws.
        still: draws, below the live part, what stays the same while the run keeps its
            status (its code, its model), as `still(snapshot)`: once a page run, not at every
            redraw of every session.
    """
    snapshot = read()
    status = snapshot["status"] if ongoing else None
    # Choosing the timer on each full page run lets a finished run stop refreshing itself.
    st.fragment(run_every=every if ongoing else None)(_redraw)(read, status, draw, args)
    if still is not None:
        still(snapshot)


def _redraw(read: Callable[[], dict], status: str | None, draw: Callable[..., None], args) -> None:
    snapshot = read()
    if status is not None and snapshot["status"] != status:
        st.rerun()  # the whole page: its buttons and what stays still change with the status
    draw(snapshot, status is not None, *args)


def stop_and_pause(job: Job, stop: Any, pause: Any, key_prefix: str = "") -> None:
    """Draws Stop, and Pause or Resume, for a job that has not ended.

    Args:
        job: the job; a race's or a lab's buttons act on each of its runs.
        stop, pause: the containers of the two buttons, e.g. two columns.
        key_prefix: the start of the buttons' keys, e.g. `"race_"` for `race_stop`.
    """
    control = roles.control_of(registry.worker(), job)
    stop.button(
        "Stop", key=f"{key_prefix}stop", on_click=control.stop, disabled=control.stop_requested
    )
    if control.paused:
        pause.button("Resume", key=f"{key_prefix}resume", on_click=control.resume, type="primary")
    else:
        pause.button("Pause", key=f"{key_prefix}pause", on_click=control.pause)


def group_status(job: Job | None, snapshot: dict, ongoing: bool, name: str) -> bool:
    """Draws the status line of a race or a style lab, and its buttons while it lasts.

    Args:
        job: the race or the lab; None for a stored one, drawn read-only, with no buttons.
        snapshot: its `job.log.snapshot()`.
        ongoing: whether it had not ended when the page ran.
        name: what it is, `"race"` or `"lab"`: the start of the buttons' keys.

    Returns:
        Whether it has started; while it is queued, says so instead.
    """
    if snapshot["error"]:
        st.error(snapshot["error"])
    st.caption(f"**{snapshot['run_id']}** · {snapshot['status']}")
    if ongoing and job is not None:
        stop, pause, _ = st.columns([1, 1, 6])
        stop_and_pause(job, stop, pause, key_prefix=f"{name}_")
    if snapshot["status"] != QUEUED:
        return True
    st.info(f"Queued: the worker starts the {name} when the runs before it have ended.")
    return False
