"""Distributed training on this machine: `fit` against `fit_mirrored`, one worker against two.

Two pairs, each training mlp-logits on mnist-5k in global batches of 64 from the same seed:

- `fit` (one device, batches of 64) against `fit_mirrored` with 2 replicas of 32 each, in one
  child Python process that splits its CPU into two logical devices (`trainers.devices`)
  before TensorFlow initializes: a process that has already run TensorFlow, as
  `python -m benchmarks` has after `instrumentation`, can no longer split it.
- `loop_multiworker` with 1 worker against 2 workers of 32 each, as the real command
  (`python -m trainers run ... --workers N`): two workers are two more processes that join
  over localhost gRPC, started by the first, which stores the chief's run.

The rate is read back from each run's batch rows, whose `seconds` is the run's training time
at the batch's end: steps (and examples) per second within the epochs after the first, from
each epoch's first batch to its last. The first epoch (tracing, warm-up), the epoch ends
(validation) and the process's start and TensorFlow's import are all left out; the command's
wall time, start to end, is a figure of its own. The sides take turns (each round starts with
the other), the rates are medians over the rounds and the ratios medians of each round's own.

What this can and cannot show. Without a GPU, two logical CPU devices share the same cores
and TensorFlow's thread pools, so `fit_mirrored` cannot be faster than `fit` here: it does the
same arithmetic and pays for splitting each batch and adding up (all-reducing) the gradients.
Two worker processes on two cores contend for the same cores and exchange gradients over
localhost gRPC every step, so their rate shows the cost of the collective, not a speed-up.
What the pairs do show is that the code and its numbers are right: each distributed run
trains the same weights as its single-device twin, within float tolerance (a figure here).
Real speed-ups need several GPUs, or several machines. No goal is set for any figure.

    python -m benchmarks --only distributed
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

CHECKOUT = Path(__file__).resolve().parents[1]
GLOBAL_BATCH = 64
# Every run's: mlp-logits has no Dropout, whose masks each replica would draw for its own slice.
RUN = {"dataset": "mnist-5k", "architecture": "mlp-logits", "seed": 0}
REPLICAS = WORKERS = 2
HUNG_SECONDS = 240  # a command of a few epochs takes under a minute; longer, it is stuck
SINGLE_CPU = (
    "on this CPU the two logical devices share the same cores and thread pools: "
    "no speed-up is possible, only the cost of splitting batches and all-reducing gradients"
)
SHARED_CORES = (
    "two processes on two cores share them and all-reduce every step over localhost gRPC: "
    "the collective's cost, not a speed-up (that needs several GPUs or machines)"
)


def training_rate(batches: dict[str, list]) -> tuple[float, float]:
    """Global steps and examples per second of a run's batch rows, epochs after the first.

    Within each such epoch the interval runs from its first batch's end to its last's, so the
    epoch ends (validation) and the restart of each epoch's batches fall outside it.

    Raises:
        ValueError: when the run trained fewer than two epochs of two batches.
    """
    steps = examples = seconds = 0.0
    epochs = batches["epoch"]
    for epoch in sorted(set(epochs) - {min(epochs)}):
        rows = [i for i, e in enumerate(epochs) if e == epoch]
        if len(rows) < 2:
            continue
        steps += len(rows) - 1
        examples += sum(batches["size"][i] for i in rows[1:])
        seconds += batches["seconds"][rows[-1]] - batches["seconds"][rows[0]]
    if not seconds:
        raise ValueError(f"No epoch after the first to time: epochs {sorted(set(epochs))}.")
    return steps / seconds, examples / seconds


def largest_difference(weights: list[np.ndarray], reference: list[np.ndarray]) -> float:
    """The largest absolute difference between two networks' weights, array by array."""
    return max(
        float(np.max(np.abs(np.asarray(a, "float64") - b)))
        for a, b in zip(weights, reference, strict=True)
    )


def in_turns(rounds: int, sides: tuple[str, str]) -> Iterator[tuple[int, str]]:
    """`(round, side)` in turns: each round starts with the side the last one ended with."""
    for number in range(rounds):
        for side in sides if number % 2 == 0 else sides[::-1]:
            yield number, side


