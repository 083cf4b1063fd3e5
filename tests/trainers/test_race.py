"""The optimizer race and the style lab, on real Keras training on real MNIST digits.

A race is fair: every contestant starts from the same weights and sees the same batches in the
same order, so two identical contestants tie at every step, and the better optimizer wins.
The style lab shows that the styles built on one arithmetic end with the same weights. The
command line writes a race's summary and per-batch files.
"""

import json

import pytest

from trainers import catalog, cli, race, stylelab, summaries
from trainers.control import RunControl
from trainers.events import COMPLETED, STOPPED
from trainers.group import GroupLog, GroupRunConfig


def run_race(config: race.RaceConfig) -> dict:
    log = GroupLog.create("test-race", config)
    race.execute(config, log, RunControl())
    return log.snapshot()


def test_contestants_start_from_the_same_weights_and_see_the_same_batches():
    twin = race.Contestant("sgd", 0.01)
    config = race.RaceConfig(
        [twin, twin, race.Contestant("adam", 0.001)], GroupRunConfig(style="fit", max_examples=256)
    )
    snapshot = run_race(config)

    assert snapshot["status"] == COMPLETED, snapshot["error"]
    assert list(snapshot["contestants"]) == ["sgd 0.01", "sgd 0.01 #2", "adam 0.001"]
    fingerprints = snapshot["info"]["initial_weights"]
    assert len(set(fingerprints.values())) == 1, fingerprints
    # Same start, same batches, same order, same optimizer: the twins tie at every step.
    first, second, adam = (run["batches"] for run in snapshot["contestants"].values())
    assert first["loss"] == second["loss"]
    assert first["size"] == second["size"] == adam["size"]
    # Before any update the losses are equal too: the same weights saw the same first batch.
    assert first["loss"][0] == pytest.approx(adam["loss"][0], abs=1e-6)
    assert first["loss"][1:] != adam["loss"][1:]


def test_adam_leads_sgd_at_the_same_learning_rate_after_one_epoch():
    contestants = [race.Contestant("sgd", 1e-3), race.Contestant("adam", 1e-3)]
    snapshot = run_race(race.RaceConfig(contestants, GroupRunConfig(style="train_step")))

    assert snapshot["status"] == COMPLETED, snapshot["error"]
    board = summaries.leaderboard(snapshot, target=0.8)
    assert [row["contestant"] for row in board] == ["adam 0.001", "sgd 0.001"], board
    adam, sgd = board
    assert adam["steps"] == sgd["steps"] == 71  # 4,500 training digits in batches of 64
    assert adam["best val accuracy"] > sgd["best val accuracy"] + 0.2
    assert adam["steps to target"] is not None and sgd["steps to target"] is None, board
    assert adam["ms per step"] > 0 and sgd["ms per step"] > 0


def test_stop_ends_every_contestant_after_the_same_step(worker, wait_until):
    contestants = [race.Contestant("sgd", 0.01), race.Contestant("rmsprop", 0.001)]
    run = GroupRunConfig(style="loop_function", epochs=500, max_examples=256)
    job = race.submit(worker, race.RaceConfig(contestants, run))
    logs = list(job.log.runs.values())
    wait_until(lambda: all(log.steps >= 3 for log in logs), "both contestants to train")

    job.control.stop()
    wait_until(lambda: job.log.finished, "the race to stop")

    assert job.log.status == STOPPED
    assert [log.status for log in logs] == [STOPPED, STOPPED]
    assert logs[0].steps == logs[1].steps


