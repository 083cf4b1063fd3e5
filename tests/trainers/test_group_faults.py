"""A run of a race or a style lab that breaks fails alone; the others train on to their end.

Every failure here is raised by Keras or by the engine itself, in real training on the real
worker. No valid race makes one optimizer raise, so the tests add to the catalog optimizers
whose settings Keras refuses: with `gradient_accumulation_steps=2.5` an SGD optimizer builds,
then raises at its first `apply()` of the gradients, inside the contestant's train step; with
`momentum=1.5` it raises as it is built. A style lab's styles share one optimizer, so there a
learning rate that is not a number, sent while the lab is paused, breaks the style training
then, in its recorder, as it would break a single run.
"""

from __future__ import annotations

import json
import math

import pytest
from streamlit.testing.v1 import AppTest

from trainers import catalog, cli, race, stylelab, summaries
from trainers.control import RunControl
from trainers.events import COMPLETED, DIVERGED, FAILED
from trainers.group import GroupLog, GroupRunConfig

BREAKS_AS_IT_TRAINS = "sgd-accumulating"  # Keras raises at its first apply()
BREAKS_AS_IT_IS_BUILT = "sgd-overshooting"  # Keras refuses a momentum above 1
VIEW_SECONDS = 30


def add_broken_optimizers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adds two optimizers to the catalog whose settings make Keras raise, each its own way."""
    accumulating = catalog.OptimizerInfo("SGD", {"gradient_accumulation_steps": 2.5}, 0.01)
    overshooting = catalog.OptimizerInfo("SGD", {"momentum": 1.5}, 0.01)
    monkeypatch.setitem(catalog.OPTIMIZERS, BREAKS_AS_IT_TRAINS, accumulating)
    monkeypatch.setitem(catalog.OPTIMIZERS, BREAKS_AS_IT_IS_BUILT, overshooting)


@pytest.fixture(scope="module")
def faulty_race(worker):
    """A race queued on the worker in which two of four contestants break: its job."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        add_broken_optimizers(monkeypatch)
        contestants = [
            race.Contestant("sgd", 0.01),
            race.Contestant(BREAKS_AS_IT_TRAINS, 0.01),
            race.Contestant(BREAKS_AS_IT_IS_BUILT, 0.01),
            race.Contestant("adam", 0.001),
        ]
        run = GroupRunConfig(style="train_step", epochs=2, max_examples=256)
        yield race.submit(worker, race.RaceConfig(contestants, run))


def draw_race(snapshot: dict) -> None:
    from components import race_view

    race_view.draw(None, snapshot, False)


def draw_lab(snapshot: dict) -> None:
    from components import lab_view

    lab_view.draw(None, snapshot, False)


def test_a_contestant_that_breaks_fails_alone_and_the_others_race_to_their_end(
    faulty_race, wait_until
):
    wait_until(lambda: faulty_race.log.finished, "the race to end")
    snapshot = faulty_race.log.snapshot()
    runs = snapshot["contestants"]
    trains, built = f"{BREAKS_AS_IT_TRAINS} 0.01", f"{BREAKS_AS_IT_IS_BUILT} 0.01"

    assert {label: run["status"] for label, run in runs.items()} == {
        "sgd 0.01": COMPLETED,
        trains: FAILED,
        built: FAILED,
        "adam 0.001": COMPLETED,
    }
    # The one that broke in its train step: built and started, its error and traceback kept.
    assert runs[trains]["info"]["parameters"] > 0
    assert runs[trains]["error"].startswith("TypeError: ")
    assert "trainers/styles/train_step.py" in runs[trains]["result"]["traceback"]
    # The one whose optimizer Keras refused: it never started.
    assert runs[built]["info"] == {}
    assert runs[built]["error"] == "ValueError: `momentum` must be a float between [0, 1]."
    assert "momentum" in runs[built]["result"]["traceback"]
    # The others trained every step of both epochs, from one start, and left test results.
    steps_per_epoch = snapshot["info"]["steps_per_epoch"]
    for label in ("sgd 0.01", "adam 0.001"):
        assert len(runs[label]["epochs"]) == 2, label
        assert runs[label]["batches"]["step"][-1] + 1 == 2 * steps_per_epoch, label
        assert runs[label]["result"]["test"]["accuracy"] > 0, label
    fingerprints = snapshot["info"]["initial_weights"]
    assert set(fingerprints) == {"sgd 0.01", trains, "adam 0.001"}
    assert len(set(fingerprints.values())) == 1
    # The race ran its course: it completed, and names what broke.
    assert snapshot["status"] == COMPLETED
    assert snapshot["error"] == (
        f"{trains} failed: {runs[trains]['error']}; {built} failed: {runs[built]['error']}"
    )


def test_the_race_view_shows_each_failed_contestant_and_ranks_the_others(faulty_race, wait_until):
    wait_until(lambda: faulty_race.log.finished, "the race to end")
    snapshot = faulty_race.log.snapshot()
    runs = snapshot["contestants"]
    trains, built = f"{BREAKS_AS_IT_TRAINS} 0.01", f"{BREAKS_AS_IT_IS_BUILT} 0.01"

    page = AppTest.from_function(draw_race, args=(snapshot,), default_timeout=VIEW_SECONDS)
    page.run()

    assert not page.exception, page.exception
    errors = [error.value for error in page.error]
    assert errors == [
        snapshot["error"],  # the race's status line
        f"**{trains}** failed: {runs[trains]['error']}",
        f"**{built}** failed: {runs[built]['error']}",
    ]
    assert [expander.label for expander in page.expander] == [
        f"Traceback of {trains}",
        f"Traceback of {built}",
    ]
    board = page.dataframe[0].value
    assert sorted(board["contestant"]) == ["adam 0.001", "sgd 0.01"]
    assert set(board["status"]) == {COMPLETED}


