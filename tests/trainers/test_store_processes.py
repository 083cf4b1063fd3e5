"""Several processes share one store: they write at once, and a dead one's runs show so.

The app is this process's registry (its worker trains a real run into the session's
`LOOPLAB_HOME`); the scripts are real Python processes that follow their own loops' logs with
a `StoreWriter` writing every 10 ms, and read and number runs meanwhile. Every row of every
writer must be there at the end, and no process may see "database is locked". A run left
`running` by a process that has ended, or that stopped saying it is alive, becomes
`interrupted`. Scripts given `LOOPLAB_DATABASE_URL` do the same on each backend, a PostgreSQL
server included, and processes opening one empty database at once create its tables once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, text, update

from trainers.config import RunConfig
from trainers.events import COMPLETED, RUNNING, STOPPED, RunLog
from trainers.store import Store
from trainers.store import writer as writer_module
from trainers.store.liveness import HOST, STALE_SECONDS
from trainers.store.paths import DATABASE_URL_VARIABLE
from trainers.store.schema import HEAD, runs

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1500

SCRIPT = """
import sys, time
from trainers.events import RunLog
from trainers.store import Store, StoreWriter

rows, name = int(sys.argv[1]), sys.argv[2]
store = Store()
writer = StoreWriter(store, interval=0.01)
log = RunLog(store.new_run_id("script"), {"script": name})
taken = [log.run_id]
writer.follow(log, kind="script", owner="script", name=name)
log.emit("start", 0, {})
for step in range(rows):
    row = {"step": step, "epoch": step // 100 + 1, "batch": step % 100, "size": 8, "lr": 0.1,
           "examples_per_second": 1e4, "seconds": step / 1000, "loss": 1 / (step + 1)}
    log.emit("batch", step + 1, row)
    if step % 100 == 99:
        log.emit("epoch", step + 1, {"epoch": step // 100 + 1, "loss": 1 / (step + 1)})
        store.runs()
        taken.append(store.new_run_id("script"))
    time.sleep(0.002)
log.emit("end", rows, {"status": "completed"})
writer.close()
print(log.run_id)  # first the run's id, then every id it took
print(*taken)
"""

# Says it is ready, then opens the store once told to (a line on its input): processes that
# are told at once open it at once. Alembic logs each migration it runs ("Running upgrade").
OPEN = """
import logging, sys
from trainers.store import Store
from trainers.store import writer as writer_module
print("ready", flush=True)
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
sys.stdin.readline()
Store()
"""


def start_scripts(code: str, *args_each: tuple[str, ...], env: dict | None = None) -> list:
    """Starts one `python -c code` per tuple of arguments, from the repository root."""
    env = os.environ | {"PYTHONPATH": str(ROOT)} | (env or {})
    return [
        subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in args_each
    ]


def assert_every_row_stored(store, scripts: list, outputs: list) -> list[str]:
    """Checks that each writing script (`SCRIPT`) ended well with every row of its run in the
    store; returns their runs' ids."""
    run_ids = []
    for script, (stdout, stderr) in zip(scripts, outputs, strict=True):
        assert script.returncode == 0 and "locked" not in stderr and "busy" not in stderr, stderr
        run_id = stdout.splitlines()[0]
        row = store.run(run_id)
        assert (row["status"], row["steps"], row["owner"]) == (COMPLETED, ROWS, "script")
        assert store.batches_since(run_id, -1)["step"] == list(range(ROWS))
        assert len(store.snapshot(run_id)["epochs"]) == ROWS // 100
        run_ids.append(run_id)
    return run_ids


def test_two_scripts_and_the_app_write_one_database_at_once(until):
    # On SQLite only: the app's registry opens the process-wide store of the session's data
    # folder. Scripts writing a PostgreSQL server at once are the test after next.
    from components import registry

    store = registry.store()
    job = registry.worker().submit(RunConfig(dataset="digits", max_examples=256, epochs=1000))
    until(lambda: job.log.status == RUNNING and job.log.steps >= 2, 120, "the app's run to train")

    scripts = start_scripts(SCRIPT, (str(ROWS), "first"), (str(ROWS), "second"))
    try:
        while any(script.poll() is None for script in scripts):
            store.runs()  # the app reads as the Runs page does, all along
            store.mark_interrupted()
            assert not job.log.finished, "the app's run ended before the scripts did"
        outputs = [script.communicate(timeout=60) for script in scripts]
    finally:
        job.control.stop()
        for script in scripts:
            script.kill()
    until(lambda: job.log.finished, 60, "the app's run to stop")
    registry.store_writer().flush()

    assert_every_row_stored(store, scripts, outputs)
    app = store.snapshot(job.run_id)
    assert app["status"] == STOPPED and store.run(job.run_id)["owner"] == "app"
    assert app["batches"]["step"] == list(range(job.log.steps))  # every batch the app trained


def test_runs_whose_process_is_gone_show_interrupted(store, writer):
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(ended.stdout)
    now = time.time()

    def row(run_id: str, status: str, pid: int, host: str) -> dict:
        return {
            "run_id": run_id, "name": run_id, "kind": "script", "owner": "script",
            "created": now, "steps": 0, "config": "{}", "status": status, "pid": pid, "host": host,
        }  # fmt: skip

    store.insert_runs(  # each with a heartbeat of now
        [
            row("dead", RUNNING, dead_pid, HOST),  # its process has ended
            row("silent", "queued", 1, "elsewhere"),  # its heartbeat stops, below
            row("afar", RUNNING, 1, "elsewhere"),  # another host's, alive
            row("done", COMPLETED, dead_pid, HOST),  # ended before its process
        ]
    )
    with store.writer_engine.begin() as connection:
        connection.execute(
            update(runs)
            .where(runs.c.run_id == "silent")
            .values(heartbeat=runs.c.heartbeat - 2 * STALE_SECONDS)
        )
    alive = RunLog(store.new_run_id("script"), {})
    writer.follow(alive, kind="script", owner="script")
    alive.emit("start", 0, {})
    writer.flush()

    assert sorted(store.mark_interrupted()) == ["dead", "silent"]
    status = {run["run_id"]: run["status"] for run in store.runs()}
    assert status == {
        "dead": "interrupted", "silent": "interrupted", "afar": RUNNING, "done": COMPLETED,
        alive.run_id: RUNNING,
    }  # fmt: skip
    assert store.mark_interrupted() == []


def test_a_script_whose_clock_is_an_hour_behind_stays_alive_on_the_dashboard(
    store, writer, monkeypatch
):
    # Another machine's clock: the writer's own time is an hour behind the database's.
    behind = SimpleNamespace(time=lambda: time.time() - 3600, thread_time=time.thread_time)
    monkeypatch.setattr(writer_module, "time", behind)
    log = RunLog(store.new_run_id("script"), {})
    writer.follow(log, kind="script", owner="script")
    log.emit("start", 0, {})
    writer.flush()

    assert store.mark_interrupted() == []
    assert store.run(log.run_id)["status"] == RUNNING


def test_two_scripts_given_the_database_url_write_it_at_once(database_url):
    env = {DATABASE_URL_VARIABLE: database_url}
    scripts = start_scripts(SCRIPT, (str(ROWS), "first"), (str(ROWS), "second"), env=env)
    try:
        outputs = [script.communicate(timeout=120) for script in scripts]
    finally:
        for script in scripts:
            script.kill()

    store = Store(database_url)
    assert_every_row_stored(store, scripts, outputs)
    # Each took its run's id and one more every 100 rows, all at once: none was given twice.
    taken = [run_id for stdout, _ in outputs for run_id in stdout.splitlines()[1].split()]
    assert len(taken) == len(set(taken)) == 2 * (1 + ROWS // 100)
    assert store.new_run_id("script") == f"script-{len(taken) + 1}"


def test_processes_opening_one_empty_database_at_once_create_it_once(database_url):
    openers = start_scripts(OPEN, (), (), env={DATABASE_URL_VARIABLE: database_url})
    try:
        assert [opener.stdout.readline() for opener in openers] == ["ready\n"] * 2
        for opener in openers:  # both have loaded the store's code: now both open it at once
            opener.stdin.write("open\n")
            opener.stdin.flush()
        outputs = [opener.communicate(timeout=60) for opener in openers]
    finally:
        for opener in openers:
            opener.kill()

    for opener, (_, stderr) in zip(openers, outputs, strict=True):
        assert opener.returncode == 0, stderr
    said = [line for stdout, _ in outputs for line in stdout.splitlines()]
    assert [line for line in said if line.startswith("Created")] == [
        f"Created the store's tables at revision {HEAD}."
    ]  # by one of them; the other found the tables new
    with create_engine(database_url).connect() as database:
        assert database.execute(text("SELECT version_num FROM alembic_version")).all() == [(HEAD,)]
