"""A long run's memory stays flat, and thinning never loses a spike or an example."""

import math

import numpy as np

from trainers import thinning
from trainers.events import RunLog, steps_in


def batch_row(step: int, loss: float) -> dict:
    return {
        "step": step,
        "epoch": step // 100 + 1,
        "batch": step % 100,
        "size": 64 if step % 100 != 99 else 16,  # each epoch's last batch is short
        "lr": 0.01,
        "examples_per_second": 1000.0,
        "seconds": step * 0.01,
        "loss": loss,
        "mean_loss": loss,
    }


def long_run(rows: int, recent: int, spikes: dict[int, float]) -> RunLog:
    log = RunLog("long", {})
    log.keep_recent(recent)
    rng = np.random.default_rng(0)
    for step, noise in enumerate(rng.normal(0, 0.01, rows).tolist()):
        log.emit("batch", step + 1, batch_row(step, spikes.get(step, 1.0 + noise)))
    return log


def test_a_long_run_holds_a_bounded_number_of_rows_and_keeps_its_spikes():
    rows, recent = 200_000, 2_000
    spikes = {12_345: 50.0, 150_000: -3.0, 199_000: math.nan}
    log = long_run(rows, recent, spikes)
    snapshot = log.snapshot()
    batches = snapshot["batches"]

    bound = thinning.STRETCHES * 2 * 4 + 2 * recent  # 4 measured columns: lr, speed, losses
    assert len(batches["step"]) <= bound
    assert snapshot["thinned"] > 0
    assert log.steps == steps_in(batches) == rows
    kept = dict(zip(batches["step"], batches["loss"], strict=True))
    assert kept[12_345] == 50.0 and kept[150_000] == -3.0  # thinned away they would hide
    assert math.isnan(kept[199_000])  # in the recent rows, whole
    assert batches["step"][-recent:] == list(range(rows - recent, rows))
    # Every example is still counted: the sizes of the kept rows add up to all of them.
    assert sum(batches["size"]) == sum(batch_row(step, 0)["size"] for step in range(rows))
    assert batches["step"] == sorted(batches["step"])


def test_thinning_again_keeps_what_the_first_thinning_kept():
    columns = {name: [] for name in batch_row(0, 0)}
    for step in range(10_000):
        for name, value in batch_row(step, 1.0 + (step == 777) * 9).items():
            columns[name].append(value)
    once = thinning.thin(columns, stretches=100)
    twice = thinning.thin(once, stretches=40)
    assert 777 in twice["step"] and max(twice["loss"]) == 10.0
    assert sum(twice["size"]) == sum(columns["size"])
    assert len(twice["step"]) < len(once["step"]) < len(columns["step"])


def test_a_log_that_no_store_follows_keeps_every_row():
    log = RunLog("kept", {})
    for step in range(30_000):
        log.emit("batch", step + 1, batch_row(step, 1.0))
    assert len(log.snapshot()["batches"]["step"]) == 30_000
    assert log.snapshot()["thinned"] == 0