def mirrored_rounds(rounds: int, epochs: int) -> dict:
    """Trains `fit` and `fit_mirrored` in turns in this process; to be run in a fresh one.

    Returns:
        Per side, `rates`: `[steps/s, examples/s]` per round; and `difference`: the largest
        absolute difference between the two sides' trained weights in the first round.
    """
    from trainers import devices

    devices.split_cpu()  # before anything else initializes TensorFlow: it fixes the devices

    from trainers import engine
    from trainers.config import RunConfig
    from trainers.control import RunControl
    from trainers.events import RunLog

    configs = {
        "fit": RunConfig(style="fit", batch_size=GLOBAL_BATCH, **RUN, epochs=epochs),
        "fit_mirrored": RunConfig(
            style="fit_mirrored",
            batch_size=GLOBAL_BATCH // REPLICAS,
            replicas=REPLICAS,
            **RUN,
            epochs=epochs,
        ),
    }
    rates: dict[str, list] = {side: [] for side in configs}
    weights = {}
    for number, side in in_turns(rounds, tuple(configs)):
        log = RunLog(f"{side}-{number}", configs[side].to_dict())
        run = engine.execute(configs[side], log, RunControl())
        if log.error:
            raise RuntimeError(f"{side} failed: {log.error}")
        rates[side].append(training_rate(log.batches))
        weights.setdefault(side, run.model.get_weights())
    return {
        "rates": rates,
        "difference": largest_difference(weights["fit_mirrored"], weights["fit"]),
    }


