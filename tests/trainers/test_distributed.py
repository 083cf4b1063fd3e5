"""Training under tf.distribute: several devices of one machine, several worker processes.

`fit_mirrored` with two replicas (two logical CPU devices here) must train the weights `fit`
trains on the same global batches. `loop_multiworker` with two workers runs as real processes
that talk over localhost: through `python -m trainers run`, which starts them itself, and as
two commands each given its part of a cluster in `TF_CONFIG`, as on two machines. A worker
that dies fails the run with its error instead of leaving the others waiting.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.trainers.test_cli import ENV, ROOT, TINY, finish, trainers
from tests.trainers.test_equivalence import REFERENCE, assert_same_weights
from trainers import engine
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.events import COMPLETED, FAILED, RunLog
from trainers.store import Store

DIGITS = ["--dataset", "digits", "--arch", "mlp", "--epochs", "1"]
CLUSTER_SECONDS = 90


def test_two_mirrored_replicas_train_the_weights_of_fit_on_the_same_global_batches(train):
    # A network without Dropout: each replica draws the masks of its own slice of the batch.
    model = {"architecture": "mlp-logits"}
    reference, reference_log = train(style=REFERENCE, **model)  # batches of 64
    run, log = train(style="fit_mirrored", replicas=2, batch_size=32, **model)  # 2 x 32

    assert run.model.distribute_strategy.num_replicas_in_sync == 2
    assert log["batches"]["size"] == reference_log["batches"]["size"]  # the global batches
    assert_same_weights(reference.model.get_weights(), run.model.get_weights())
    assert np.allclose(log["batches"]["loss"], reference_log["batches"]["loss"], atol=1e-5)


def test_fit_under_several_workers_is_refused_with_the_reason_and_the_way():
    config = RunConfig(style="fit_mirrored", workers=2)
    with pytest.raises(ConfigError, match="unsupported type PerReplica") as refused:
        config.check()
    assert "'loop_multiworker'" in str(refused.value)
    assert str(refused.value).endswith("Received: style='fit_mirrored', workers=2")

    with pytest.raises(ConfigError, match="Only the 'fit_mirrored' style trains on several"):
        RunConfig(style="fit", replicas=2).check()


def test_the_command_refuses_fit_on_workers_before_anything_trains(tmp_path):
    out = tmp_path / "refused"
    result = trainers("run", "--style", "fit_mirrored", "--workers", "2", "--out", str(out))
    assert result.returncode == 2 and "unsupported type PerReplica" in result.stderr
    assert not out.exists()


def test_the_command_starts_two_workers_and_the_chief_reports_the_run(tmp_path):
    out = tmp_path / "two workers"
    result = trainers("run", "--style", "loop_multiworker", "--workers", "2", *DIGITS, *TINY,
                      "--out", str(out))  # fmt: skip

    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == COMPLETED
    assert summary["steps"] == math.ceil(256 * 0.9 / 128)  # global batches of 2 x 64
    assert (out / "model.keras").exists()  # the chief's trained network
    run_id = result.stdout.split("stored as ")[1].split()[0]
    stored = Store().snapshot(run_id)
    assert stored["config"]["workers"] == 2 and stored["status"] == COMPLETED
    assert stored["batches"]["size"][0] == 128


def free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    for probe in probes:
        probe.bind(("localhost", 0))
    ports = [probe.getsockname()[1] for probe in probes]
    for probe in probes:
        probe.close()
    return ports


def start_cluster_commands(home: Path) -> list[subprocess.Popen]:
    """Starts `python -m trainers run` twice, each told by `TF_CONFIG` its part of a cluster."""
    cluster = {"worker": [f"localhost:{port}" for port in free_ports(2)]}
    tasks = [{"cluster": cluster, "task": {"type": "worker", "index": index}} for index in (0, 1)]
    return [
        subprocess.Popen(
            [sys.executable, "-m", "trainers", "run", "--style", "loop_multiworker",
             "--workers", "2", *DIGITS, *TINY],
            cwd=ROOT,
            env=ENV | {"LOOPLAB_HOME": str(home), "TF_CONFIG": json.dumps(task)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for task in tasks
    ]  # fmt: skip


def test_two_commands_given_one_tf_config_train_together_and_only_the_chief_stores(tmp_path):
    # TensorFlow's workers sometimes never complete their first exchange; a person then starts
    # them again, as `trainers.cluster` does for the workers it starts itself.
    for attempt in range(3):
        home = tmp_path / f"home-{attempt}"
        workers = start_cluster_commands(home)
        try:
            chief, other = (finish(worker, timeout=CLUSTER_SECONDS) for worker in workers)
            break
        except subprocess.TimeoutExpired:
            for worker in workers:
                worker.kill()
    else:
        pytest.fail("Two workers did not finish a tiny run in three tries.")

    assert chief.returncode == 0 and other.returncode == 0, chief.stderr + other.stderr
    assert "completed" in chief.stdout and other.stdout == ""
    (run,) = Store(f"sqlite:///{home / 'looplab.db'}").runs()
    assert run["config"]["workers"] == 2 and run["status"] == COMPLETED


def test_a_worker_that_dies_fails_the_run_with_its_error_and_ends_the_others():
    config = RunConfig(
        dataset="digits", architecture="mlp", style="loop_multiworker", workers=2, epochs=1000
    )
    log = RunLog("cluster", config.to_dict())
    trainer = threading.Thread(target=engine.execute, args=(config, log, RunControl()))
    trainer.start()
    while not log.batches and trainer.is_alive():  # the workers have trained a batch
        trainer.join(timeout=0.1)
    workers = cluster_workers()
    os.kill(workers[1], signal.SIGKILL)  # worker 1: the one that does not report
    trainer.join(timeout=60)

    assert not trainer.is_alive(), "the run waited for a dead worker"
    assert log.status == FAILED
    assert log.error.startswith("Worker 1 failed (exit status -9)")
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def cluster_workers() -> list[int]:
    """The process ids of the local cluster's workers, worker 0 (the chief) first."""
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"trainers.cluster" in command:
            found[proc.name] = len([part for part in command if part]) == 5  # a model path
    return sorted((int(pid) for pid in found), key=lambda pid: not found[str(pid)])
