"""Every session watching a run shares its snapshot of the moment and the figures built from it."""

import json
import time

import plotly.io as pio

from components import figures
from components.shared import FRESH_SECONDS, SharedView
from trainers.events import RunLog


def batch_row(step: int) -> dict:
    return {
        "step": step,
        "epoch": 1,
        "batch": step,
        "size": 32,
        "lr": 0.001,
        "examples_per_second": 1000.0,
        "seconds": 0.01 * (step + 1),
        "loss": 1.0 / (step + 1),
        "mean_loss": 1.0,
    }


def training_log(steps: int) -> RunLog:
    log = RunLog("run-1", {"dataset": "digits"})
    log.emit("start", 0, {})
    for step in range(steps):
        log.emit("batch", step + 1, batch_row(step))
    return log


def loss_chart(view: SharedView, snapshot: dict, smoothing: float):
    def build():
        return figures.batch_figure(snapshot["batches"], "loss", smoothing, marks=snapshot["marks"])

    return view.figure(snapshot, "batch/loss", smoothing, build)


def test_sessions_of_one_moment_share_one_snapshot_and_one_figure_equal_to_a_fresh_one():
    view, log = SharedView(), training_log(500)
    first, second = view.snapshot(log), view.snapshot(log)  # two sessions, the same second
    assert first is second

    # Thirty sessions redraw; a slow machine may see the moment move on in between.
    by_version = {}
    for _ in range(30):
        snapshot = view.snapshot(log)
        shown = loss_chart(view, snapshot, 0.6)
        assert by_version.setdefault(snapshot["version"], shown) is shown
    assert view.builds == len(by_version) < 30
    fresh = figures.batch_figure(log.snapshot()["batches"], "loss", 0.6)
    assert json.loads(pio.to_json(shown)) == json.loads(pio.to_json(fresh))


def test_a_viewers_own_settings_get_their_own_figure():
    view, log = SharedView(), training_log(50)
    snapshot = view.snapshot(log)
    smooth, raw = loss_chart(view, snapshot, 0.9), loss_chart(view, snapshot, 0.0)
    assert view.builds == 2 and len(smooth.data) == len(raw.data) + 1  # no smoothed curve


def test_a_later_moment_shows_the_new_batches():
    view, log = SharedView(), training_log(50)
    before = loss_chart(view, view.snapshot(log), 0.6)
    log.emit("batch", 51, batch_row(50))
    deadline = time.monotonic() + 10 * FRESH_SECONDS
    while (snapshot := view.snapshot(log))["batches"]["step"][-1] != 50:
        assert time.monotonic() < deadline, "the shared snapshot never took the new batch"
        time.sleep(FRESH_SECONDS / 10)
    after = loss_chart(view, snapshot, 0.6)
    assert after is not before and after.data[0].x[-1] == 50 and before.data[0].x[-1] == 49


def test_the_end_of_a_run_is_seen_at_once_not_a_moment_later():
    # The page that reruns when a run ends draws for good: it must not get the moment before.
    view, log = SharedView(), training_log(50)
    running = view.snapshot(log)
    log.emit("end", 50, {"status": "completed", "result": {}})
    ended = view.snapshot(log)  # well within FRESH_SECONDS of the last
    assert running["status"] == "running" and ended["status"] == "completed"
    assert view.snapshot(log) is ended  # and shared as before, from then on


def test_a_stored_snapshot_without_a_version_is_drawn_afresh():
    view = SharedView()
    snapshot = training_log(10).snapshot()
    assert loss_chart(view, snapshot, 0.6) is not loss_chart(view, snapshot, 0.6)
    assert view.builds == 0


def test_a_room_full_of_live_viewers_redraws_less_often_the_more_they_are():
    view = SharedView()
    intervals = [view.refresh_seconds("run-1", f"session-{n}") for n in range(1, 31)]
    assert intervals[:8] == [1.0] * 8  # a few viewers: every second
    assert intervals[8:16] == [2.0] * 8 and intervals[16:] == [4.0] * 14
    assert view.refresh_seconds("run-2", "session-1") == 1.0  # counted per run
    assert view.refresh_seconds("run-1", "session-1") == 4.0  # asking again counts once
    assert view.refresh_seconds("run-2", "session-2", every=2.0) == 2.0  # from its own interval


def test_sessions_that_stopped_asking_are_no_longer_counted():
    view = SharedView()
    for n in range(9):
        interval = view.refresh_seconds("run-1", f"session-{n}")
    assert interval == 2.0
    deadline = time.monotonic() + 30
    while view.refresh_seconds("run-1", "session-0") != 1.0:  # the others have closed
        assert time.monotonic() < deadline, "closed sessions were counted for ever"
        time.sleep(0.5)
