"""The process-wide run registry: one worker thread and every run it has taken.

`st.cache_resource` keeps one `Worker` for the whole Streamlit process, shared by every browser
session, so a run outlives the page that started it and all tabs see the same runs.
"""

import streamlit as st

from trainers.worker import Worker


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


@st.cache_resource
def worker() -> Worker:
    """The one worker of this process (its thread starts loading TensorFlow at once)."""
    return Worker(on_ready=keep_keras_session)
