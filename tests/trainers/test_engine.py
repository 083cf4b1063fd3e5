"""Controls sent from another thread reach a run training on the real worker thread.

A page only leaves requests (stop, pause, a new learning rate); the worker applies them between
two batches and marks each on the run's stream. These tests play the page: they submit real
runs to a real `Worker`, send controls from the test thread and read `log.snapshot()`.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from trainers.config import ConfigError, RunConfig
from trainers.events import COMPLETED, DIVERGED, FAILED, QUEUED, RUNNING, STOPPED

# Long enough that only a control can end it; each batch takes milliseconds.
ENDLESS = {"max_examples": 1024, "epochs": 100}
QUICK = {"max_examples": 128, "epochs": 1}


@pytest.fixture
def submit(worker, wait_until):
    """`submit(**settings)` queues a run on the worker; the test's runs are stopped at its end."""
    jobs = []

    def queue(**settings):
        job = worker.submit(RunConfig(**settings))
        jobs.append(job)
        return job

    yield queue
    for job in jobs:
        job.control.stop()
    for job in jobs:
        wait_until(lambda job=job: job.log.finished, f"{job.run_id} to end")


def kinds(marks: list[dict]) -> list[str]:
    return [mark["kind"] for mark in marks]


def test_stop_ends_the_run_within_a_batch(submit, wait_until):
    job = submit(style="train_step", **ENDLESS)
    wait_until(lambda: job.log.steps >= 3, "three batches")

    before = job.log.steps
    job.control.stop()
    wait_until(lambda: job.log.finished, "the run to stop")

    snapshot = job.log.snapshot()
    assert snapshot["status"] == STOPPED and snapshot["error"] is None
    trained = len(snapshot["batches"]["step"])
    assert trained - before <= 2
    assert kinds(snapshot["marks"]) == ["stop"] and snapshot["marks"][0]["step"] == trained
    # A stopped run still shows its results: every held-out example is in the confusion matrix.
    result = snapshot["result"]
    assert 0 <= result["test"]["accuracy"] <= 1
    examples = snapshot["info"]["examples"]["validation"]
    assert result["split"] == "validation" and sum(map(sum, result["confusion"])) == examples


def test_pause_holds_the_run_until_resume(submit, wait_until):
    job = submit(style="loop_function", **ENDLESS)
    wait_until(lambda: job.log.steps >= 2, "two batches")

    job.control.pause()
    wait_until(lambda: "pause" in kinds(job.log.marks), "the pause to take effect")
    paused_at = job.log.marks[0]["step"]
    assert job.log.steps == paused_at
    time.sleep(1.0)
    assert job.log.steps == paused_at  # not one batch while paused

    job.control.resume()
    wait_until(lambda: job.log.steps >= paused_at + 2, "two batches after resuming")
    job.control.stop()
    wait_until(lambda: job.log.finished, "the run to stop")

    snapshot = job.log.snapshot()
    assert kinds(snapshot["marks"]) == ["pause", "resume", "stop"]
    pause, resume, _ = snapshot["marks"]
    assert pause["step"] == resume["step"] == paused_at
    # The time axis leaves the pause out: the batch after it follows as if nothing happened.
    seconds = snapshot["batches"]["seconds"]
    assert seconds[paused_at] - seconds[paused_at - 1] < 0.8
    assert resume["seconds"] - pause["seconds"] < 0.8


def test_a_new_learning_rate_shows_from_the_next_batch(submit, wait_until):
    job = submit(style="train_step", **ENDLESS)
    wait_until(lambda: job.log.steps >= 2, "two batches")

    job.control.set_learning_rate(0.0002)
    wait_until(lambda: "learning_rate" in kinds(job.log.marks), "the change to take effect")
    changed_at = job.log.marks[0]["step"]
    wait_until(lambda: job.log.steps >= changed_at + 2, "two batches at the new rate")
    job.control.stop()
    wait_until(lambda: job.log.finished, "the run to stop")

    snapshot = job.log.snapshot()
    mark = snapshot["marks"][0]
    assert (mark["kind"], mark["value"]) == ("learning_rate", 0.0002)
    rates = snapshot["batches"]["lr"]
    assert rates[:changed_at] == pytest.approx([0.001] * changed_at)
    assert rates[changed_at:] == pytest.approx([0.0002] * (len(rates) - changed_at))


def test_runs_wait_their_turn(worker, submit, wait_until):
    first = submit(**ENDLESS)
    second = submit(**QUICK)
    third = submit(**QUICK)
    turns = []
    for job in (first, second, third):
        job.log.subscribe(
            lambda event, run_id=job.run_id: (
                event.kind in ("start", "end") and turns.append((run_id, event.kind))
            )
        )
    wait_until(lambda: first.log.status == RUNNING, "the first run to start")

    assert worker.active is first
    assert (worker.position(second), worker.position(third)) == (1, 2)
    assert second.log.status == third.log.status == QUEUED and second.log.steps == 0
    third.control.stop()  # leaves the queue without training
    first.control.stop()
    wait_until(lambda: third.log.finished, "the queue to empty")

    assert (first.log.status, second.log.status, third.log.status) == (
        STOPPED,
        COMPLETED,
        STOPPED,
    )
    assert second.log.steps == 2 and third.log.steps == 0
    assert turns == [
        (first.run_id, "start"),
        (first.run_id, "end"),
        (second.run_id, "start"),
        (second.run_id, "end"),
        (third.run_id, "end"),
    ]
    assert worker.position(second) == 0 and worker.active is None