def command_run(workers: int, epochs: int, folder: Path, out: Path | None) -> tuple[dict, float]:
    """`python -m trainers run` of `loop_multiworker` with `workers`, its store in `folder`.

    Returns:
        The run's batch columns, read back from the store, and the command's wall seconds.

    Raises:
        RuntimeError: when the command failed, with the end of what it printed.
    """
    command = [sys.executable, "-m", "trainers", "run", "--style", "loop_multiworker"]
    command += ["--workers", str(workers), "--batch-size", str(GLOBAL_BATCH // workers)]
    command += ["--dataset", RUN["dataset"], "--arch", RUN["architecture"], "--seed", "0"]
    command += ["--epochs", str(epochs)] + (["--out", str(out)] if out else [])
    env = {k: v for k, v in os.environ.items() if k not in ("LOOPLAB_DATABASE_URL", "TF_CONFIG")}
    env |= {"LOOPLAB_HOME": str(folder), "TF_CPP_MIN_LOG_LEVEL": "2"}
    start = time.perf_counter()
    # A session of its own: the workers it starts are in its process group, ended with it.
    with subprocess.Popen(
        command,
        cwd=CHECKOUT,
        env=env,
        text=True,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            said, errors = process.communicate(timeout=HUNG_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RuntimeError(
                f"{' '.join(command[1:])} hung: no end after {HUNG_SECONDS} s, so it and its "
                "workers were killed"
            ) from None
    wall = time.perf_counter() - start
    if process.returncode:
        said = (said + errors).strip().splitlines()[-12:]
        raise RuntimeError(
            f"{' '.join(command[1:])} exited {process.returncode}:\n" + "\n".join(said)
        )
    from trainers.store import Store

    store = Store(f"sqlite:///{folder / 'looplab.db'}")
    (run,) = store.runs()  # one run per folder
    return store.batches_since(run["run_id"], -1), wall


def multiworker_rounds(rounds: int, epochs: int, folder: Path) -> dict:
    """Trains `loop_multiworker` with 1 worker and with 2 in turns, each as its own command.

    Returns:
        Per side, `rates` (`[steps/s, examples/s]`) and `walls` (seconds) per round; and
        `difference`, between the two sides' trained weights in the first round.
    """
    sides = ("1 worker", f"{WORKERS} workers")
    rates: dict[str, list] = {side: [] for side in sides}
    walls: dict[str, list] = {side: [] for side in sides}
    for number, side in in_turns(rounds, sides):
        workers = 1 if side == sides[0] else WORKERS
        home = folder / f"{workers}-{number}"
        out = home / "out" if number == 0 else None  # the first round keeps its weights
        batches, wall = command_run(workers, epochs, home, out)
        rates[side].append(training_rate(batches))
        walls[side].append(wall)
    trained = [np.load(folder / f"{w}-0" / "out" / "weights.npz") for w in (WORKERS, 1)]
    weights = [[archive[key] for key in sorted(archive.files)] for archive in trained]
    return {"rates": rates, "walls": walls, "difference": largest_difference(*weights)}


def pair_figures(
    rates: dict[str, list], what: dict[str, str], ratio_name: str, examples: bool, how: str
) -> list[dict]:
    """Each side's median rate and the median of each round's ratio of the second to the first."""
    (first, second), figures = list(rates), []
    columns = (
        ((0, "steps/s", "global steps"), (1, "examples/s", "examples"))
        if examples
        else ((0, "steps/s", "global steps"),)
    )
    for column, unit, counted in columns:
        for side in (first, second):
            figures.append(
                figure(
                    f"{what[side]}, {counted} per second",
                    statistics.median(r[column] for r in rates[side]),
                    unit,
                    f"{side}; {how}",
                )
            )
    ratio = statistics.median(b[0] / a[0] for a, b in zip(rates[first], rates[second], strict=True))
    figures.append(
        figure(
            ratio_name,
            ratio,
            "×",
            f"steps/s of {second} over {first}, median of each round's ratio",
        )
    )
    return figures


def figure(name: str, value: float, unit: str, detail: str) -> dict:
    """A figure without a goal: nothing here has a speed Looplab can promise (see above)."""
    return {"name": name, "value": value, "unit": unit, "goal": None, "met": None, "detail": detail}


def mirrored_figures(rounds: int, epochs: int, folder: Path, how: str) -> list[dict]:
    """`fit` against `fit_mirrored`, trained in a child process: its figures."""
    # A fresh process: TensorFlow splits the CPU only before it first runs.
    result = folder / "mirrored.json"
    env = os.environ | {
        "LOOPLAB_HOME": str(folder / "mirrored"),
        "LOOPLAB_CPU_DEVICES": str(REPLICAS),
    }
    child = [sys.executable, "-m", "benchmarks.distributed", str(rounds), str(epochs), str(result)]
    done = subprocess.run(
        child, cwd=CHECKOUT, env=env, capture_output=True, text=True, timeout=4 * HUNG_SECONDS
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(child[1:])} exited {done.returncode}:\n{done.stderr}")
    mirrored = json.loads(result.read_text())
    figures = pair_figures(
        mirrored["rates"],
        {"fit": "fit", "fit_mirrored": f"fit_mirrored ×{REPLICAS}"},
        f"fit_mirrored ×{REPLICAS} against fit",
        True,
        how,
    )
    figures[-1]["detail"] += f"; {SINGLE_CPU}"
    figures.append(
        figure(
            f"fit_mirrored ×{REPLICAS} against fit, largest weight difference",
            mirrored["difference"],
            "abs.",
            f"after {epochs} epochs from the same seed: the same training, up to float rounding",
        )
    )
    return figures


def multiworker_figures(rounds: int, epochs: int, folder: Path, how: str) -> list[dict]:
    """One worker against two, each round a command of its own: their figures."""
    multiworker = multiworker_rounds(rounds, epochs, folder)
    sides = list(multiworker["rates"])
    figures = pair_figures(
        multiworker["rates"],
        {side: f"loop_multiworker {side}" for side in sides},
        f"loop_multiworker {sides[1]} against 1",
        False,
        how,
    )
    figures[-1]["detail"] += f"; {SHARED_CORES}"
    for side in sides:
        figures.append(
            figure(
                f"loop_multiworker {side}, command wall time",
                statistics.median(multiworker["walls"][side]),
                "s",
                f"`python -m trainers run` from start to end: every process's start and "
                f"TensorFlow's import, {epochs} epochs, the store; median of {rounds}",
            )
        )
    figures.append(
        figure(
            f"loop_multiworker {sides[1]} against 1, largest weight difference",
            multiworker["difference"],
            "abs.",
            f"after {epochs} epochs from the same seed (weights.npz): the same training, "
            "up to float rounding",
        )
    )
    return figures


def run(rounds: int, epochs: int) -> list[dict]:
    """Measures both pairs, printing each pair's figures as soon as it has them (so a pair
    that fails leaves the other's on screen); returns the figures (see `benchmarks`)."""
    how = (
        f"mlp-logits on mnist-5k, global batch {GLOBAL_BATCH}, epochs 2–{epochs} timed, "
        f"median of {rounds} interleaved rounds"
    )
    figures = []
    with tempfile.TemporaryDirectory(prefix="looplab-distributed-") as name:
        for pair in (mirrored_figures, multiworker_figures):
            measured = pair(rounds, epochs, Path(name), how)
            for f in measured:
                print(f"{f['name']}: {f['value']:.4g} {f['unit']}".rstrip(), flush=True)
            figures += measured
    return figures


def measure(quick: bool) -> list[dict]:
    """The figures: 3 rounds of 3 epochs when `quick` (2 timed), else 5 rounds of 6."""
    return run(*((3, 3) if quick else (5, 6)))


if __name__ == "__main__":  # the child of `run`: python -m benchmarks.distributed ROUNDS EPOCHS OUT
    rounds, epochs, out = sys.argv[1:]
    Path(out).write_text(json.dumps(mirrored_rounds(int(rounds), int(epochs))))
