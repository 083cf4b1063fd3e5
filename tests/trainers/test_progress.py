"""The progress line: how far a run has come and how long it has left."""

import pytest

from trainers.progress import overhead_text, progress_text


def make_snapshot(steps, epochs_done=0, status="running", marks=(), **config):
    return {
        "config": {"epochs": 5, "max_steps": 0, "minutes": 0.0, **config},
        "info": {"steps_per_epoch": 70},
        "status": status,
        "batches": {
            "step": list(range(steps)),  # counted from 0, as the recorder does
            "epoch": [1 + i // 70 for i in range(steps)],
            "seconds": [0.3 * (i + 1) for i in range(steps)],
        },
        "epochs": [{"epoch": e + 1} for e in range(epochs_done)],
        "marks": list(marks),
    }


def test_a_run_part_way_through():
    fraction, label = progress_text(make_snapshot(140, epochs_done=1))

    assert fraction == pytest.approx(140 / 350)
    assert label == "epoch 2/5 · step 140/350 · 0:42 elapsed · ETA 1:03"


def test_time_spent_paused_does_not_inflate_the_eta():
    marks = [{"step": 70, "seconds": 21.0, "kind": "pause"}]
    marks.append({"step": 70, "seconds": 621.0, "kind": "resume"})
    snapshot = make_snapshot(140, marks=marks)
    snapshot["batches"]["seconds"][-1] += 600

    _, label = progress_text(snapshot)

    assert label == "epoch 2/5 · step 140/350 · 10:42 elapsed · ETA 1:03"


def test_max_steps_caps_the_total():
    fraction, label = progress_text(make_snapshot(50, max_steps=100))

    assert fraction == 0.5
    assert "step 50/100" in label and "ETA 0:15" in label


def test_a_time_limit_ends_the_run_first():
    fraction, label = progress_text(make_snapshot(100, minutes=1.0))

    assert fraction == 0.5
    assert label.endswith("0:30 elapsed · ETA 0:30")


def test_without_steps_per_epoch_finished_epochs_measure_progress():
    snapshot = make_snapshot(140, epochs_done=2)
    snapshot["info"] = {}

    fraction, label = progress_text(snapshot)

    assert fraction == 0.4
    assert label == "epoch 2/5 · step 140 · 0:42 elapsed · ETA 1:03"


def test_a_finished_run_says_how_it_ended():
    assert progress_text(make_snapshot(350, 5, "completed")) == (
        1.0,
        "completed · epoch 5/5 · step 350/350 · 1:45 elapsed",
    )


def test_a_run_without_batches_is_waiting():
    assert progress_text(make_snapshot(0, status="queued")) == (0.0, "waiting for the first batch")


def test_the_overhead_line_says_what_the_recorder_costs_and_no_more():
    snapshot = make_snapshot(100) | {"recording_seconds": 0.03}  # 30 s of training

    assert overhead_text(snapshot) == (
        "Recording costs this run 0.1% of its training time (300 µs a batch)."
    )
    assert overhead_text(make_snapshot(100)) is None  # a stored run: not measured here