def test_a_failing_run_says_why_and_the_worker_serves_the_next(submit, wait_until, tmp_path):
    missing = submit(dataset=str(tmp_path / "missing.npz"), **QUICK)
    # Learning rate 10 with plain SGD: the linear model's loss overflows within a few batches.
    diverging = submit(
        dataset="regression",
        architecture="linear",
        style="loop_function",
        optimizer="sgd",
        learning_rate=10,
        epochs=20,
        max_examples=256,
    )
    wait_until(lambda: diverging.log.finished, "the diverging run to end")

    assert missing.log.status == FAILED and missing.log.steps == 0
    assert "No .npz file at" in missing.log.error and "missing.npz" in missing.log.error
    snapshot = diverging.log.snapshot()
    assert snapshot["status"] == DIVERGED and snapshot["error"] is None
    losses = snapshot["batches"]["loss"]
    assert not np.isfinite(losses[-1]) and losses[-2] > 1000 * losses[0]
    assert len(losses) < 20 * 4  # it stopped as soon as the loss stopped being a number

    # What the run's page says of each: the failure's message, the divergence's hint.
    from streamlit.testing.v1 import AppTest

    from components.run_view import DIVERGED_HINT

    failed = f"The run failed: {missing.log.error}"
    for job, shown in ((missing, failed), (diverging, DIVERGED_HINT)):
        page = AppTest.from_function(draw_run, args=(job.log.snapshot(),), default_timeout=30)
        page.run()
        assert not page.exception, page.exception
        assert shown in [box.value for box in (*page.error, *page.warning)]


def draw_run(snapshot: dict) -> None:
    from components import run_view

    run_view.draw(None, snapshot, False)


def test_the_worker_refuses_a_run_that_cannot_work(worker):
    queued = len(worker.jobs())
    with pytest.raises(ConfigError, match="Styles that can: 'gan_fit' or 'gan_loop'"):
        worker.submit(RunConfig(architecture="dcgan", style="fit"))
    assert len(worker.jobs()) == queued


def test_a_run_started_before_the_engine_has_loaded_waits_for_it_then_trains(wait_until):
    from trainers.worker import Worker

    waiting = Worker(name="looplab-waiting-worker", load_now=False)  # as a web server's worker
    assert not waiting.is_ready
    job = waiting.submit(RunConfig(**QUICK))  # Start, pressed before it has loaded

    wait_until(lambda: job.log.finished, "the run queued before the engine was ready to end")
    assert waiting.is_ready and job.log.status == COMPLETED and job.log.steps == 2


def test_a_run_whose_code_raises_fails_with_its_traceback_and_the_next_run_trains(
    worker, wait_until
):
    from trainers import engine

    @engine.guarded
    def breaks(config, log, control):
        log.emit("start", 0, {})
        raise RuntimeError("a bug in the training code")

    broken = worker.submit(RunConfig(**QUICK), execute=breaks)
    after = worker.submit(RunConfig(**QUICK))
    wait_until(lambda: after.log.finished, "the run after the broken one to end")

    assert broken.log.status == FAILED
    assert broken.log.error == "RuntimeError: a bug in the training code"
    assert 'raise RuntimeError("a bug in the training code")' in broken.log.result["traceback"]
    assert after.log.status == COMPLETED


@pytest.mark.parametrize("allocator", ["tensorflow", "numpy"])
def test_a_run_out_of_memory_fails_saying_so_and_the_next_run_trains(worker, wait_until, allocator):
    from trainers import engine

    @engine.guarded
    def huge_batch(config, log, control):  # a real allocation, far beyond any machine
        log.emit("start", 0, {})
        if allocator == "tensorflow":
            import tensorflow as tf

            tf.zeros([2**30, 2**30])
        np.empty(2**62, dtype=np.uint8)

    broken = worker.submit(RunConfig(**QUICK), execute=huge_batch)
    after = worker.submit(RunConfig(**QUICK))
    wait_until(lambda: after.log.finished, "the run after the one out of memory to end")

    assert broken.log.status == FAILED
    assert broken.log.error.startswith("The run ran out of memory. Try a smaller batch size")
    assert ("OOM when allocating" if allocator == "tensorflow" else "Unable to allocate") in (
        broken.log.error
    )
    assert after.log.status == COMPLETED


def test_a_stop_cuts_a_validation_pass_short_in_every_kind_of_loop():
    import keras

    from trainers import engine
    from trainers.control import RunControl
    from trainers.events import RunLog

    config = RunConfig(dataset="digits", batch_size=8, validation_split=0.5)
    control = RunControl()
    run = engine.prepare(config, engine.load_data(config), RunLog("run-1", {}), control)
    x_val, y_val = run.validation_data()
    batches = -(-len(x_val) // 8)
    assert len(list(run.validation_batches())) == batches > 100  # a whole pass, unstopped

    class Counted(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            self.count = 0

        def on_test_batch_end(self, batch, logs=None):
            self.count += 1

    counted = Counted()
    run.model.compile(loss="sparse_categorical_crossentropy")  # as a fit() style does
    evaluate = {"batch_size": 8, "verbose": 0, "callbacks": [run.stops_evaluating(), counted]}
    run.model.evaluate(x_val, y_val, **evaluate)
    assert counted.count == batches

    control.stop()
    assert list(run.validation_batches()) == []  # the custom loops' validation
    run.model.evaluate(x_val, y_val, **evaluate)  # fit()'s and evaluate()'s
    assert counted.count == 1
