"""The Runs page's plain helpers: table rows, filters, groups, and the curves of an overlay."""

from __future__ import annotations

from datetime import datetime

from components import overlay_view, run_facts, runs_table

ENGINE_RUN = {
    "dataset": "mnist-5k",
    "architecture": "mlp",
    "style": "train_step",
    "optimizer": "adam",
    "learning_rate": 0.001,
}
RACE = {"dataset": "digits", "architecture": "mlp", "style": "fit", "contestants": {}}
RACE["contestants"] = {"sgd 0.01": {}, "adam 0.001": {}}
SCRIPT = {
    "script": "train.py",
    "architecture": "tiny",
    "optimizer": "rmsprop",
    "learning_rate": 0.1,
}


def stored(run_id: str, config: dict, created: float, **row) -> dict:
    """A row as `Store.runs()` gives it."""
    return {
        "run_id": run_id,
        "name": run_id,
        "label": None,
        "kind": run_id.split("-")[0],
        "parent": None,
        "status": "completed",
        "config": config,
        "tags": [],
        "created": created,
        "started": created + 1,
        "ended": created + 61,
        "steps": 20,
        "best": {},
        "owner": "app",
    } | row


def race_run(label: str, created: float) -> dict:
    return stored(f"race-2/{label}", RACE, created, label=label, name=label, parent="race-2")


RUNS = [
    stored("script-4", SCRIPT, 40.0, name="my run", owner="script", status="running", ended=None),
    race_run("adam 0.001", 21.0),
    stored("race-2", RACE, 20.0, best={"val_accuracy": 0.91}),
    race_run("sgd 0.01", 20.5),
    stored("run-1", ENGINE_RUN, 10.0, status="failed", tags=["baseline"]),
]


def test_every_kind_of_run_is_described_in_one_line():
    assert run_facts.describe(ENGINE_RUN) == "train_step · mlp on mnist-5k · adam, lr 0.001"
    assert run_facts.describe(RACE) == "fit · mlp on digits · sgd 0.01 vs adam 0.001"
    assert run_facts.describe(SCRIPT) == "script train.py · tiny · rmsprop, lr 0.1"
    lab = {"styles": ["fit", "trainer"], "architecture": "mlp", "optimizer": "adam"}
    assert run_facts.describe(lab) == "fit, trainer · mlp · adam"


def test_groups_are_followed_by_their_runs_newest_first():
    ordered = [run["run_id"] for run in run_facts.in_groups(RUNS)]
    assert ordered == ["script-4", "race-2", "race-2/sgd 0.01", "race-2/adam 0.001", "run-1"]


def test_a_row_says_what_a_run_trained_how_it_ended_and_how_long_it_took():
    row = runs_table.row(RUNS[2])
    assert row | {"date": None} == {
        "name": "race-2",
        "run": "race-2",
        "dataset": "digits",
        "architecture": "mlp",
        "style": "fit",
        "optimizer": "sgd 0.01 vs adam 0.001",
        "status": "completed",
        "best": 0.91,
        "best of": "val_accuracy",
        "steps": None,
        "duration": 60.0,
        "date": None,
        "tags": [],
        "by": "app",
    }
    assert row["date"] == datetime.fromtimestamp(21.0)
    assert runs_table.row(RUNS[3])["name"] == "↳ sgd 0.01"
    assert runs_table.row(RUNS[0], now=100.0)["duration"] == 59.0  # live: up to now


def test_filters_keep_a_group_with_all_its_runs():
    def ids(text="", statuses=()):
        return [run["run_id"] for run in runs_table.listed(RUNS, text, statuses)]

    assert ids("SGD") == ["race-2", "race-2/sgd 0.01", "race-2/adam 0.001"]
    assert ids("my run") == ids("train.py") == ["script-4"]
    assert ids("baseline mnist") == ["run-1"]
    assert ids(statuses=("running", "failed")) == ["script-4", "run-1"]
    assert ids("mlp", ("failed",)) == ["run-1"]
    assert ids("nothing like it") == []


def test_an_overlay_draws_a_groups_runs_each_under_a_label_of_its_own():
    picked = ["race-2", "script-4", "run-1"]
    assert overlay_view.curves(RUNS, picked) == {
        "race-2 · adam 0.001": "race-2/adam 0.001",
        "race-2 · sgd 0.01": "race-2/sgd 0.01",
        "my run (script-4)": "script-4",
        "run-1": "run-1",
    }


def test_an_overlay_offers_the_metrics_its_runs_log():
    gan = {"batches": {"step": [0], "d_loss": [1.0], "g_loss": [2.0], "mean_d_loss": [1.0]}}
    classifier = {"batches": {"step": [0], "accuracy": [0.1], "loss": [2.0]}}
    waiting = {"batches": {}, "config": {"architecture": "mlp", "dataset": "regression"}}
    assert overlay_view.metric_choices([gan, classifier, waiting]) == [
        "d_loss",
        "g_loss",
        "loss",
        "accuracy",
    ]
    assert overlay_view.metric_choices([waiting]) == ["loss", "mae"]
