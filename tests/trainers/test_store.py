"""The store keeps what runs report: real training on the worker thread, a real database.

Each test opens its own database (`database_url`): a SQLite file in a temporary folder, then a
database on a real PostgreSQL server. Runs train for real on a `Worker` wired to the store as
the app wires it (ids from the store, every job followed, the model saved at the end); what the
store reads back must equal what the run's log held, batch for batch, NaN for NaN, pixel for
pixel, and TensorBoard's own reader must find every batch in the event files written from the
store.
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time

import numpy as np
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from trainers import race
from trainers.config import RunConfig
from trainers.events import COMPLETED, DIVERGED, FAILED, RunLog
from trainers.group import GroupLog, GroupRunConfig
from trainers.store import RunNotFound, Store, StoreWriter
from trainers.store.errors import StoreUnavailable
from trainers.store.liveness import HOST
from trainers.store.schema import batch_chunks
from trainers.store.tensorboard import write_all, write_run
from trainers.worker import Worker

QUICK = {"max_examples": 256, "epochs": 2, "style": "train_step"}


def assert_same(expected, found, path: str = "snapshot") -> None:
    """Fails unless two snapshots hold the same data (NaN equals NaN, arrays element-wise)."""
    if isinstance(expected, dict):
        assert isinstance(found, dict) and set(expected) == set(found), path
        for key, value in expected.items():
            if key == "recording_seconds" and found[key] is None:
                continue  # the recorder's own time: known to the training process, not stored
            assert_same(value, found[key], f"{path}[{key!r}]")
    elif isinstance(expected, list | tuple):
        assert isinstance(found, list | tuple) and len(expected) == len(found), path
        for index, (value, other) in enumerate(zip(expected, found, strict=True)):
            assert_same(value, other, f"{path}[{index}]")
    elif isinstance(expected, np.ndarray):
        assert isinstance(found, np.ndarray) and found.dtype == expected.dtype, path
        np.testing.assert_array_equal(found, expected, err_msg=path)
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(found, float) and math.isnan(found), path
    else:
        assert found == expected, f"{path}: {found!r} != {expected!r}"


@pytest.fixture
def stored_worker(store, writer):
    """A worker wired to the store as `components.registry` wires the app's."""

    def follow(job):
        writer.follow(job.log, kind=job.config.kind, owner="app")

    def keep_model(job, trained):
        if getattr(trained, "model", None) is not None and job.log.status != FAILED:
            writer.save_model(job.run_id, trained.model)

    serving = Worker(
        name="looplab-store-test-worker",
        new_id=store.new_run_id,
        on_submit=follow,
        on_finished=keep_model,
    )
    assert serving.ready.wait(120) and serving.startup_error is None
    return serving


def test_a_run_reads_back_from_the_store_as_its_log_held_it(
    store, writer, stored_worker, wait_until
):
    trained = stored_worker.submit(RunConfig(**QUICK))
    # SGD at rate 10 on the linear model: the loss overflows to inf, then NaN.
    diverged = stored_worker.submit(
        RunConfig(
            dataset="regression",
            architecture="linear",
            style="loop_function",
            optimizer="sgd",
            learning_rate=10,
            epochs=20,
            max_examples=256,
        )
    )
    wait_until(lambda: diverged.log.finished, "both runs to end", seconds=180)
    writer.flush()

    for job in (trained, diverged):
        assert_same(job.log.snapshot(), store.snapshot(job.run_id))
    assert diverged.log.status == DIVERGED
    assert not math.isfinite(store.snapshot(diverged.run_id)["batches"]["loss"][-1])

    row = store.run(trained.run_id)
    assert row["run_id"] == trained.run_id == f"run-{trained.run_id.split('-')[1]}"
    assert (row["status"], row["kind"], row["owner"], row["steps"]) == (COMPLETED, "run", "app", 8)
    assert row["host"] == HOST and row["pid"] > 0 and row["started"] <= row["ended"]
    assert row["best"] == {"val_accuracy": max(e["val_accuracy"] for e in trained.log.epochs)}
    assert row["versions"]["tensorflow"] and row["config"] == trained.log.config
    assert [run["run_id"] for run in store.runs()] == [diverged.run_id, trained.run_id]
    assert store.model_path(trained.run_id).exists()