def test_a_diverging_contestant_is_diverged_and_the_others_race_on():
    # Plain SGD at its highest learning rate throws a linear regression's weights to infinity.
    contestants = [race.Contestant("sgd", 10), race.Contestant("adam", 0.001)]
    run = GroupRunConfig(
        dataset="regression", architecture="linear", style="loop_function", epochs=2
    )
    config = race.RaceConfig(contestants, run)
    log = GroupLog.create("test-race", config)
    race.execute(config, log, RunControl())
    snapshot = log.snapshot()

    assert snapshot["status"] == COMPLETED, snapshot["error"]
    assert snapshot["error"] is None
    sgd, adam = snapshot["contestants"]["sgd 10"], snapshot["contestants"]["adam 0.001"]
    assert sgd["status"] == DIVERGED and sgd["error"] is None
    assert not math.isfinite(sgd["batches"]["loss"][-1])
    assert "test" not in sgd["result"]  # a diverged network predicts nothing worth showing
    assert adam["status"] == COMPLETED
    assert adam["batches"]["step"][-1] + 1 == 2 * snapshot["info"]["steps_per_epoch"]
    assert len(sgd["batches"]["step"]) < len(adam["batches"]["step"])
    assert all(math.isfinite(loss) for loss in adam["batches"]["loss"])


def test_a_race_whose_every_contestant_breaks_has_failed(monkeypatch):
    add_broken_optimizers(monkeypatch)
    twin = race.Contestant(BREAKS_AS_IT_IS_BUILT, 0.01)
    config = race.RaceConfig([twin, twin], GroupRunConfig(max_examples=256))
    log = GroupLog.create("test-race", config)
    race.execute(config, log, RunControl())
    snapshot = log.snapshot()

    assert snapshot["status"] == FAILED
    refused = "ValueError: `momentum` must be a float between [0, 1]."
    assert snapshot["error"] == (
        f"{BREAKS_AS_IT_IS_BUILT} 0.01 failed: {refused}; "
        f"{BREAKS_AS_IT_IS_BUILT} 0.01 #2 failed: {refused}"
    )
    assert [run["status"] for run in snapshot["contestants"].values()] == [FAILED, FAILED]


def test_a_style_that_breaks_fails_alone_and_the_lab_completes(worker, wait_until):
    config = stylelab.StyleLabConfig(
        GroupRunConfig(max_examples=256, epochs=2), ["train_step", "loop_function"]
    )
    job = stylelab.submit(worker, config)
    job.control.pause()  # the style training now waits after its batch
    logs = job.log.runs

    def paused() -> list[str]:
        return [s for s, log in logs.items() if any(m["kind"] == "pause" for m in log.marks)]

    wait_until(paused, "a style to pause")
    broken = paused()[0]
    job.control.request("learning_rate", "fast")  # taken by the paused style, which breaks
    wait_until(lambda: logs[broken].finished, f"{broken} to end")
    job.control.resume()
    wait_until(lambda: job.log.finished, "the lab to end")
    snapshot = job.log.snapshot()

    assert snapshot["status"] == COMPLETED
    failed = snapshot["contestants"][broken]
    assert failed["status"] == FAILED
    assert failed["error"] == "ValueError: could not convert string to float: 'fast'"
    assert "trainers/run.py" in failed["result"]["traceback"]
    assert snapshot["error"] == f"{broken} failed: {failed['error']}"
    others = [style for style in config.order if style != broken]
    assert [snapshot["contestants"][style]["status"] for style in others] == [COMPLETED] * 2
    compared = set(snapshot["result"]["max_abs_difference"])
    assert compared == (set() if broken == stylelab.REFERENCE else set(others))
    rows = {row["style"]: row for row in summaries.lab_table(snapshot)}
    assert rows[broken]["status"] == FAILED

    page = AppTest.from_function(draw_lab, args=(snapshot,), default_timeout=VIEW_SECONDS)
    page.run()

    assert not page.exception, page.exception
    errors = [error.value for error in page.error]
    assert errors == [snapshot["error"], f"**{broken}** failed: {failed['error']}"]
    assert [expander.label for expander in page.expander] == [f"Traceback of {broken}"]


def test_the_command_line_race_with_a_broken_contestant_exits_1_and_names_it(
    monkeypatch, tmp_path, capsys
):
    add_broken_optimizers(monkeypatch)
    out, broken = tmp_path / "race", f"{BREAKS_AS_IT_TRAINS} 0.01"
    status = cli.main(
        [
            "race", "--dataset", "digits", "--style", "train_step", "--epochs", "1",
            "--optimizers", f"sgd:0.01,{BREAKS_AS_IT_TRAINS}:0.01", "--max-examples", "256",
            "--out", str(out),
        ]
    )  # fmt: skip

    assert status == 1
    contestants = json.loads((out / "summary.json").read_text())["contestants"]
    sgd = contestants["sgd 0.01"]
    assert (sgd["status"], sgd["error"]) == (COMPLETED, None)
    assert contestants[broken]["status"] == FAILED
    assert contestants[broken]["error"].startswith("TypeError: ")
    assert f"error: {broken} failed: TypeError: " in capsys.readouterr().err
