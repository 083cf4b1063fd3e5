"""Several processes share one store: they write at once, and a dead one's runs show so.

The app is this process's registry (its worker trains a real run into the session's
`LOOPLAB_HOME`); the scripts are real Python processes that follow their own loops' logs with
a `StoreWriter` writing every 10 ms, and read and number runs meanwhile. Every row of every
writer must be there at the end, and no process may see "database is locked". A run left
`running` by a process that has ended, or that stopped saying it is alive, becomes
`interrupted`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from trainers.config import RunConfig
from trainers.events import COMPLETED, RUNNING, STOPPED, RunLog
from trainers.store.liveness import HOST, STALE_SECONDS

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
writer.follow(log, kind="script", owner="script", name=name)
log.emit("start", 0, {})
for step in range(rows):
    row = {"step": step, "epoch": step // 100 + 1, "batch": step % 100, "size": 8, "lr": 0.1,
           "examples_per_second": 1e4, "seconds": step / 1000, "loss": 1 / (step + 1)}
    log.emit("batch", step + 1, row)
    if step % 100 == 99:
        log.emit("epoch", step + 1, {"epoch": step // 100 + 1, "loss": 1 / (step + 1)})
        store.runs()
        store.new_run_id("script")
    time.sleep(0.002)
log.emit("end", rows, {"status": "completed"})
writer.close()
print(log.run_id)
"""


def test_two_scripts_and_the_app_write_one_database_at_once(until):
    from components import registry

    store = registry.store()
    job = registry.worker().submit(RunConfig(dataset="digits", max_examples=256, epochs=1000))
    until(lambda: job.log.status == RUNNING and job.log.steps >= 2, 120, "the app's run to train")

    env = os.environ | {"PYTHONPATH": str(ROOT)}
    scripts = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(ROWS), name],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
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

    for script, (stdout, stderr) in zip(scripts, outputs, strict=True):
        assert script.returncode == 0 and "locked" not in stderr and "busy" not in stderr, stderr
        run_id = stdout.strip()
        row = store.run(run_id)
        assert (row["status"], row["steps"], row["owner"]) == (COMPLETED, ROWS, "script")
        assert store.batches_since(run_id, -1)["step"] == list(range(ROWS))
        assert len(store.snapshot(run_id)["epochs"]) == ROWS // 100
    app = store.snapshot(job.run_id)
    assert app["status"] == STOPPED and store.run(job.run_id)["owner"] == "app"
    assert app["batches"]["step"] == list(range(job.log.steps))  # every batch the app trained


def test_runs_whose_process_is_gone_show_interrupted(store, writer):
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(ended.stdout)
    now = time.time()

    def row(run_id: str, status: str, pid: int, host: str, heartbeat: float) -> dict:
        return {
            "run_id": run_id, "name": run_id, "kind": "script", "owner": "script",
            "created": now, "steps": 0, "config": "{}",
            "status": status, "pid": pid, "host": host, "heartbeat": heartbeat,
        }  # fmt: skip

    store.insert_runs(
        [
            row("dead", RUNNING, dead_pid, HOST, now),  # its process has ended
            row("silent", "queued", 1, "elsewhere", now - 2 * STALE_SECONDS),  # no heartbeat
            row("afar", RUNNING, 1, "elsewhere", now),  # another host's, alive
            row("done", COMPLETED, dead_pid, HOST, now - 99),  # ended before its process
        ]
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
