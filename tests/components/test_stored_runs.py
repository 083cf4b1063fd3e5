"""`SnapshotReader` hands views the store's snapshots: kept once ended, grown while live.

Runs are written into a real store in `tmp_path` by a real `StoreWriter`, as any process
writes them; each test compares what the reader hands out with `Store.snapshot()`.
"""

from __future__ import annotations

import pytest

from components.stored_runs import SnapshotReader
from trainers.events import RunLog
from trainers.group import GroupLog
from trainers.store import RunNotFound, Store


class CountingStore(Store):
    """A real store that counts its whole reads."""

    whole_reads = 0

    def snapshot(self, run_id: str) -> dict:
        self.whole_reads += 1
        return super().snapshot(run_id)


@pytest.fixture
def store(tmp_path) -> CountingStore:
    return CountingStore(f"sqlite:///{tmp_path / 'looplab.db'}")


def batches(log: RunLog, count: int) -> None:
    """Records `count` more batch rows, as a `Recorder` would."""
    for _ in range(count):
        step = log.steps
        row = {"step": step, "epoch": 1, "batch": step, "size": 32, "lr": 0.01}
        row |= {"examples_per_second": 100.0, "seconds": step / 10, "loss": 1 / (step + 1)}
        log.emit("batch", step + 1, row)


def started(store, writer, run_id: str = "run-1") -> RunLog:
    log = RunLog(run_id, {"dataset": "digits"})
    writer.follow(log, kind="run", owner="app")
    log.emit("start", 0, {"steps_per_epoch": 10})
    return log


def test_a_live_run_grows_by_its_new_rows_between_whole_reads(store, writer):
    reader = SnapshotReader(store, share=1e-9)  # never read whole again while it lasts
    log = started(store, writer)
    batches(log, 3)
    writer.flush()
    assert reader.read("run-1") == store.snapshot("run-1")
    first = reader.read("run-1")
    reads = store.whole_reads

    batches(log, 4)
    writer.flush()
    grown = reader.read("run-1")

    assert store.whole_reads == reads
    assert grown["batches"] == store.snapshot("run-1")["batches"]
    assert len(first["batches"]["step"]) == 3, "a snapshot handed out never changes"


def test_a_run_is_read_whole_when_its_status_changes_then_kept(store, writer):
    reader = SnapshotReader(store, share=1e-9)
    log = started(store, writer)
    batches(log, 2)
    writer.flush()
    reader.read("run-1")
    log.emit("end", 2, {"status": "completed", "result": {"test": {"accuracy": 0.5}}})
    writer.flush()

    ended = reader.read("run-1")
    reads = store.whole_reads
    assert ended == store.snapshot("run-1")
    assert ended["result"] == {"test": {"accuracy": 0.5}}
    assert reader.read("run-1") is ended
    assert store.whole_reads == reads + 1  # the comparison above; the reader kept its copy


def test_a_live_group_grows_each_of_its_runs(store, writer):
    reader = SnapshotReader(store, share=1e-9)
    runs = {label: RunLog(f"race-1/{label}", {"optimizer": label}) for label in ("sgd", "adam")}
    group = GroupLog("race-1", {"contestants": {}}, runs=runs)
    writer.follow(group, kind="race", owner="app")
    group.emit("start", 0, {})
    for log in runs.values():
        log.emit("start", 0, {})
        batches(log, 2)
    writer.flush()
    reader.read("race-1")

    batches(runs["adam"], 3)
    writer.flush()
    grown = reader.read("race-1")

    stored = store.snapshot("race-1")
    assert grown["contestants"] == stored["contestants"]
    assert len(grown["contestants"]["adam"]["batches"]["step"]) == 5


def test_only_the_newest_snapshots_are_kept_and_a_deleted_run_is_forgotten(store, writer):
    reader = SnapshotReader(store, keep=1)
    for run_id in ("run-1", "run-2"):
        log = started(store, writer, run_id)
        log.emit("end", 0, {"status": "completed"})
    writer.flush()
    reader.read("run-1")
    reader.read("run-2")
    reads = store.whole_reads
    reader.read("run-1")  # pushed out by run-2
    assert store.whole_reads == reads + 1

    store.delete("run-1")
    reader.forget("run-1")
    with pytest.raises(RunNotFound):
        reader.read("run-1")