def test_an_ended_run_leaves_memory_and_reads_back_from_the_store(
    store, writer, stored_worker, wait_until
):
    job = stored_worker.submit(RunConfig(**QUICK))
    wait_until(lambda: job.log.finished, "the run to end", seconds=120)
    writer.flush()
    held = job.log.snapshot()

    job.log.release(store.snapshot)
    assert job.log.batches == {} and job.log.epochs == [] and job.log.images == []
    assert job.log.steps == len(held["batches"]["step"]) == 8
    assert_same(held, job.log.snapshot())  # what a page draws is unchanged


def test_tensorboards_reader_finds_every_batch_epoch_and_image(
    store, writer, stored_worker, wait_until
):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    job = stored_worker.submit(RunConfig(**QUICK))
    wait_until(lambda: job.log.finished, "the run to end")
    writer.flush()
    assert not store.tensorboard_dir(job.run_id).exists()  # nothing written while it trained

    assert write_all(store) == [job.run_id]
    assert write_all(store) == []  # up to date: nothing to write again
    events = EventAccumulator(str(store.tensorboard_dir(job.run_id)), size_guidance={"tensors": 0})
    events.Reload()
    steps = list(range(job.log.steps))
    for name in ("loss", "mean_loss", "accuracy", "mean_accuracy", "lr"):
        found = events.Tensors(f"batch/{name}")
        assert [event.step for event in found] == steps, name
        values = [tensor_util.make_ndarray(event.tensor_proto).item() for event in found]
        assert values == pytest.approx(job.log.batches[name], rel=1e-6), name
    assert [e.step for e in events.Tensors("epoch/val_accuracy")] == [1, 2]
    previews = events.Tensors("images/predictions")  # TensorFlow 2 writes images as tensors
    assert [image.step for image in previews] == [image["step"] for image in job.log.images]


def test_a_race_is_stored_as_a_group_of_runs_and_deleted_whole(
    database_url, store, writer, wait_until
):
    contestants = race.parse_contestants("sgd:0.01,adam:0.001")
    config = race.RaceConfig(contestants, GroupRunConfig(dataset="digits", max_examples=128))
    log = GroupLog.create(store.new_run_id("race"), config)
    writer.follow(log, kind="race", owner="script", name="two optimizers")
    from trainers.control import RunControl

    race.execute(config, log, RunControl())
    writer.flush()

    expected, found = log.snapshot(), store.snapshot(log.run_id)
    assert list(found["contestants"]) == ["sgd 0.01", "adam 0.001"]
    assert_same(expected, found)
    rows = {run["run_id"]: run for run in store.runs()}
    group = rows[log.run_id]
    assert (group["kind"], group["name"], group["parent"]) == ("race", "two optimizers", None)
    child = rows[f"{log.run_id}/adam 0.001"]
    assert (child["kind"], child["label"], child["parent"]) == ("run", "adam 0.001", log.run_id)
    assert group["best"] == {
        "val_accuracy": max(rows[r]["best"]["val_accuracy"] for r in rows if r != log.run_id)
    }
    write_run(store, log.run_id)
    assert any(store.tensorboard_dir(child["run_id"]).iterdir())

    store.delete(log.run_id)
    assert store.runs() == [] and not store.tensorboard_dir(log.run_id).exists()
    with create_engine(database_url).connect() as database:
        assert database.execute(select(func.count()).select_from(batch_chunks)).scalar() == 0


def batch_row(step: int, loss: float = 1.0) -> dict:
    return {
        "step": step, "epoch": 1, "batch": step, "size": 32, "lr": 0.01,
        "examples_per_second": 1000.0, "seconds": step / 100, "loss": loss, "mean_loss": loss,
    }  # fmt: skip


