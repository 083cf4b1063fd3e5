"""Shared fixtures of the engine tests: real runs on real data, each trained once per session.

`train(**settings)` trains a small run through `engine.execute` on the test thread and returns
the `Run` and a snapshot of its log. Runs are tiny (512 MNIST digits, one epoch, unless a test
says otherwise), and a run asked for twice with the same settings is trained only once, so the
style tests and the equivalence proof share their runs.

`worker` is one real `Worker` thread for the tests that send controls from another thread, and
`wait_until` waits for what that thread does.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from trainers import devices
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.events import RunLog

# The run every style test starts from: a few seconds of real training at most.
SMALL_RUN = {
    "dataset": "mnist-5k",
    "architecture": "mlp",
    "optimizer": "adam",
    "learning_rate": 0.001,
    "batch_size": 64,
    "epochs": 1,
    "max_examples": 512,
    "seed": 0,
}
WORKER_READY_SECONDS = 120

devices.split_cpu()  # before any test runs TensorFlow: mirrored runs need two CPU devices


@pytest.fixture(scope="session")
def train() -> Callable[..., tuple]:
    """Trains `SMALL_RUN` changed by `settings`; returns `(run, snapshot)`, cached per session."""
    from trainers import engine

    finished: dict[tuple, tuple] = {}

    def train_once(**settings) -> tuple:
        values = SMALL_RUN | settings
        key = tuple(sorted((name, repr(value)) for name, value in values.items()))
        if key not in finished:
            config = RunConfig(**values)
            log = RunLog("test", config.to_dict())
            run = engine.execute(config, log, RunControl())
            finished[key] = (run, log.snapshot())
        return finished[key]

    return train_once


@pytest.fixture(scope="session")
def worker():
    """A real worker thread, with TensorFlow loaded."""
    from trainers.worker import Worker

    serving = Worker(name="looplab-test-worker")
    assert serving.ready.wait(WORKER_READY_SECONDS), "The worker did not load TensorFlow."
    assert serving.startup_error is None, serving.startup_error
    return serving


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """`wait_until(condition, what, seconds=60)` polls every 10 ms; fails the test in vain."""

    def wait(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"Waited {seconds} s for {what}, in vain.")
            time.sleep(0.01)

    return wait
