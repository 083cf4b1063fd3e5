"""A script of one's own shows on the Runs page while it trains: `DashboardCallback` end to end.

A real Python process, started from a file outside the checkout, trains a small Keras network
on real mnist-5k digits with plain `fit()` and `DashboardCallback(name="my run")`. The real
server lists it on the Runs page as running, and its loss chart gains points on its own; since
the dashboard does not own that process, it offers no Stop and no Pause.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_browser import assert_no_exception, wait_for_growth

ROOT = Path(__file__).resolve().parents[1]
LISTED_SECONDS = 120  # the script loads TensorFlow and mnist-5k before its first batch
# Trains until the test stops it: a few hundred batches a second at the most.
SCRIPT = """
import time

import keras

from trainers import DashboardCallback
from trainers.datasets import load_dataset

data = load_dataset("mnist-5k", max_examples=1000, seed=0)
model = keras.Sequential(
    [
        keras.Input(data.x_train.shape[1:]),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
breathe = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: time.sleep(0.005))
model.fit(
    data.x_train,
    data.y_train,
    batch_size=32,
    epochs=1000,
    verbose=0,
    callbacks=[DashboardCallback(name="my run"), breathe],
)
"""


@pytest.fixture
def training_script(tmp_path):
    """The script, training in its own process (in the session's `LOOPLAB_HOME`)."""
    path = tmp_path / "my_script.py"
    path.write_text(SCRIPT)
    env = os.environ | {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    script = subprocess.Popen([sys.executable, str(path)], cwd=tmp_path, env=env)
    yield script
    script.terminate()
    script.wait(timeout=30)


@pytest.mark.browser
def test_a_script_with_the_callback_is_listed_and_drawn_live(app_url, training_script, page):
    page.goto(f"{app_url}/runs")
    cells = page.locator('[data-testid="stDataFrame"] tr')
    mine = cells.filter(has=page.locator("td", has_text=re.compile(r"^my run$")))
    running = mine.filter(has=page.locator("td", has_text=re.compile(r"^running$")))
    expect(running).to_have_count(1, timeout=LISTED_SECONDS * 1000)
    run_id = running.locator("td", has_text=re.compile(r"^script-\d+$")).inner_text()

    page.locator('[data-testid="stSelectbox"]').filter(has_text="Open a run").click()
    page.get_by_role("option", name=f"my run ({run_id}) · running").click()
    first = wait_for_growth(page, beyond=-1)
    second = wait_for_growth(page, beyond=first)  # the chart gains points on its own
    expect(page.get_by_text("drawn live from the store, read-only")).to_be_visible()
    for button in ("Stop", "Pause", "Resume"):
        expect(page.get_by_role("button", name=button)).to_have_count(0)
    assert training_script.poll() is None, "the script ended before the test did"
    wait_for_growth(page, beyond=second)  # still live (a redraw may hold no chart for a moment)
    assert_no_exception(page)
