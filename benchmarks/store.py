"""What the store costs on disk and to read: a run of a million batches, written and read back.

A run's batch rows go through the real path: a `Recorder` turns running means (float32 values,
as Keras hands them) into rows, its `RunLog` hands them to a `StoreWriter`, and the writer
thread writes them into a SQLite file in a temporary folder, a chunk of columns at a time
(`trainers.store.columns`). Then:

- bytes on disk per batch: the whole data folder once the writer has closed, the database's
  fixed tables included, for the run of a `fit()` of 16 epochs of mnist-5k (1,136 batches) and
  for the long run;
- the writer's memory: the Python heap's growth (tracemalloc) sampled while the long run is
  written, which must stay flat: the writer keeps only the chunk it is filling;
- reading the long run back, every field of every batch (`Store.batches_since`);
- a chart's view of it: the newest rows whole and the older ones thinned from each chunk's
  extremes (`Store.snapshot(run_id, recent=...)`).

    python benchmarks/store.py
    python -m benchmarks --only store
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

import numpy as np  # noqa: E402

FIT_BATCHES = 16 * 71  # 16 epochs of mnist-5k's 4,500 training digits in batches of 64
LONG_BATCHES = 1_000_000
BYTES_GOAL, READ_GOAL, VIEW_GOAL = 60, 0.5, 0.1


def write_run(folder: Path, batches: int, samples: int = 20) -> tuple[str, list[float]]:
    """Records a run of this many batches into a new store in `folder`, through a real
    `Recorder` and `StoreWriter`.

    Returns:
        The run's id, and the heap's growth in bytes at `samples` moments while it was written.
    """
    from trainers.control import RunControl
    from trainers.events import COMPLETED, RunLog
    from trainers.recorder import Recorder
    from trainers.store import Store, StoreWriter

    store = Store(f"sqlite:///{folder / 'looplab.db'}")
    writer = StoreWriter(store)
    log = RunLog(store.new_run_id("script"), {"epochs": batches // 71 + 1})
    writer.follow(log, kind="script", owner="script", name="benchmark")
    recorder = Recorder(log, RunControl(), lambda kind, value: value, lambda: 0.001)
    log.emit("start", 0, {"steps_per_epoch": 71})
    # Running means as Keras hands them: float32 values of a noisy, falling loss.
    rng = np.random.default_rng(0)
    losses = (2.3 * np.exp(-np.arange(batches) / 20_000) + 0.2 * rng.random(batches)).tolist()
    accuracies = (1 - np.asarray(losses) / 2.5).astype(np.float32).tolist()
    losses = np.asarray(losses, np.float32).tolist()
    growth, every = [], max(1, batches // samples)
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    for step in range(batches):
        epoch, batch = divmod(step, 71)
        means = {"accuracy": accuracies[step], "loss": losses[step]}
        recorder.record(epoch, batch, 64 if batch < 70 else 20, means=means)
        if batch == 70:
            recorder.epoch(epoch, {"loss": losses[step], "val_loss": losses[step]})
        if step % every == every - 1:
            growth.append(tracemalloc.get_traced_memory()[0] - baseline)
    tracemalloc.stop()
    log.status = COMPLETED
    recorder.end({})
    writer.close()
    store.writer_engine.dispose()  # the last connection: SQLite folds its log into the file
    return log.run_id, growth


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def timed(call, repeats: int = 5) -> float:
    """The median seconds of `call()` over `repeats` calls."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def run(long_batches: int) -> list[dict]:
    """Writes both runs, reads the long one back; prints and returns the figures."""
    from trainers import thinning
    from trainers.store import Store

    with tempfile.TemporaryDirectory(prefix="looplab-store-") as temporary:
        short_folder, long_folder = Path(temporary, "fit"), Path(temporary, "long")
        short_folder.mkdir(), long_folder.mkdir()
        write_run(short_folder, FIT_BATCHES)
        short_bytes = folder_bytes(short_folder) / FIT_BATCHES
        started = time.perf_counter()
        run_id, growth = write_run(long_folder, long_batches)
        write_seconds = time.perf_counter() - started
        long_bytes = folder_bytes(long_folder) / long_batches
        store = Store(f"sqlite:///{long_folder / 'looplab.db'}")
        rows = store.batches_since(run_id, -1)
        assert len(rows["step"]) == long_batches, "The store lost batches."
        read = timed(lambda: store.batches_since(run_id, -1), repeats=3)
        view = timed(lambda: store.snapshot(run_id, recent=thinning.RECENT))
        points = len(store.snapshot(run_id, recent=thinning.RECENT)["batches"]["step"])
    flat = max(growth[len(growth) // 2 :]) - max(growth[: len(growth) // 2])
    print(
        f"bytes on disk per batch: {short_bytes:.1f} ({FIT_BATCHES:,} batches), "
        f"{long_bytes:.1f} ({long_batches:,})\n"
        f"writing {long_batches:,} batches: {write_seconds:.1f} s; the heap grew at most "
        f"{max(growth) / 2**20:.1f} MiB, {flat / 2**20:+.2f} MiB in the second half\n"
        f"reading every field back: {read:.3f} s; a chart's view: {view * 1e3:.1f} ms, "
        f"{points:,} rows"
    )
    long_name = f"{long_batches:,} batches"
    return [
        figure(
            "store, bytes on disk per batch, a fit() of 16 epochs",
            short_bytes,
            "bytes",
            BYTES_GOAL,
            f"{FIT_BATCHES:,} batches of loss and accuracy; the whole data folder, the "
            "database's empty tables included",
        ),
        figure(
            f"store, bytes on disk per batch, {long_name}",
            long_bytes,
            "bytes",
            BYTES_GOAL,
            "every field of every batch",
        ),
        figure(
            f"store, reading back {long_name}, every field",
            read,
            "s",
            READ_GOAL,
            "Store.batches_since(run, -1), median of 3",
        ),
        figure(
            f"store, a chart's view of {long_name}",
            view,
            "s",
            VIEW_GOAL,
            f"Store.snapshot(run, recent={thinning.RECENT:,}): {points:,} rows, median of 5",
        ),
        figure(
            "store, writer's heap growth in the second half of the run",
            flat / 2**20,
            "MiB",
            None,
            f"tracemalloc while {long_name} are written; at most {max(growth) / 2**20:.1f} MiB",
        ),
    ]


def figure(name: str, value: float, unit: str, goal: float | None, detail: str) -> dict:
    """A figure with an upper goal (see `benchmarks.report`)."""
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "goal": None if goal is None else f"≤ {goal:g} {unit}",
        "met": None if goal is None else value <= goal,
        "detail": detail,
    }


def measure(quick: bool) -> list[dict]:
    """The store's figures: a run of 100,000 batches when `quick`, else of a million."""
    return run(LONG_BATCHES // 10 if quick else LONG_BATCHES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=LONG_BATCHES, help="the long run's batches")
    run(parser.parse_args().batches)


if __name__ == "__main__":
    main()
