"""What Looplab's live instrumentation costs: `fit()` with and without the run's callback.

Every batch of the `fit` style reaches the charts through `Run.callback()`: Keras hands the
callback the batch's logs, the `Recorder` turns them into a row (the batch's own values and the
running means, the learning rate, the speed) and `RunLog.emit` appends it to the columns pages
read. This script measures what that costs against plain `model.fit(verbose=0)`, on the same
model and the same `tf.data` pipeline (the mlp on mnist-5k, batches of 64), and, for reference,
against an empty per-batch callback (what Keras itself spends handing logs to Python) and
Keras' own `TensorBoard` callback writing every batch, when tensorboard is installed.

The three variants take turns, round after round, in one process, so that whatever else the
machine does slows them alike; the table shows the medians over the rounds, in wall time and in
this process's CPU time (the steadier figure on a busy machine). The goal: at most 3 % slower.

Run it from the repository root:

    python benchmarks/instrumentation.py
    python benchmarks/instrumentation.py --rounds 9 --epochs 3
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

GOAL = 0.03  # the largest acceptable slowdown of the run's callback
PLAIN, LOOPLAB = "plain fit(verbose=0)", "Looplab callback"


def measure(rounds: int, epochs: int) -> tuple[dict[str, list[tuple[float, float]]], int, float]:
    """Trains the variants in turn.

    Returns:
        `(wall seconds, CPU seconds)` per variant and round, the examples per `fit()`, and the
        seconds the callback's own work takes per batch.
    """
    import keras

    from trainers import engine
    from trainers.config import RunConfig
    from trainers.control import RunControl
    from trainers.events import RunLog
    from trainers.styles import fit

    config = RunConfig(dataset="mnist-5k", architecture="mlp", style="fit", epochs=epochs)
    log = RunLog("benchmark", config.to_dict())
    run = engine.prepare(config, engine.load_data(config), log, RunControl())
    model = fit.build(run)
    dataset = run.train_dataset()  # the same pipeline for every variant
    log_dir = tempfile.mkdtemp(prefix="looplab-tensorboard-")
    variants = {
        PLAIN: list,
        LOOPLAB: lambda: [run.callback()],
        # Keras' own cost of handing every batch's logs to Python, with nothing done with them.
        "empty batch callback": lambda: [
            keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: None)
        ],
    }
    if importlib.util.find_spec("tensorboard"):  # tf.summary needs the tensorboard package
        variants["TensorBoard, every batch"] = lambda: [
            keras.callbacks.TensorBoard(log_dir=log_dir, update_freq="batch")
        ]
    else:
        print("TensorBoard is not installed: its row is left out (pip install tensorboard).")

    def train(callbacks: list) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        model.fit(
            dataset,
            epochs=epochs,
            steps_per_epoch=run.steps_per_epoch,
            callbacks=callbacks,
            shuffle=False,
            verbose=0,
        )
        return time.perf_counter() - wall, time.process_time() - cpu

    for make_callbacks in variants.values():  # tracing and first-call costs, not measured
        train(make_callbacks())
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    names = list(variants)
    for round_number in range(rounds):
        # Each round starts with another variant, so none always runs first.
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(train(variants[name]()))
    rows = len(log.batches.get("step", ()))
    expected = (rounds + 1) * epochs * run.steps_per_epoch
    assert rows == expected, f"The callback recorded {rows} batch rows, expected {expected}."
    return times, run.examples * epochs, callback_seconds_per_batch(run)


def callback_seconds_per_batch(run, batches: int = 5000) -> float:
    """The seconds the run's callback spends on one batch's logs, with no training around it."""
    callback = run.callback()
    callback.on_epoch_begin(0)
    logs = {"accuracy": 0.5, "loss": 1.0}  # as fit() hands them over: Python floats
    start = time.perf_counter()
    for batch in range(batches):
        callback.on_train_batch_end(batch % run.steps_per_epoch, logs)
    return (time.perf_counter() - start) / batches


def report(times: dict[str, list[tuple[float, float]]], examples: int) -> float:
    """Prints the table; returns the Looplab callback's slowdown in CPU time."""
    baseline_wall, baseline_cpu = (
        statistics.median(values) for values in zip(*times[PLAIN], strict=True)
    )
    print(f"{'variant':<26}{'examples/s':>12}{'wall s':>9}{'wall ratio':>12}"
          f"{'CPU s':>9}{'CPU ratio':>11}")  # fmt: skip
    slowdown = 0.0
    for name, values in times.items():
        wall, cpu = (statistics.median(column) for column in zip(*values, strict=True))
        print(
            f"{name:<26}{examples / wall:>12,.0f}{wall:>9.3f}{wall / baseline_wall:>12.3f}"
            f"{cpu:>9.3f}{cpu / baseline_cpu:>11.3f}"
        )
        if name == LOOPLAB:
            slowdown = cpu / baseline_cpu - 1
    return slowdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds (default 7)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per fit() (default 2)")
    arguments = parser.parse_args()
    times, examples, per_batch = measure(arguments.rounds, arguments.epochs)
    print(
        f"\nmlp on mnist-5k, batches of 64, {examples:,} examples per fit(), "
        f"medians of {arguments.rounds} interleaved rounds:\n"
    )
    slowdown = report(times, examples)
    plain_batch = statistics.median(wall for wall, _ in times[PLAIN]) * 64 / examples
    print(
        f"\nPer batch: plain fit() {plain_batch * 1e3:.2f} ms; the callback's own work "
        f"(Recorder.batch, RunLog.emit, controls) {per_batch * 1e6:.0f} µs, "
        f"{per_batch / plain_batch:.1%} of it."
    )
    verdict = "within" if slowdown <= GOAL else "over"
    print(f"\nThe Looplab callback costs {slowdown:+.1%} CPU time: {verdict} the {GOAL:.0%} goal.")


if __name__ == "__main__":
    main()
