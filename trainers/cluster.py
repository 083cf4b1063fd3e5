"""Several worker processes that train one run together, on this machine or on many.

A `loop_multiworker` run with `workers > 1` trains in as many processes, which
`tf.distribute.MultiWorkerMirroredStrategy` joins into one cluster described by `TF_CONFIG`.
Two ways to get there:

- **This machine.** Without `TF_CONFIG`, `train()` starts the workers itself on free
  localhost ports (`python -m trainers.cluster`), each with its own `TF_CONFIG`. The chief
  (worker 0) streams its run's events back as JSON lines on its standard output; this process
  puts them in the run's log, so the run is stored, charted and saved like any other. The
  other workers only train.
- **Many machines.** With `TF_CONFIG` set, `python -m trainers run` is one worker of that
  cluster: it trains here, and only the chief writes to the store and to `--out`.

A worker that dies ends the run as `failed` with that worker's error, and Stop ends every
worker: a worker left alone would wait for the others' gradients for ever.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.events import FAILED, STOPPED, Event, RunLog
from trainers.store import codec

logger = logging.getLogger(__name__)

TF_CONFIG = "TF_CONFIG"
POLL_SECONDS = 0.2
BLAME_SECONDS = 2.0  # how long a failed chief's end waits to see whether a peer died first
GRACE_SECONDS = 10.0  # how long the other workers may take to end once the chief has
ERROR_LINES = 12  # the last lines of a dead worker's standard error, kept in the run's error
PR_SET_PDEATHSIG = 1
COLLECTIVE_SECONDS = 120
CONNECT_SECONDS = 30  # from the chief's start event to its first batch, at most
STARTS = 4

joined = None  # this process's strategy, once it has joined a cluster (see `join`)


def spawns(config: RunConfig) -> bool:
    """Whether this process starts the run's workers itself: several, and no cluster given."""
    return config.workers > 1 and TF_CONFIG not in os.environ


def is_chief() -> bool:
    """Whether this process reports the run: the chief, worker 0, or a process on its own."""
    if TF_CONFIG not in os.environ:
        return True
    cluster = json.loads(os.environ[TF_CONFIG])
    task = cluster.get("task", {})
    if "chief" in cluster.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type", "worker") == "worker" and task.get("index", 0) == 0


def train(config: RunConfig, log: RunLog, control: RunControl) -> SimpleNamespace | None:
    """Trains `config` in `config.workers` local processes, relaying the chief's events to
    `log`; returns an object whose `model` is the trained network, or None without one.

    Now and then TensorFlow's workers on one machine never complete their first exchange
    (the broadcast of the initial weights): workers that have not trained a batch
    `CONNECT_SECONDS` after the chief started the run are started again, up to `STARTS`
    times in all, before the run fails saying so.
    """
    with tempfile.TemporaryDirectory(prefix="looplab-cluster-") as folder:
        model_path = Path(folder) / "model.keras"
        for attempt in range(1, STARTS + 1):
            workers = _start(config, Path(folder), model_path)
            stalled, started = threading.Event(), []  # `started`: when the chief said so
            watch = threading.Thread(
                target=_watch, args=(workers, log, control, started, stalled), daemon=True
            )
            watch.start()
            for line in workers[0].process.stdout:  # ends when the chief exits or is ended
                kind, step, data = codec.loads(line)
                if kind == "start":
                    started.append(time.monotonic())
                if kind == "end" and data["status"] == FAILED:
                    data = _blame(workers, data)
                if not log.finished and not (kind == "start" and attempt > 1):
                    log.emit(kind, step, data)  # unless a failure or a stop ended it
            watch.join()
            if not stalled.is_set():
                break
            logger.warning("%s: the workers did not connect (start %d)", log.run_id, attempt)
        if stalled.is_set():
            log.fail(
                f"The {config.workers} workers did not complete their first exchange within "
                f"{CONNECT_SECONDS} s, {STARTS} times: start the run again. Received: "
                f"workers={config.workers}"
            )
        elif not log.finished:  # the chief died before its end event
            log.fail(workers[0].error("ended without finishing its run"))
        if not model_path.exists():
            return None
        import keras

        return SimpleNamespace(model=keras.saving.load_model(model_path))


class _Worker:
    """One worker process and the file its standard error goes to."""

    def __init__(self, index: int, command: list[str], env: dict, folder: Path) -> None:
        self.index = index
        self.stderr_path = folder / f"worker-{index}.err"
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                command,
                env=env,
                preexec_fn=_end_with_parent,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if index == 0 else subprocess.DEVNULL,
                stderr=stderr,
            )

    def error(self, what: str) -> str:
        """`Worker 1 <what> (exit status 1): <its last lines of standard error>`."""
        lines = self.stderr_path.read_text(errors="replace").strip().splitlines()
        said = " / ".join(line.strip() for line in lines[-ERROR_LINES:] if line.strip())
        status = self.process.poll()
        return f"Worker {self.index} {what} (exit status {status}): {said or 'no message'}"


