"""The process-wide run registry: the store, its writer, one worker thread and its runs.

`st.cache_resource` keeps one of each for the whole Streamlit process, shared by every browser
session, so a run outlives the page that started it and all tabs see the same runs. Every job
the worker takes is written into the store (`trainers.store`) as it trains, under an id the
store hands out, so runs outlive the server too; its trained network is saved at its end, and
its rows then leave memory: an ended run's page reads them from the store.
"""

from __future__ import annotations

import os

import streamlit as st

from trainers import store as stores  # loads SQLAlchemy when a store is first opened
from trainers.events import FAILED
from trainers.worker import Job, QueueLimits, Worker

OWNER = "app"


def keep_keras_session() -> None:
    """Stops Streamlit from clearing Keras' session between script runs.

    After every script run, Streamlit calls `keras.backend.clear_session()` once Keras is
    loaded. That call resets Keras' global state for every thread at once: layer-name counters,
    the seed, name scopes. Done while the worker thread builds or trains a model, it breaks the
    run ("Name 'dense' is already the name of a layer"). Looplab's pages never build Keras
    models, so that cleanup has nothing to clear here. Runs on the worker thread, before any job.
    """
    import keras

    keras.backend.clear_session = lambda *args, **kwargs: None


@st.cache_resource(show_spinner=False)
def store() -> stores.Store:
    """The store of this process (`$LOOPLAB_HOME/looplab.db`); runs that a process left
    unfinished when it died are marked `interrupted` as it opens."""
    opened = stores.Store()
    opened.mark_interrupted()
    return opened


@st.cache_resource(show_spinner=False)
def store_writer() -> stores.StoreWriter:
    """The one writer of this process: every job of the worker goes through it."""
    return stores.StoreWriter(store())


def queue_limits() -> QueueLimits:
    """How many runs may wait: `LOOPLAB_MAX_QUEUED` in all (20), `LOOPLAB_MAX_QUEUED_PER_SESSION`
    per browser (3); and `LOOPLAB_MAX_EXAMPLES`, the most examples one run may train on,
    epochs times examples (100 million).

    Raises:
        ValueError: for a limit that is not a whole number of at least 1, naming it.
    """
    limits = {}
    for name, field in (
        ("LOOPLAB_MAX_QUEUED", "total"),
        ("LOOPLAB_MAX_QUEUED_PER_SESSION", "per_session"),
        ("LOOPLAB_MAX_EXAMPLES", "examples"),
    ):
        given = os.environ.get(name)
        if given is None:
            continue
        if not given.strip().isdigit() or int(given) < 1:
            raise ValueError(f"{name} must be a whole number of at least 1. Received: {given!r}")
        limits[field] = int(given)
    return QueueLimits(**limits)


@st.cache_resource(show_spinner=False)
def worker() -> Worker:
    """The one worker of this process; its thread loads TensorFlow at `Worker.load_engine()`.

    The store opens with the first run, or when app.py asks for it once the first page is
    drawn.
    """

    def new_id(kind: str) -> str:
        return store().new_run_id(kind)

    def follow(job: Job) -> None:
        store_writer().follow(job.log, kind=job.config.kind, owner=OWNER)

    def keep(job: Job, trained) -> None:
        # The trained network into the store's folder; then, once the store holds every row,
        # the run's rows leave memory and its page reads them from the store.
        model = getattr(trained, "model", None)
        if model is not None and job.log.status != FAILED:
            store_writer().save_model(job.run_id, model)
        store_writer().flush()
        job.log.release(store().snapshot)

    return Worker(
        on_ready=keep_keras_session,
        new_id=new_id,
        on_submit=follow,
        on_finished=keep,
        limits=queue_limits(),
        load_now=False,  # app.py lets it load once the first page is drawn
    )
