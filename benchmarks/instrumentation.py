"""What Looplab's live instrumentation costs: `fit()` with and without the run's callback.

Every batch of the `fit` style reaches the charts through `Run.callback()`: Keras hands the
callback the batch's logs, the `Recorder` turns them into a row (the batch's own values and the
running means, the learning rate, the speed) and `RunLog.emit` appends it to the columns pages
read. This script measures what that costs against plain `model.fit(verbose=0)`, on the same
model and the same `tf.data` pipeline (the mlp on mnist-5k, batches of 64), and, for reference,
against an empty per-batch callback (what Keras itself spends handing logs to Python) and
Keras' own `TensorBoard` callback writing every batch, when tensorboard is installed.

One more row has the store on as well (`trainers.store`): the same callback, its run followed by
a `StoreWriter` into a SQLite database in a temporary folder, which writes every batch row from
its own thread, at least once a second.

The variants take turns, round after round, in one process, so that whatever else the
machine does slows them alike; the table shows the medians over the rounds, in wall time and in
this process's CPU time (the steadier figure on a busy machine), and the ratios are medians of
each round's own ratio. The goal: at most 5 % slower in wall time, what a person waits for;
the CPU time's slowdown is a figure beside it.

Run it from the repository root, alone or with the other benchmarks (`measure`):

    python benchmarks/instrumentation.py
    python benchmarks/instrumentation.py --rounds 9 --epochs 10
    python -m benchmarks --only instrumentation

Each `fit()` trains 6 epochs (about a second here) by default: long enough that the store's
writes keep their real rhythm (once a second and at each epoch's end) rather than one forced
write for every few hundred batches.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

GOAL = 0.05  # the largest acceptable slowdown of the run's callback, in wall time
PLAIN, LOOPLAB, STORED = "plain fit(verbose=0)", "Looplab callback", "callback + store"
TENSORBOARD = "TensorBoard, every batch"


def train_variants(
    rounds: int, epochs: int, folder: Path
) -> tuple[dict[str, list[tuple[float, float]]], int, dict]:
    """Trains the variants in turn, writing the store and TensorBoard's files in `folder`.

    Returns:
        `(wall seconds, CPU seconds)` per variant and round, the examples per `fit()`, and
        per batch: the seconds of the callback's own work (`"callback"`) and the CPU seconds
        of the store's writer thread (`"store"`).
    """
    import keras

    from trainers import engine
    from trainers.config import RunConfig
    from trainers.control import RunControl
    from trainers.events import RunLog
    from trainers.styles import fit

    config = RunConfig(dataset="mnist-5k", architecture="mlp", style="fit", epochs=epochs)
    data = engine.load_data(config)
    log = RunLog("benchmark", config.to_dict())
    run = engine.prepare(config, data, log, RunControl())
    model = fit.build(run)
    dataset = run.train_dataset()  # the same pipeline for every variant
    log_dir = str(folder / "tensorboard")
    store, writer, stored_run = stored(config, data, folder / "store")
    variants = {
        PLAIN: list,
        LOOPLAB: lambda: [run.callback()],
        STORED: lambda: [stored_run.callback()],
        # Keras' own cost of handing every batch's logs to Python, with nothing done with them.
        "empty batch callback": lambda: [
            keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: None)
        ],
    }
    if importlib.util.find_spec("tensorboard"):  # tf.summary needs the tensorboard package
        variants[TENSORBOARD] = lambda: [
            keras.callbacks.TensorBoard(log_dir=log_dir, update_freq="batch")
        ]
    else:
        print("TensorBoard is not installed: its row is left out (pip install tensorboard).")

    def train(name: str) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        model.fit(
            dataset,
            epochs=epochs,
            steps_per_epoch=run.steps_per_epoch,
            callbacks=variants[name](),
            shuffle=False,
            verbose=0,
        )
        if name == STORED:  # the store's row pays for all it wrote, the last second included
            writer.flush()
        return time.perf_counter() - wall, time.process_time() - cpu

    for name in variants:  # tracing and first-call costs, not measured
        train(name)
    warm_busy, warm_rows = writer.busy_seconds, len(stored_run.recorder.log.batches["step"])
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    names = list(variants)
    for round_number in range(rounds):
        # Each round starts with another variant, so none always runs first.
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(train(name))
    rows = len(log.batches.get("step", ()))
    expected = (rounds + 1) * epochs * run.steps_per_epoch
    assert rows == expected, f"The callback recorded {rows} batch rows, expected {expected}."
    writer.close()
    kept = len(store.batches_since(stored_run.recorder.log.run_id, -1).get("step", ()))
    assert kept == expected, f"The store holds {kept} batch rows, expected {expected}."
    print(f"The store kept all {kept} batch rows of its row's rounds ({store.url}).")
    store_busy = (writer.busy_seconds - warm_busy) / (kept - warm_rows)  # the measured rounds'
    per_batch = {"callback": callback_seconds_per_batch(run), "store": store_busy}
    return times, run.examples * epochs, per_batch


def stored(config, data, folder: Path) -> tuple:
    """The store's row: a second run on the same data, its log followed by a `StoreWriter`
    into a SQLite database in `folder`.

    Returns:
        `(store, writer, run)`: the run's callback is the row's.
    """
    from trainers import engine
    from trainers.control import RunControl
    from trainers.events import RunLog
    from trainers.store import Store, StoreWriter

    folder.mkdir()
    store = Store(f"sqlite:///{folder / 'looplab.db'}")
    writer = StoreWriter(store)
    log = RunLog(store.new_run_id("script"), config.to_dict())
    writer.follow(log, kind="script", owner="script", name="benchmark")
    return store, writer, engine.prepare(config, data, log, RunControl())


def callback_seconds_per_batch(run, batches: int = 5000) -> float:
    """The seconds the run's callback spends on one batch's logs, with no training around it."""
    callback = run.callback()
    callback.on_train_begin()
    logs = {"accuracy": 0.5, "loss": 1.0}  # as fit() hands them over: Python floats
    start = time.perf_counter()
    for step in range(batches):
        epoch, batch = divmod(step, run.steps_per_epoch)
        if batch == 0:
            callback.on_epoch_begin(epoch)
        callback.on_train_batch_begin(batch)
        callback.on_train_batch_end(batch, logs)
    return (time.perf_counter() - start) / batches


def report(
    times: dict[str, list[tuple[float, float]]], examples: int
) -> dict[str, tuple[float, float]]:
    """Prints the table; returns each variant's slowdown in wall time and in CPU time.

    The ratios are medians of each round's own ratio to plain `fit()` in that round: the
    variants of a round run back to back, so what slows the machine for a while (another
    process) slows both sides of a ratio, and the median leaves out the rounds it hit unevenly.
    """
    print(f"{'variant':<26}{'examples/s':>12}{'wall s':>9}{'wall ratio':>12}"
          f"{'CPU s':>9}{'CPU ratio':>11}")  # fmt: skip
    slowdowns = {}
    for name, values in times.items():
        wall, cpu = (statistics.median(column) for column in zip(*values, strict=True))
        wall_ratio, cpu_ratio = (
            statistics.median(mine / plain for mine, plain in zip(column, baseline, strict=True))
            for column, baseline in zip(
                zip(*values, strict=True), zip(*times[PLAIN], strict=True), strict=True
            )
        )
        print(
            f"{name:<26}{examples / wall:>12,.0f}{wall:>9.3f}{wall_ratio:>12.3f}"
            f"{cpu:>9.3f}{cpu_ratio:>11.3f}"
        )
        slowdowns[name] = wall_ratio - 1, cpu_ratio - 1
    return slowdowns


def run(rounds: int, epochs: int) -> list[dict]:
    """Trains and prints every variant; returns the figures (see `benchmarks`)."""
    with tempfile.TemporaryDirectory(prefix="looplab-benchmark-") as folder:
        times, examples, per_batch = train_variants(rounds, epochs, Path(folder))
        dashboard = dashboard_callback_seconds_per_batch(Path(folder) / "dashboard")
    print(
        f"\nmlp on mnist-5k, batches of 64, {examples:,} examples per fit(), "
        f"medians of {rounds} interleaved rounds:\n"
    )
    slowdowns = report(times, examples)
    plain_batch = statistics.median(wall for wall, _ in times[PLAIN]) * 64 / examples
    callback, store = per_batch["callback"], per_batch["store"]
    print(
        f"\nPer batch: plain fit() {plain_batch * 1e3:.2f} ms; the callback's own work "
        f"(Recorder.record, RunLog.emit, controls) {callback * 1e6:.0f} µs, "
        f"{callback / plain_batch:.1%} of it; the store's writer thread (SQLite chunks) "
        f"{store * 1e6:.0f} µs of CPU, {store / plain_batch:.1%} of it."
    )
    print()
    for name, what in ((LOOPLAB, "The Looplab callback"), (STORED, "With the store on, it")):
        wall, cpu = slowdowns[name]
        verdict = "within" if wall <= GOAL else "over"
        print(
            f"{what} costs {wall:+.1%} wall time ({cpu:+.1%} CPU time): "
            f"{verdict} the {GOAL:.0%} goal."
        )
    print(
        f"DashboardCallback's own work (Recorder.record, RunLog.emit, the store's queue) "
        f"{dashboard * 1e6:.0f} µs per batch, {dashboard / plain_batch:.1%} of a plain batch."
    )
    over = f"against plain fit(verbose=0), median of {rounds} interleaved rounds"
    rows = {LOOPLAB: "callback", STORED: "callback + store"}
    if TENSORBOARD in slowdowns:
        rows[TENSORBOARD] = "Keras TensorBoard (anchor)"
    figures = []
    for name, what in rows.items():
        wall, cpu = slowdowns[name]
        mine = name != TENSORBOARD  # Looplab's rows carry the goal, on wall time
        how = "" if mine else "update_freq='batch'; "
        figures += [
            {
                "name": f"instrumentation overhead, {what}, wall time",
                "value": 100 * wall,
                "unit": "%",
                "goal": f"≤ {GOAL:.0%}" if mine else None,
                "met": wall <= GOAL if mine else None,
                "detail": f"{how}wall time {over}",
            },
            {
                "name": f"instrumentation overhead, {what}, CPU time",
                "value": 100 * cpu,
                "unit": "%",
                "goal": None,
                "met": None,
                "detail": f"{how}this process's CPU time {over}",
            },
        ]
    per_batch_figures = (
        ("callback's own work per batch", callback, "Recorder.record, RunLog.emit, controls"),
        ("store writer's CPU per batch", store, "SQLite column chunks"),
        ("DashboardCallback's own work per batch", dashboard, "with the store's queue"),
    )
    for name, seconds, what in per_batch_figures:
        share = f"{seconds / plain_batch:.1%} of a {plain_batch * 1e3:.2f} ms batch"
        figures.append(
            {
                "name": name,
                "value": seconds * 1e6,
                "unit": "µs",
                "goal": None,
                "met": None,
                "detail": f"{what}; {share}",
            }
        )
    return figures


def measure(quick: bool) -> list[dict]:
    """The overhead figures: 5 rounds of 3 epochs when `quick`, else 7 rounds of 6."""
    return run(*((5, 3) if quick else (7, 6)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds (default 7)")
    parser.add_argument("--epochs", type=int, default=6, help="epochs per fit() (default 6)")
    arguments = parser.parse_args()
    run(arguments.rounds, arguments.epochs)


def dashboard_callback_seconds_per_batch(folder: Path, batches: int = 5000) -> float:
    """The seconds `DashboardCallback` (a script's own `fit()`) spends on one batch's logs.

    As `callback_seconds_per_batch` does for the run's callback, with no training around it:
    the `Recorder`, `RunLog.emit` and the store writer's queue, into a store in `folder` (its
    thread writes the rows meanwhile), and the loss tracker's count of examples read
    once an epoch for the last batch's size.
    """
    import keras

    from trainers import DashboardCallback
    from trainers.store import Store

    folder.mkdir()
    store = Store(f"sqlite:///{folder / 'looplab.db'}")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    callback = DashboardCallback(name="benchmark", batch_size=64, store=store)
    callback.set_model(model)
    steps = 71  # an epoch of mnist-5k's 4,500 training digits in batches of 64
    callback.set_params({"epochs": batches // steps + 1, "steps": steps})
    callback.on_train_begin()
    logs = {"accuracy": 0.5, "loss": 1.0}  # as fit() hands them over: Python floats
    start = time.perf_counter()
    for batch in range(batches):
        if batch % steps == 0:
            callback.on_epoch_begin(batch // steps)
        callback.on_train_batch_begin(batch % steps)
        callback.on_train_batch_end(batch % steps, logs)
    per_batch = (time.perf_counter() - start) / batches
    callback.finish()
    return per_batch


if __name__ == "__main__":
    main()
