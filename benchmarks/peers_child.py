"""One tracker's `fit()`, alone in a fresh process: the child of `benchmarks.peers`.

    python benchmarks/peers_child.py TRACKER EPOCHS

It trains the 784-64-64-10 MLP on mnist-5k's training split, in batches of 64 with Adam, for
`EPOCHS` epochs, while `TRACKER` logs the loss and the accuracy after every batch, and prints
one JSON line of timings for the parent to read. The parent starts it in a folder of its own,
its working directory: every path a tracker takes is in that folder, and the parent's
environment points the trackers' homes and caches there too and keeps them offline.

Each tracker is set up as its documentation shows (a run, then its callback, or a callback
of ours that calls its logging function after each batch) and finished as it asks (its
`finish()`, `close()` or `end()`). Every variant, plain `fit()` included, gets the same
`EpochClock` as its last callback: it stamps each epoch's end after the tracker's own work of
that epoch, so all pay for the clock alike, and each process first warms TensorFlow up with a
throwaway `fit()` of another copy of the model.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for `trainers`

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402 (after the environment Keras and TensorFlow read)

BATCH_SIZE = 64
METRICS = ("loss", "accuracy")
TICKS = os.sysconf("SC_CLK_TCK")

# What a tracker hands `fit()` (its callbacks) and what ends its run after `fit()` (or None).
Setup = tuple[list[keras.callbacks.Callback], Callable[[], object] | None]


def cpu_seconds() -> float:
    """The CPU time of this process and of every process it started, so far.

    W&B writes from a service process of its own, so this process's CPU time alone would
    leave that work out. This process's own time is read to the microsecond; its children's,
    in clock ticks: those that ended and were waited for from this process's `/proc` entry,
    the running ones from theirs, found through their parents.
    """
    parents, ticks = {}, {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:  # it ended meanwhile
                continue
            # The fields after the command's name (which may hold spaces), in brackets.
            fields = stat.rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            ticks[int(entry.name)] = [int(value) for value in fields[11:15]]  # u, s, cu, cs
    me = os.getpid()
    family, children = {me}, sum(ticks[me][2:])  # the ended children's
    for pid in sorted(parents):  # a child's id is almost always above its parent's
        if parents[pid] in family:
            family.add(pid)
            children += sum(ticks[pid])
    return time.process_time() + children / TICKS


class EpochClock(keras.callbacks.Callback):
    """Stamps each epoch's end: wall seconds, and CPU seconds after the first and last epochs.

    The CPU time is read only where the steady window (epochs 2 to the last) begins and ends,
    outside the wall time of that window: before the stamp of the first epoch's end, after
    the stamp of the last one's.
    """

    def __init__(self) -> None:
        super().__init__()
        self.ends: list[float] = []
        self.cpu: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == self.params["epochs"]
        if epoch == 0:
            self.cpu.append(cpu_seconds())
        self.ends.append(time.perf_counter())
        if last:
            self.cpu.append(cpu_seconds())


class EveryBatch(keras.callbacks.Callback):
    """Hands each batch's logs (`fit()`'s running means) to `log(step, epoch, logs)`."""

    def __init__(self, log: Callable[[int, int, dict], None]) -> None:
        super().__init__()
        self.log = log
        self.step = self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.log(self.step, self.epoch, logs)
        self.step += 1


class Empty(keras.callbacks.Callback):
    """Keras' own cost of handing every batch's logs to Python, with nothing done with them."""

    def on_train_batch_end(self, batch, logs=None):
        pass


# The trackers, each set up in `folder` (this process's working directory).


def setup_plain(folder: Path) -> Setup:
    return [], None


def setup_empty(folder: Path) -> Setup:
    return [Empty()], None


def setup_looplab(folder: Path) -> Setup:
    from trainers import DashboardCallback

    # Its store is $LOOPLAB_HOME/looplab.db; `on_train_end` writes the rest and ends the run.
    return [DashboardCallback(name="peers")], None


def setup_trackio(folder: Path) -> Setup:
    import trackio

    trackio.init(project="peers", name="peers")  # in $TRACKIO_DIR
    callback = EveryBatch(lambda step, epoch, logs: trackio.log({m: logs[m] for m in METRICS}))
    return [callback], trackio.finish


def setup_aim(folder: Path) -> Setup:
    import aim

    run = aim.Run(repo=str(folder), experiment="peers")

    def track(step: int, epoch: int, logs: dict) -> None:
        for name in METRICS:
            run.track(logs[name], name=name, step=step, epoch=epoch, context={"subset": "train"})

    return [EveryBatch(track)], run.close


def setup_wandb(folder: Path) -> Setup:
    import wandb
    from wandb.integration.keras import WandbMetricsLogger

    run = wandb.init(project="peers", name="peers", dir=folder, mode="offline")
    return [WandbMetricsLogger(log_freq="batch")], run.finish


def setup_tensorboard(folder: Path) -> Setup:
    callback = keras.callbacks.TensorBoard(log_dir=str(folder / "tensorboard"), update_freq="batch")
    return [callback], None


def setup_dvclive(folder: Path) -> Setup:
    from dvclive import Live

    # DVCLiveCallback logs once an epoch: per batch, as its docs log a step, by hand.
    live = Live(dir=str(folder / "dvclive"), save_dvc_exp=False)

    def log(step: int, epoch: int, logs: dict) -> None:
        for name in METRICS:
            live.log_metric(name, logs[name])
        live.next_step()

    return [EveryBatch(log)], live.end


def setup_mlflow(folder: Path) -> Setup:
    import mlflow
    import mlflow.keras

    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    mlflow.start_run(run_name="peers")
    return [mlflow.keras.MlflowCallback(log_every_epoch=False, log_every_n_steps=1)], mlflow.end_run


TRACKERS = {
    "plain": (setup_plain, ()),
    "empty": (setup_empty, ()),
    "looplab": (setup_looplab, ("trainers.dashboard_callback",)),
    "trackio": (setup_trackio, ("trackio",)),
    "aim": (setup_aim, ("aim",)),
    "wandb": (setup_wandb, ("wandb", "wandb.integration.keras")),
    "tensorboard": (setup_tensorboard, ()),
    "dvclive": (setup_dvclive, ("dvclive",)),
    "mlflow": (setup_mlflow, ("mlflow", "mlflow.keras")),
}  # each: its set-up, and the modules it imports (timed apart from the set-up)


def mlp() -> keras.Model:
    """The 784-64-64-10 MLP, compiled with Adam; the same initial weights in every process."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="mlp_64_64",
    )
    model.compile(keras.optimizers.Adam(), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(tracker: str, epochs: int) -> dict:
    """Trains with `tracker` in the working directory; returns the timings, in seconds.

    Returns:
        `import` (the tracker's modules), `setup` (its run and callbacks, before `fit()`),
        `first_epoch` (from `fit()` called to the first epoch's end), `steady_wall` and
        `steady_cpu` (epochs 2 to the last), `finish` (from the last epoch's end to the run
        finished: `fit()`'s end and the tracker's own finish) and `batches` (trained).
    """
    from trainers import engine
    from trainers.config import RunConfig

    data = engine.load_data(RunConfig(dataset="mnist-5k", seed=0))  # the engine's split
    # TensorFlow ends its start-up in the background during a process's first fit(), a
    # quarter of a second here: a throwaway fit() of two batches takes it, so that no first
    # epoch holds it, nor is spared it by a tracker's import that gives it time to end.
    mlp().fit(data.x_train[:128], data.y_train[:128], batch_size=BATCH_SIZE, verbose=0)
    model = mlp()
    set_up, modules = TRACKERS[tracker]
    start = time.perf_counter()
    for module in modules:
        importlib.import_module(module)
    imported = time.perf_counter()
    callbacks, finish = set_up(Path.cwd())
    clock = EpochClock()
    began = time.perf_counter()
    model.fit(
        data.x_train,
        data.y_train,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        callbacks=[*callbacks, clock],
        verbose=0,
    )
    if finish is not None:
        finish()
    finished = time.perf_counter()
    steps = -(-len(data.y_train) // BATCH_SIZE)
    return {
        "tracker": tracker,
        "import": imported - start,
        "setup": began - imported,
        "first_epoch": clock.ends[0] - began,
        "steady_wall": clock.ends[-1] - clock.ends[0],
        "steady_cpu": clock.cpu[-1] - clock.cpu[0],
        "finish": finished - clock.ends[-1],
        "batches": epochs * steps,
    }


if __name__ == "__main__":  # python benchmarks/peers_child.py TRACKER EPOCHS
    tracker, epochs = sys.argv[1:]
    print(json.dumps(train(tracker, int(epochs))), flush=True)