def test_a_pause_and_a_new_learning_rate_reach_every_contestant_after_the_same_step(
    worker, wait_until
):
    contestants = [race.Contestant("sgd", 0.01), race.Contestant("adam", 0.001)]
    run = GroupRunConfig(style="train_step", epochs=500, max_examples=256)
    job = race.submit(worker, race.RaceConfig(contestants, run))
    logs = job.log.runs  # label -> that contestant's log

    def marked(kind: str) -> list[list[dict]]:
        return [[mark for mark in log.marks if mark["kind"] == kind] for log in logs.values()]

    wait_until(lambda: all(log.steps >= 2 for log in logs.values()), "both contestants to train")
    job.control.pause()
    wait_until(lambda: all(marked("pause")), "every contestant to pause")
    paused_at = {log.steps for log in logs.values()}
    job.control.set_learning_rate(0.0005)
    wait_until(lambda: all(marked("learning_rate")), "every contestant to take the new rate")
    assert {log.steps for log in logs.values()} == paused_at  # none trained while paused
    job.control.resume()
    changed_at = marked("learning_rate")[0][0]["step"]
    wait_until(
        lambda: all(log.steps >= changed_at + 2 for log in logs.values()),
        "two batches at the new rate",
    )
    job.control.stop()
    wait_until(lambda: job.log.finished, "the race to stop")

    snapshot = job.log.snapshot()
    assert job.log.status == STOPPED
    for contestant, (label, entry) in zip(contestants, snapshot["contestants"].items()):
        changes = [mark for mark in entry["marks"] if mark["kind"] == "learning_rate"]
        assert [(mark["step"], mark["value"]) for mark in changes] == [(changed_at, 0.0005)], label
        rates = entry["batches"]["lr"]
        assert rates[:changed_at] == pytest.approx([contestant.learning_rate] * changed_at), label
        assert rates[changed_at:] == pytest.approx([0.0005] * (len(rates) - changed_at)), label
        kinds = [(mark["kind"], mark["step"]) for mark in entry["marks"]][:3]
        assert kinds == [
            ("pause", changed_at),
            ("learning_rate", changed_at),
            ("resume", changed_at),
        ]
        assert "stop" in [mark["kind"] for mark in entry["marks"]], label


def test_the_style_lab_finds_the_styles_equal_and_the_compiled_loop_faster():
    styles = catalog.classifier_styles()
    # mlp-logits has no Dropout: fit_mirrored's two replicas would draw their own masks.
    run = GroupRunConfig(architecture="mlp-logits", max_examples=640)
    config = stylelab.StyleLabConfig(run, styles)
    log = GroupLog.create("test-lab", config)
    stylelab.execute(config, log, RunControl())
    snapshot = log.snapshot()

    assert snapshot["status"] == COMPLETED, snapshot["error"]
    assert snapshot["result"]["same_initial_weights"]
    rows = {row["style"]: row for row in summaries.lab_table(snapshot)}
    assert list(rows) == styles
    for style, row in rows.items():
        assert row["max |Δw| vs fit"] <= summaries.EQUAL_WITHIN, style
        assert row["same as fit"], style
        assert row["steps"] == 10 and row["ms per step"] > 0
    assert summaries.speedup(snapshot) > 1


def test_the_command_line_race_writes_a_summary_with_equal_fingerprints(tmp_path, capsys):
    out = tmp_path / "race"
    status = cli.main(
        [
            "race", "--dataset", "mnist-5k", "--arch", "mlp", "--style", "train_step",
            "--optimizers", "sgd:0.01,adam:0.001", "--epochs", "1", "--batch-size", "64",
            "--seed", "0", "--max-examples", "320", "--out", str(out),
        ]
    )  # fmt: skip

    assert status == 0
    summary = json.loads((out / "summary.json").read_text())
    contestants = summary["contestants"]
    assert list(contestants) == ["sgd 0.01", "adam 0.001"]
    assert summary["same_initial_weights"]
    assert len({entry["initial_weights"] for entry in contestants.values()}) == 1
    for entry in contestants.values():
        assert entry["status"] == COMPLETED and entry["ms_per_step"] > 0
        assert set(entry["validation"]) == {"loss", "accuracy"}
        lines = (out / entry["metrics_csv"]).read_text().splitlines()
        assert lines[0].split(",")[:4] == ["step", "examples", "seconds", "ms_per_step"]
        assert len(lines) == 1 + entry["steps"] == 1 + 5


def test_the_command_line_refuses_an_unknown_optimizer_listing_the_valid_ones(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["race", "--optimizers", "sgd,adamax", "--out", str(tmp_path / "x")])

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "Unknown optimizer" in error and "'lion'" in error and "'adamax'" in error
    assert not (tmp_path / "x").exists()
