"""Streamlit clears Keras' session after every script run; a run on the worker must survive it."""

import threading

from streamlit.runtime.scriptrunner.script_runner import _clean_problem_modules

from components.registry import keep_keras_session


def build_across_a_script_run() -> str:
    """Builds a model on another thread while Streamlit's after-run cleanup happens midway."""
    import keras

    outcome = {}

    def build():
        try:
            first = keras.layers.Dense(4)
            _clean_problem_modules()  # what Streamlit does after each script run
            second = keras.layers.Dense(4)
            keras.Sequential([keras.Input((3,)), first, second])
            outcome["result"] = "built"
        except ValueError as error:
            outcome["result"] = str(error)

    thread = threading.Thread(target=build)
    thread.start()
    thread.join()
    return outcome["result"]


def test_worker_models_survive_streamlits_keras_cleanup():
    import keras
    from keras.src.backend.common.global_state import clear_session

    original = keras.backend.clear_session  # the app's worker may have replaced it already
    keras.backend.clear_session = clear_session  # Keras' own, as Streamlit finds it
    try:
        # Without the guard, the cleanup resets the layer names under the building thread.
        assert "unique names" in build_across_a_script_run()
        keep_keras_session()
        assert build_across_a_script_run() == "built"
    finally:
        keras.backend.clear_session = original
