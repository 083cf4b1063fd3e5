"""Looplab: train Keras models and watch them learn, live.

Run it with `streamlit run app.py`. This file only sets up the frame: the pages, and a sidebar
block that says what the one worker thread is training now. A session's first page run draws
only the page's title and Start (`components.first_paint`); once the browser has shown them,
the whole page runs, the worker's thread loads TensorFlow in the background (a run started
before waits for it) and the store opens.
"""

import streamlit as st

from components import first_paint, projector, registry, roles, shared
from trainers.events import RUNNING
from trainers.progress import progress_text
from trainers.store.errors import StoreUnavailable

STATUS_SECONDS = 2.0

st.set_page_config(
    page_title="Looplab",
    page_icon=":material/model_training:",
    layout="wide",
    initial_sidebar_state="collapsed" if projector.is_on() else "auto",
)
projector.apply_style()

worker = registry.worker()  # the first call starts the worker thread

train = st.Page("app_pages/train.py", title="Train", icon=":material/monitoring:", default=True)
page = st.navigation(
    [
        train,
        st.Page("app_pages/live.py", title="Live", icon=":material/live_tv:"),
        st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("app_pages/gan_studio.py", title="GAN studio", icon=":material/palette:"),
        st.Page("app_pages/runs.py", title="Runs", icon=":material/history:"),
    ]
)


def current_run(snapshot: dict) -> dict:
    """The snapshot to show progress for: a race or style lab shows its run that trains now."""
    runs = list(snapshot.get("contestants", {}).values())
    return next((run for run in runs if run["status"] == RUNNING), runs[-1] if runs else snapshot)


def running_now() -> None:
    """The active run's id, style and progress, and how many runs wait behind it: redrawn
    every `STATUS_SECONDS`, less often while many sessions are open."""
    every = shared.shared_view().refresh_seconds("status", roles.session_id(), STATUS_SECONDS)
    st.fragment(run_every=every)(_status)(every)


def _status(every: float) -> None:
    if shared.shared_view().refresh_seconds("status", roles.session_id(), STATUS_SECONDS) != every:
        st.rerun()  # the timer is set with the page: a new interval needs a new page run
    job = worker.active
    queued = worker.queued()
    if not worker.is_ready:
        st.caption("Engine: loading TensorFlow…")
    elif job is not None:
        fraction, text = progress_text(current_run(shared.shared_view().snapshot(job.log)))
        st.caption(f"Training **{job.run_id}** · {job.config.style}")
        st.progress(fraction, text=text)
    elif queued:
        # The first queued job is the one the worker is loading data for.
        job, queued = queued[0], queued[1:]
        st.caption(f"Starting **{job.run_id}** · {job.config.style}: loading its data…")
    else:
        st.caption("Engine: idle, nothing is training.")
    if queued:
        st.caption(f"{len(queued)} queued")
    if queued and roles.may_operate():
        for waiting in queued:
            name, cancel = st.columns([3, 2], vertical_alignment="center")
            name.caption(f"{waiting.run_id} · {waiting.config.style}")
            cancel.button(
                "Cancel",
                key=f"cancel_{waiting.run_id}",
                on_click=worker.cancel,
                args=(waiting, roles.actor()),
            )


if not first_paint.drawn():  # the title and Start first: see components/first_paint.py
    first_paint.draw(page.title, worker, with_start=page.url_path == train.url_path)

with st.sidebar:
    running_now()
    roles.sign_in_box()
    projector.toggle()
    st.divider()

try:
    page.run()
except StoreUnavailable as error:  # a page that reads the store: say why it cannot
    st.error(str(error))
finally:  # after the first page is drawn (or stopped): these would slow it down
    worker.load_engine()  # TensorFlow, on the worker's thread
    try:
        registry.store_writer()  # SQLAlchemy and the database, once per process
    except StoreUnavailable as error:  # not cached: the next page run tries again
        st.error(str(error))