@contextlib.contextmanager
def writes_blocked(database_url: str):
    """Holds what a write needs, as another process would: SQLite's write lock, or on
    PostgreSQL a lock on `runs` that lets reads through and makes every write wait."""
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as blocker:
        if blocker.dialect.name == "sqlite":
            blocker.exec_driver_sql("BEGIN IMMEDIATE")  # SQLAlchemy's own BEGIN is deferred
        else:
            blocker.execute(text("LOCK TABLE runs IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            blocker.rollback()


def test_the_training_thread_never_waits_on_the_disk(database_url, store, writer):
    log = RunLog(store.new_run_id("script"), {"what": "a loop"})
    writer.follow(log, kind="script", owner="script")
    log.emit("start", 0, {})
    with writes_blocked(database_url):
        started = time.perf_counter()
        for step in range(2000):
            log.emit("batch", step + 1, batch_row(step))
        log.emit("epoch", 2000, {"epoch": 1, "loss": 1.0})
        emitting = time.perf_counter() - started
        assert store.run(log.run_id)["steps"] == 0  # nothing could be written yet
    assert emitting < 0.5, f"2000 batches took {emitting:.3f} s to emit"
    writer.flush()
    assert store.batches_since(log.run_id, -1)["step"] == list(range(2000))
    assert store.batches_since(log.run_id, 1994)["step"] == [1995, 1996, 1997, 1998, 1999]


def test_each_write_adds_only_its_own_batches_and_the_tail_is_joined_when_full_or_ended(
    database_url, store, writer
):
    log = RunLog(store.new_run_id("script"), {"what": "a loop"})
    writer.follow(log, kind="script", owner="script")
    log.emit("start", 0, {})
    engine = create_engine(database_url, poolclass=NullPool)

    def chunk_rows() -> list[int]:
        with engine.connect() as database:
            query = select(batch_chunks.c.rows).order_by(batch_chunks.c.first_step)
            return list(database.execute(query).scalars())

    written = 0
    for rows in (300, 300, 1500, 100, 60):  # the tail fills at 2,048 rows, within the third
        for step in range(written, written + rows):
            log.emit("batch", step + 1, batch_row(step, loss=1 / (step + 1)))
        written += rows
        writer.flush()
        assert store.batches_since(log.run_id, -1) == log.snapshot()["batches"]
        assert sum(chunk_rows()) == written
        if written == 600:
            assert chunk_rows() == [300, 300]  # no write rewrote the rows before it
    assert chunk_rows() == [2048, 52, 100, 60]
    view = store.snapshot(log.run_id, recent=100)  # the tail's older chunks read thinned
    assert view["batches"]["step"][-160:] == list(range(2100, 2260))
    assert view["batches"]["loss"][0] == 1.0 and view["thinned"] > 0

    log.emit("end", written, {"status": COMPLETED, "result": {}})
    writer.flush()
    assert chunk_rows() == [2048, 212]  # one chunk in place of the tail's three
    assert store.batches_since(log.run_id, -1) == log.snapshot()["batches"]
    engine.dispose()


def test_an_epoch_end_is_written_at_once_batches_within_the_interval(database_url, wait_until):
    store = Store(database_url)
    reader = Store(database_url)  # as another process reads
    slow, quick = StoreWriter(store, interval=600), StoreWriter(store, interval=0.2)
    try:
        first, second = RunLog("first", {}), RunLog("second", {})
        slow.follow(first, kind="script", owner="script")
        quick.follow(second, kind="script", owner="script")
        for log in (first, second):
            log.emit("batch", 1, batch_row(0))
        wait_until(lambda: reader.run("second")["steps"] == 1, "the interval's write", 10)
        assert reader.run("first")["steps"] == 0  # its writer waits 10 minutes between writes
        first.emit("epoch", 1, {"epoch": 1, "loss": 0.5})
        wait_until(lambda: reader.run("first")["steps"] == 1, "the epoch's write", 10)
        assert reader.run("first")["best"] == {"loss": 0.5}
    finally:
        slow.close()
        quick.close()


def test_run_ids_are_unique_across_stores_and_threads(database_url):
    stores = [Store(database_url), Store(database_url)]
    ids: list[str] = []

    def take(store: Store) -> None:
        ids.extend(store.new_run_id("run") for _ in range(25))

    threads = [threading.Thread(target=take, args=(stores[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 100 and stores[0].new_run_id("lab") == "lab-101"


def test_names_tags_and_unknown_runs(store, writer):
    log = RunLog(store.new_run_id("script"), {})
    writer.follow(log, kind="script", owner="script")
    store.rename(log.run_id, "  first try ")
    store.set_tags(log.run_id, ["adam", "baseline", "adam", " "])
    row = store.run(log.run_id)
    assert (row["name"], row["tags"]) == ("first try", ["adam", "baseline"])

    with pytest.raises(RunNotFound, match=r"the newest: script-1\)\. Received: 'run-9'$"):
        store.snapshot("run-9")
    with pytest.raises(RunNotFound, match="Received: 'run-9'"):
        store.rename("run-9", "x")
    with pytest.raises(ValueError, match=r"Tags are a list of words. Received: tags='adam'"):
        store.set_tags(log.run_id, "adam")
    assert store.run("run-9") is None


@pytest.mark.parametrize(
    ("field", "given", "refusal"),
    [
        ("name", "../../etc/passwd", r"holds only letters.*with \['/'\]"),
        ("name", "a\\b", r"with \['\\\\'\]"),
        ("name", "<b>bold</b>", r"with \['/', '<', '>'\]"),
        ("name", "![x](http://example.com/a.png)", r"with \['/', '\[', '\]'\]"),
        ("name", "bell\x07", r"with \['\\x07'\]"),
        ("name", "new\nline", r"with \['\\n'\]"),
        ("name", "x" * 81, r"at most 80 characters. Received: 81"),
        ("name", "   ", r"is some text"),
        ("tags", ["ok", "<script>"], r"A tag holds only"),
        ("tags", ["t" * 31], r"at most 30 characters"),
        ("tags", [f"tag {n}" for n in range(21)], r"at most 20 tags. Received: 21"),
    ],
)
def test_names_and_tags_hold_plain_words_only(store, writer, field, given, refusal):
    log = RunLog(store.new_run_id("script"), {})
    writer.follow(log, kind="script", owner="script")
    before = store.run(log.run_id)
    change = store.rename if field == "name" else store.set_tags
    with pytest.raises(ValueError, match=refusal):
        change(log.run_id, given)
    assert store.run(log.run_id)[field] == before[field]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://looplab:secret@127.0.0.1:{port}/looplab",  # nothing listens there
        "postgresql://looplab:secret@127.0.0.1:{port}/looplab",  # the driver Looplab ships
        "postgresql+psycopg://looplab:secret@127.0.0.1:port/looplab",  # not a URL
        "mysql://looplab:secret@127.0.0.1:{port}/looplab",  # no driver installed
    ],
)
def test_a_database_that_cannot_be_opened_says_so_in_one_line(url):
    closed = socket.socket()  # a port of this machine that takes no connection
    closed.bind(("127.0.0.1", 0))
    url = url.replace("{port}", str(closed.getsockname()[1]))
    try:
        with pytest.raises(StoreUnavailable) as refusal:
            Store(url)
    finally:
        closed.close()
    message = str(refusal.value)
    assert "\n" not in message and "secret" not in message
    assert message.startswith("Looplab cannot open its database (")
    assert message.endswith(f"Received: {url.replace(':secret@', ':***@')}")
    assert "postgresql+psycopg://user:password@host:5432/looplab" in message


def test_a_servers_password_opens_the_store_and_is_never_shown(postgres):
    # On PostgreSQL only: SQLite has no password. The server trusts local users: any works.
    url = postgres.new_database().replace("//postgres@", "//postgres:s3cr%40t%25@")
    store = Store(url)  # "%" in a URL once broke Alembic's configuration; "@" is escaped
    assert store.new_run_id("run") == "run-1"
    shown = [repr(store), store.url, store.where, store.missing("run-9")]
    assert all("s3cr" not in text and "postgres:***@127.0.0.1" in text for text in shown), shown
