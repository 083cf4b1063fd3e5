"""The Train page, driven through Streamlit's AppTest with the real worker training real data.

Runs are tiny (a few hundred scikit-learn digits, which load at once) so each test trains for
seconds; the browser test trains on mnist-5k. The worker is the
process-wide `st.cache_resource` one, shared with every AppTest in this process, as it would be
shared by every browser tab.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.registry import worker
from components.shared import FRESH_SECONDS
from trainers.config import RunConfig
from trainers.settings import settings_of

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "train.py")
ENGINE_READY_SECONDS = 120  # TensorFlow loads on the worker thread, slowly on a busy machine


@pytest.fixture
def page(until) -> AppTest:
    """The Train page, drawn once the worker has loaded TensorFlow (so Start can be enabled).

    Afterwards every run still paused, training or queued is stopped, so that a test that
    failed midway does not hold the shared worker from the tests after it.
    """
    worker().load_engine()  # as app.py does once its first page is drawn
    assert worker().ready.wait(ENGINE_READY_SECONDS), "the worker did not load TensorFlow"
    yield AppTest.from_file(PAGE, default_timeout=60).run()
    left = [job for job in worker().jobs() if not job.log.finished]
    for job in left:
        job.control.stop()
        job.control.resume()
    until(lambda: all(job.log.finished for job in left), 120, "the test's runs to stop")


def job_of(page: AppTest):
    return worker().job(page.session_state["train_job"])


@pytest.fixture
def wait_until(page: AppTest, until):
    """`wait_until(condition, seconds=60, what="")`: waits for the runs, then reruns the page.

    The rerun draws what the page's timer would have drawn by then.
    """

    def wait(condition, seconds: float = 60, what: str = "") -> None:
        until(condition, seconds, what)
        page.run()

    return wait


@pytest.fixture
def until_shown(page: AppTest):
    """`until_shown(condition, what, seconds=30)`: reruns the page until `condition(page)`.

    Sessions share a snapshot of the moment, at most `FRESH_SECONDS` old, and a paused run
    records no events to wait on: so the page is drawn again until it shows what is expected,
    and an exception on it fails at once.
    """

    def wait(condition, what: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while True:
            page.run()
            assert not page.exception, page.exception[0].value
            if condition(page):
                return
            shown = [getattr(element, "value", element.type) for element in page.main]
            assert time.monotonic() < deadline, f"waited {seconds} s for {what}; shown: {shown}"
            time.sleep(FRESH_SECONDS / 5)  # the shared snapshot's next moment

    return wait


def steps_shown(page: AppTest) -> int | None:
    """The step count the progress bar shows, e.g. 12 in "epoch 1/50 · step 12/400 · ...";
    None without a progress bar."""
    bars = page.get("progress")
    return int(re.search(r"step (\d+)", bars[0].proto.text).group(1)) if bars else None


def test_the_page_modules_load_without_tensorflow():
    # The Train page must show its controls in seconds: importing TensorFlow takes ~10.
    code = (
        "import sys\n"
        "import components.controls, components.run_view, components.registry, components.live\n"
        "import components.race_view, components.lab_view, components.gan_view\n"
        "import components.figures, components.settings_input\n"
        "assert 'tensorflow' not in sys.modules, 'a page imported TensorFlow'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_the_widgets_make_the_run_that_starts_and_it_trains_to_results(page, wait_until):
    page.selectbox(key="dataset").select("digits").run()
    page.selectbox(key="style").select("train_on_batch").run()
    page.selectbox(key="optimizer").select("sgd").run()
    assert page.number_input(key="learning_rate").value == 0.01  # the optimizer's own
    page.number_input(key="batch_size").set_value(32)
    page.number_input(key="epochs").set_value(2)
    page.number_input(key="seed").set_value(3)
    page.number_input(key="val_split").set_value(0.2)
    page.number_input(key="max_examples").set_value(200)
    page.radio(key="class_weight").set_value("balanced")
    page.run()
    page.number_input(key="halve_lr_epoch").set_value(2).run()

    page.button(key="train_job_start").click().run()

    assert job_of(page).config == RunConfig(
        dataset="digits",
        architecture="mlp",
        style="train_on_batch",
        optimizer="sgd",
        learning_rate=0.01,
        batch_size=32,
        epochs=2,
        seed=3,
        validation_split=0.2,
        class_weight="balanced",
        halve_lr_epoch=2,
        max_examples=200,
    )
    wait_until(lambda: job_of(page).log.finished, what="the run to end")
    assert not page.exception and not page.error
    assert job_of(page).log.status == "completed"
    assert [m.label for m in page.metric][:2] == ["validation loss", "validation accuracy"]
    assert any("Misclassified validation examples" in m.value for m in page.markdown)
    assert page.get("progress")[0].proto.text.startswith("completed")


def test_the_untouched_setup_starts_the_first_paints_default_run(page):
    # A session's first paint offers Start before the setup is drawn (components.first_paint):
    # the run it starts must be the one the setup describes before anyone changes it.
    page.button(key="train_job_start").click().run()

    assert job_of(page).config == RunConfig()


@pytest.mark.parametrize(
    "settings, explanation",
    [
        ({"learning_rate": 0.0}, "learning_rate must be a number greater than 0"),
        ({"epochs": 2, "halve_lr_epoch": 5}, "halve_lr_epoch must be a number"),
    ],
)
def test_a_run_that_cannot_work_is_explained_and_cannot_start(page, settings, explanation):
    page.selectbox(key="style").select("train_on_batch").run()
    for key, value in settings.items():
        page.number_input(key=key).set_value(value).run()

    assert explanation in page.error[0].value
    assert page.button(key="train_job_start").disabled


def test_the_number_inputs_take_their_labels_bounds_and_defaults_from_the_run_settings(page):
    settings = settings_of(RunConfig)
    split = page.number_input(key="val_split")

    assert (split.label, split.value) == ("Validation split", settings["validation_split"].default)
    assert (split.min, split.max) == (0, settings["validation_split"].high)  # 0.95 cannot be typed
    for key in ("batch_size", "epochs", "seed", "max_examples"):
        widget = page.number_input(key=key)
        assert (widget.label, widget.value) == (settings[key].label, settings[key].default)


def test_pause_holds_the_run_a_second_start_queues_and_stop_ends_it(page, wait_until, until_shown):
    page.selectbox(key="dataset").select("digits").run()
    page.number_input(key="epochs").set_value(50)
    page.number_input(key="max_examples").set_value(500).run()
    page.button(key="train_job_start").click().run()
    first = job_of(page)
    wait_until(lambda: first.log.steps > 2, seconds=90, what="the first batches")

    page.button(key="pause").click().run()
    assert page.button(key="resume")  # the button turns into Resume at once
    wait_until(lambda: any(m["kind"] == "pause" for m in first.log.marks), what="pause")
    held = first.log.steps
    until_shown(lambda page: steps_shown(page) == held, f"the paused run's step {held}")

    # A paused run still takes requests between batches: once the new learning rate is marked,
    # the worker has been round its pause loop, and no batch may have trained meanwhile.
    page.number_input(key=f"new_learning_rate-{first.run_id}").set_value(0.0005)
    page.button(key="apply_learning_rate").click().run()
    wait_until(lambda: first.log.marks[-1]["kind"] == "learning_rate", what="the new lr")
    pause, rate = first.log.marks[-2:]
    assert rate["value"] == 0.0005
    assert rate["step"] == pause["step"] and first.log.steps == held

    # A second run while the first holds the worker.
    page.button(key="train_job_start").click().run()
    assert "Queued: 1 run before this one" in page.info[0].value
    page.button(key="stop").click().run()  # stops the queued one before it starts
    assert job_of(page).control.stop_requested

    first.control.resume()
    first.control.stop()
    wait_until(lambda: first.log.finished and job_of(page).log.finished, what="both runs to end")
    assert first.log.status == "stopped" and job_of(page).log.status == "stopped"
    until_shown(lambda page: any("stopped" in w.value for w in page.warning), "'stopped'")


def test_a_run_on_two_worker_processes_starts_here_and_says_how_it_spreads(page, wait_until):
    page.selectbox(key="dataset").select("digits").run()
    page.selectbox(key="style").select("loop_multiworker").run()
    assert page.number_input(key="workers").value == 2
    assert any(
        "Global batch 128: 64 examples on each of 2 workers" in c.value for c in page.caption
    )
    page.number_input(key="epochs").set_value(1)
    page.number_input(key="max_examples").set_value(256).run()

    page.button(key="train_job_start").click().run()

    assert job_of(page).config.workers == 2
    wait_until(lambda: job_of(page).log.finished, seconds=300, what="the workers' run to end")
    assert job_of(page).log.status == "completed", job_of(page).log.error
    assert job_of(page).log.batches["size"][0] == 128  # the chief's global batches, relayed
    assert any("2 workers, global batch 128" in m.value for m in page.markdown)
