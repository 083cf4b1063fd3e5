"""`DashboardCallback` records a script's own Keras training in a real store, as the app reads it.

Each test trains a tiny network on real 8×8 digits with plain `fit()` (or a loop from scratch)
and reads the run back from a store of its own in `tmp_path`, as the Runs page does. A script
of another process finds the store as the app does: its data folder's, or the PostgreSQL
server that `LOOPLAB_DATABASE_URL` names.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import trainers
from trainers import DashboardCallback
from trainers.datasets import load_dataset
from trainers.events import BATCH_FIELDS, COMPLETED, DIVERGED, STOPPED
from trainers.store import Store
from trainers.store.paths import DATABASE_URL_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES, BATCH = 300, 64  # 4 full batches and one of 44 per epoch


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", validation_split=0.2, max_examples=EXAMPLES, seed=0)


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'looplab.db'}")


def tiny_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="tiny",
    )
    model.compile(
        keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def test_fit_is_recorded_batch_by_batch_with_each_batchs_own_values(digits, store):
    callback = DashboardCallback(name="my run", store=store)
    history = tiny_model().fit(
        digits.x_train,
        digits.y_train,
        batch_size=BATCH,
        epochs=2,
        validation_data=(digits.x_val, digits.y_val),
        callbacks=[callback],
        verbose=0,
    )

    run = store.run(callback.run_id)
    assert callback.run_id.startswith("script-")
    assert (run["name"], run["kind"], run["owner"], run["status"]) == (
        "my run",
        "script",
        "script",
        COMPLETED,
    )
    assert run["steps"] == 10
    assert run["config"]["architecture"] == "tiny"
    assert run["config"]["optimizer"] == "adam"
    assert run["config"]["epochs"] == 2
    assert run["best"] == {"val_accuracy": max(history.history["val_accuracy"])}

    snapshot = store.snapshot(callback.run_id)
    held = callback.log.snapshot()
    assert held.pop("recording_seconds") > 0  # what recording cost: known to this process only
    assert snapshot == held | {"recording_seconds": None}
    batches = snapshot["batches"]
    assert list(batches)[: len(BATCH_FIELDS)] == list(BATCH_FIELDS)
    # fit() tells callbacks no batch size: the last batch of each epoch is still 44 examples.
    assert batches["size"] == [64, 64, 64, 64, 44] * 2
    assert batches["step"] == list(range(10))
    # Each batch's own loss, weighed by its size, averages to the epoch's loss.
    for epoch, history_loss in zip((1, 2), history.history["loss"], strict=True):
        rows = [i for i, e in enumerate(batches["epoch"]) if e == epoch]
        own = np.array([batches["loss"][i] for i in rows])
        sizes = np.array([batches["size"][i] for i in rows])
        assert np.isclose((own * sizes).sum() / sizes.sum(), history_loss, rtol=1e-5)
    assert [row["epoch"] for row in snapshot["epochs"]] == [1, 2]
    assert snapshot["info"]["parameters"] == 16 * 64 + 16 + 10 * 16 + 10
    assert "tiny" in snapshot["info"]["summary"]
    assert snapshot["info"]["steps_per_epoch"] == 5


def test_a_fit_stopped_early_is_stored_as_stopped(digits, store):
    stop = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch == 1 and setattr(model, "stop_training", True)
    )
    model = tiny_model()
    callback = DashboardCallback(store=store, batch_size=BATCH)
    x, y = digits.x_train, digits.y_train
    model.fit(x, y, batch_size=BATCH, epochs=3, callbacks=[callback, stop], verbose=0)

    run = store.run(callback.run_id)
    assert (run["name"], run["status"], run["steps"]) == (callback.run_id, STOPPED, 2)


def test_a_loop_from_scratch_reports_its_own_values(digits, store):
    model = tiny_model()
    callback = DashboardCallback(name="my loop", store=store)
    callback.set_model(model)
    callback.set_params({"epochs": 1, "steps": 5})
    losses = []
    for step, start in enumerate(range(0, EXAMPLES, BATCH)):
        x, y = digits.x_train[start : start + BATCH], digits.y_train[start : start + BATCH]
        losses.append(float(model.train_on_batch(x, y)[0]))  # any way of training a batch
        assert callback.report_batch(0, step, len(x), own={"loss": losses[-1]})
        if step == 0:  # listed from its first report on
            assert store.run(callback.run_id)["name"] == "my loop"
    callback.report_epoch(0, {"loss": float(np.mean(losses))})
    callback.finish()
    callback.finish()  # twice is harmless

    snapshot = store.snapshot(callback.run_id)
    assert snapshot["status"] == COMPLETED
    assert snapshot["batches"]["loss"] == pytest.approx(losses)
    assert snapshot["batches"]["size"] == [64, 64, 64, 64, 44]
    assert snapshot["config"]["learning_rate"] == pytest.approx(0.01)
    assert snapshot["epochs"] == [{"epoch": 1, "loss": pytest.approx(np.mean(losses))}]


def test_a_script_run_is_in_the_default_store_of_another_process(tmp_path, database_url):
    script = (
        "import numpy as np, keras\n"
        "from trainers import DashboardCallback\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.compile('sgd', 'mse')\n"
        "model.fit(np.ones((40, 3)), np.ones(40), batch_size=8, verbose=0,\n"
        "          callbacks=[DashboardCallback(name='from a script')])\n"
    )
    env = os.environ | {"LOOPLAB_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    if database_url.startswith("postgresql"):  # else the data folder's: tmp_path/looplab.db
        env[DATABASE_URL_VARIABLE] = database_url
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True, timeout=300)

    (run,) = Store(database_url).runs()
    assert (run["name"], run["status"], run["steps"]) == ("from a script", COMPLETED, 5)
    assert run["config"]["script"] == "python"


def test_importing_the_package_leaves_keras_unloaded():
    code = (
        "import sys, trainers, trainers.catalog\n"
        "assert not {'keras', 'tensorflow'} & set(sys.modules), sys.modules.keys()\n"
        "assert trainers.DashboardCallback.__name__ == 'DashboardCallback'\n"
        "assert 'keras' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=300)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        trainers.nothing  # noqa: B018


def test_a_loss_that_is_no_longer_a_number_ends_the_run_as_diverged(store):
    callback = DashboardCallback(store=store)  # a loop that tells it nothing of its model
    assert callback.report_batch(0, 0, 8, own={"loss": 1.0})
    assert not callback.report_batch(0, 1, 8, own={"loss": float("nan")})
    callback.finish()

    run = store.run(callback.run_id)
    assert (run["status"], run["steps"], run["config"]["epochs"]) == (DIVERGED, 2, 0)