def _end_with_parent() -> None:
    """Runs in a new worker before it starts: the kernel kills it when its parent dies, as a
    worker left alone would wait for the others' gradients for ever (Linux's prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _start(config: RunConfig, folder: Path, model_path: Path) -> list[_Worker]:
    ports = _free_ports(config.workers)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    command = [sys.executable, "-m", "trainers.cluster", json.dumps(config.to_dict())]
    workers = []
    for index in range(config.workers):
        env = os.environ | {
            TF_CONFIG: json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        }
        arguments = [str(model_path)] if index == 0 else []
        workers.append(_Worker(index, command + arguments, env, folder))
    return workers


def _watch(
    workers: list[_Worker],
    log: RunLog,
    control: RunControl,
    started: list[float],
    stalled: threading.Event,
) -> None:
    """Ends every worker when one dies, when Stop is pressed, once the chief has ended, or
    when they have not connected (`stalled` is then set)."""
    chief_ended_at = None
    while any(worker.process.poll() is None for worker in workers):
        dead = [w for w in workers if w.process.poll() not in (None, 0)]
        if dead and not log.finished:
            _end_all(workers)
            log.fail(dead[0].error("failed"))
        elif control.stop_requested and not log.finished:
            _end_all(workers)
            log.emit("end", log.steps, {"status": STOPPED})
        elif started and not log.batches and not log.finished:
            if time.monotonic() - started[0] > CONNECT_SECONDS:
                stalled.set()
                _end_all(workers)
        elif workers[0].process.poll() is not None:
            chief_ended_at = chief_ended_at or time.monotonic()
            if time.monotonic() - chief_ended_at > GRACE_SECONDS:
                _end_all(workers)
        time.sleep(POLL_SECONDS)


def _blame(workers: list[_Worker], end: dict) -> dict:
    """The end of a chief that failed: when another worker died, that worker's own error.

    A chief whose peer died fails in TensorFlow's words ("UnavailableError ... Collective
    ops is aborted"), often before this process has seen the peer's exit.
    """
    deadline = time.monotonic() + BLAME_SECONDS
    while time.monotonic() < deadline:
        dead = [worker for worker in workers[1:] if worker.process.poll() not in (None, 0)]
        if dead:
            return end | {"error": dead[0].error("failed")}
        time.sleep(POLL_SECONDS)
    return end


def _end_all(workers: list[_Worker]) -> None:
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.kill()
    for worker in workers:
        worker.process.wait()


def _free_ports(count: int) -> list[int]:
    """Free localhost ports below the kernel's range for outgoing connections.

    A port the kernel hands out (`bind(0)`) is also one it may pick as the local end of an
    outgoing connection: a worker connecting to a peer's port before the peer listens can
    then connect to itself, and the cluster's first exchange never completes.
    """
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports: list[int] = []
    for port in random.sample(range(max(1024, low - 12_000), low), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:  # taken
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"Found no {count} free ports below {low} on this machine.")


def join() -> None:
    """Makes this process a member of the cluster that `TF_CONFIG` describes (`joined`).

    A multi-worker strategy configures TensorFlow's collective operations, which TensorFlow
    accepts only before it has run anything: so a worker creates its strategy first, and the
    `loop_multiworker` style trains with that one.
    """
    global joined
    import tensorflow as tf

    # A worker that hears nothing from the others for this long fails, rather than waiting.
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=COLLECTIVE_SECONDS)
    joined = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


def work(config: RunConfig, model_path: str | None = None, relay: bool = False) -> int:
    """Trains `config` as one worker of the `TF_CONFIG` cluster, reporting nothing itself.

    Args:
        config: the run, the same in every worker.
        model_path: where the chief saves the trained network, or None.
        relay: whether to stream the run's events on standard output, as JSON lines.

    Returns:
        The exit status: 1 when the run failed, after saying why on standard error.
    """
    join()  # before anything else runs TensorFlow
    from trainers import engine

    log = RunLog("worker", config.to_dict())
    if relay:
        log.subscribe(_relay)
    trained = engine.execute(config, log, RunControl())
    if log.error:
        print(log.error, file=sys.stderr)
        return 1
    if model_path and trained is not None:
        trained.model.save(model_path)
    return 0


def _relay(event: Event) -> None:
    sys.stdout.buffer.write(codec.dumps([event.kind, event.step, event.data]) + b"\n")
    sys.stdout.buffer.flush()


if __name__ == "__main__":  # python -m trainers.cluster CONFIG_JSON [MODEL_PATH]: see _start
    arguments = sys.argv[1:]
    chief = len(arguments) > 1
    config = RunConfig.from_dict(json.loads(arguments[0]))
    sys.exit(work(config, arguments[1] if chief else None, relay=chief))
