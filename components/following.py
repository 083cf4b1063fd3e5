"""Following whatever this server trains: the Live page's view, the same for every browser.

Any session may start a run; every session can watch it. The view shows the job that trains
now (a run, a race, a style lab or a GAN, each in its own page's view), else the next one
queued, else the last one that ended, and switches by itself when another job takes over: the
view's own redraw asks the worker once a second (a small fragment does, while no view
redraws) and reruns the page when the answer changes.
It is read-only: steering a run is for the page that started it.
"""

from __future__ import annotations

import streamlit as st

from components import live, roles, shared, stored_view
from trainers.worker import Job, Worker

POLL_SECONDS = 1.0


def now_showing(worker: Worker) -> Job | None:
    """The job to show: the one training now, else the next queued, else the last to end."""
    jobs = worker.jobs()
    return worker.active or next(iter(worker.queued()), None) or (jobs[-1] if jobs else None)


def watch_only(worker: Worker) -> None:
    """What a viewer's Train, GAN studio or Compare page shows: why it has no controls, and
    whatever the server trains now."""
    st.info(
        "You are watching: this is what the server trains now. Sign in as operator in the "
        "sidebar to set up and start runs.",
        icon=":material/visibility:",
    )
    show(worker)


def show(worker: Worker) -> None:
    """Draws the job `now_showing` read-only, live, and follows the worker to the next one."""
    job = now_showing(worker)
    if job is None or job.log.finished:  # no view redraws itself: a fragment of its own asks
        _switch_when_another_job_takes_over(worker, job.run_id if job else None)
    if job is None:
        st.info(
            "Nothing has trained on this server yet. When anyone starts a run, it appears "
            "here by itself."
        )
        return
    if job.log.finished:
        st.caption("Nothing trains now: here is the last run. The next one appears by itself.")
    run = {"kind": job.config.kind, "config": job.config.to_dict()}
    view, still = stored_view.view_of(run), stored_view.still_of(run)

    shared_view, session = shared.shared_view(), roles.session_id()
    every = shared_view.refresh_seconds(job.run_id, session)  # slower as the room fills

    def read_only(_job: Job, snapshot: dict, ongoing: bool) -> None:
        if ongoing and _another_job_took_over(worker, job.run_id):  # asked in the redraw
            st.rerun()
        if ongoing and shared_view.refresh_seconds(job.run_id, session) != every:
            st.rerun()  # the timer is set with the page: a new interval needs a new page run
        view(None, snapshot, ongoing)
        if every > live.REFRESH_SECONDS:
            st.caption(f"Redrawn every {every:g} s: many browsers are watching.")

    live.follow(job, read_only, every=every, still=still)


@st.fragment(run_every=POLL_SECONDS)
def _switch_when_another_job_takes_over(worker: Worker, shown: str | None) -> None:
    if _another_job_took_over(worker, shown):
        st.rerun()


def _another_job_took_over(worker: Worker, shown: str | None) -> bool:
    job = now_showing(worker)
    return (job.run_id if job else None) != shown
