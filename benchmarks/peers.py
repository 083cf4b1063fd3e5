"""Looplab against the trackers people use instead: the same `fit()`, logged every batch.

Each tracker records the same training: the 784-64-64-10 MLP (Dense 64 relu, Dense 64 relu,
Dense 10 softmax) on mnist-5k's training split, in batches of 64 with Adam, its loss and
accuracy logged after every batch:

| row | how it logs |
|---|---|
| plain `fit(verbose=0)` | it does not: the baseline |
| empty batch callback | a Keras callback whose `on_train_batch_end` does nothing (reference) |
| Looplab | `DashboardCallback(name="peers")`, its store a SQLite file in `$LOOPLAB_HOME` |
| trackio | `trackio.init()`, then `trackio.log()` after each batch (local) |
| Aim | `aim.Run(repo=...)`, then `run.track()` after each batch |
| W&B offline | `wandb.init(mode="offline")` and `WandbMetricsLogger(log_freq="batch")` |
| TensorBoard | Keras' `TensorBoard(update_freq="batch")` |
| DVCLive | `Live()`, then `log_metric()` and `next_step()` after each batch |
| MLflow | a run on a SQLite tracking URI and `MlflowCallback(log_every_n_steps=1)` |

Every tracker trains in a fresh Python process of its own (`benchmarks/peers_child.py`), in a
temporary folder of its own that holds everything it writes: its working directory, and its
home, caches and data folders through their environment variables, all offline, with no
telemetry. A round runs every tracker once, each round in another order, pinned to one core
(`taskset -c 0`) and then to two (`taskset -c 0,1`).

What each process reports, and what the table shows of it:

- steady slowdown: the wall time of epochs 2 to the last against plain `fit()`'s in the same
  round, a median of the rounds' ratios; beside it the same for the CPU time of the process
  and the processes it started (W&B writes from a service process);
- extra time in the first epoch: from `fit()` called to the first epoch's end (tracing,
  the tracker's `on_train_begin`), minus plain `fit()`'s;
- bytes on disk per batch: every file in the process's folder once it has ended, over the
  batches it trained;
- setup: the tracker's run and callbacks made before `fit()` (its import apart), and finish:
  from the last epoch's end to the run finished (`on_train_end`, `finish()` and the like).

Looplab's goals: at most 5 % slower in steady state, and lighter than every peer on two
cores; at most 0.1 s more in the first epoch; at most 60 bytes on disk per batch. A peer that
is not installed is skipped (`pip install -r requirements-bench.txt` installs them all), and
one that fails is reported as failed; the others still run.

    python benchmarks/peers.py
    python benchmarks/peers.py --rounds 3 --epochs 6
    python -m benchmarks --only peers
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import stat
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = Path(__file__).with_name("peers_child.py")
INSTALL = "pip install -r requirements-bench.txt"
SLOWDOWN_GOAL, FIRST_EPOCH_GOAL, BYTES_GOAL = 0.05, 0.1, 60
HUNG_SECONDS = 600  # one process trains for well under a minute; longer, it is stuck
CORES = {1: "0", 2: "0,1"}  # taskset's list of the cores each setting may use
PLAIN, EMPTY, LOOPLAB = "plain", "empty", "looplab"
# The child's name for each row: the row's name, and the package it needs (None: none more).
TRACKERS = {
    PLAIN: ("plain fit(verbose=0)", None),
    EMPTY: ("empty batch callback", None),
    LOOPLAB: ("Looplab", None),
    "trackio": ("trackio", "trackio"),
    "aim": ("Aim", "aim"),
    "wandb": ("W&B offline", "wandb"),
    "tensorboard": ("TensorBoard", "tensorboard"),
    "dvclive": ("DVCLive", "dvclive"),
    "mlflow": ("MLflow", "mlflow"),
}
# The trackers' own variables, left out of the children's environment: no server, no key.
FOREIGN = ("AIM_", "DVC_", "HF_", "LOOPLAB_", "MLFLOW_", "TF_CONFIG", "TRACKIO_", "WANDB_")


def cores_name(cores: int) -> str:
    """`"1 core"`, `"2 cores"`."""
    return f"{cores} core" + ("s" if cores > 1 else "")


def environment(folder: Path, shared: Path) -> dict[str, str]:
    """The environment of a child in `folder`: every tracker's files there, and offline.

    Keras' configuration and matplotlib's font cache, written once by whichever process comes
    first whatever it tracks, go to `shared`, outside every tracker's folder.
    """
    home = folder / "home"
    places = {
        "HOME": home,
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "KERAS_HOME": shared / "keras",
        "MPLCONFIGDIR": shared / "matplotlib",
        "LOOPLAB_HOME": folder / "looplab",
        "TRACKIO_DIR": folder / "trackio",
        "HF_HOME": folder / "huggingface",
        "WANDB_DIR": folder,
        "WANDB_CACHE_DIR": folder / "wandb-cache",
        "WANDB_CONFIG_DIR": folder / "wandb-config",
        "WANDB_DATA_DIR": folder / "wandb-data",
        "WANDB_ARTIFACT_DIR": folder / "wandb-artifacts",
    }
    switches = {
        "KERAS_BACKEND": "tensorflow",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DVC_NO_ANALYTICS": "1",
        "DVC_STUDIO_OFFLINE": "1",
        "DO_NOT_TRACK": "1",
    }
    kept = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    return kept | {name: str(path) for name, path in places.items()} | switches


def folder_bytes(folder: Path) -> int:
    """The bytes of every file under `folder` (their sizes; links are not followed)."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            status = os.lstat(os.path.join(parent, name))
            if stat.S_ISREG(status.st_mode):
                total += status.st_size
    return total


def train(tracker: str, epochs: int, cores: int, folder: Path, shared: Path) -> dict:
    """Runs the child for `tracker` on `cores` cores, in `folder`; returns what it measured.

    Returns:
        The child's timings (see `peers_child.train`) and `bytes`, all it left in `folder`.

    Raises:
        RuntimeError: when the child failed or printed no result, with the end of its output.
    """
    folder.mkdir(parents=True)
    (folder / "home").mkdir()
    command = ["taskset", "-c", CORES[cores], sys.executable, str(CHILD), tracker, str(epochs)]
    done = subprocess.run(
        command,
        cwd=folder,
        env=environment(folder, shared),
        capture_output=True,
        text=True,
        timeout=HUNG_SECONDS,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines or not lines[-1].startswith("{"):
        said = (done.stdout + done.stderr).strip().splitlines()[-6:]
        raise RuntimeError(f"exited {done.returncode}: " + " / ".join(said))
    return json.loads(lines[-1]) | {"bytes": folder_bytes(folder)}


def available() -> tuple[list[str], dict[str, str]]:
    """The trackers whose packages are installed, and why each other one is skipped."""
    chosen, skipped = [], {}
    for tracker, (_, package) in TRACKERS.items():
        if package is None or importlib.util.find_spec(package):
            chosen.append(tracker)
        else:
            skipped[tracker] = f"skipped: {package} is not installed ({INSTALL})"
    return chosen, skipped


def train_rounds(trackers: list[str], rounds: int, epochs: int, folder: Path) -> dict:
    """Trains every tracker once a round on each number of cores, each round in another order.

    Returns:
        Per number of cores and tracker, one entry per round: the child's result, or the
        error (a string) it failed with.
    """
    results: dict = {cores: {tracker: [] for tracker in trackers} for cores in CORES}
    for number in range(rounds):
        shift = number % len(trackers)  # each round starts with another tracker
        for cores in CORES:
            for tracker in trackers[shift:] + trackers[:shift]:
                try:
                    result = train(
                        tracker, epochs, cores, folder / f"{number}-{cores}-{tracker}", folder
                    )
                except (RuntimeError, subprocess.TimeoutExpired) as error:
                    result = str(error)
                    said = f"FAILED {result}"
                else:
                    said = (
                        f"epochs 2–{epochs} {result['steady_wall']:.2f} s, "
                        f"{result['bytes'] / result['batches']:,.0f} bytes a batch"
                    )
                print(f"round {number + 1}, {cores_name(cores)}, {tracker}: {said}", flush=True)
                results[cores][tracker].append(result)
    return results


def summarize(runs: list, plains: list) -> dict | str:
    """One tracker's medians over the rounds in which it and plain `fit()` both trained.

    Returns:
        `slowdown` and `cpu` (each round's ratio to plain `fit()`'s, less 1), `first_extra`
        (seconds more than plain's first epoch), `bytes` (per batch), `setup`, `import` and
        `finish` (seconds), and `rounds`; or, when it never trained, its last error.
    """
    pairs = [
        (mine, plain)
        for mine, plain in zip(runs, plains, strict=True)
        if isinstance(mine, dict) and isinstance(plain, dict)
    ]
    if not pairs:
        errors = [run for run in runs if isinstance(run, str)]
        return f"failed: {errors[-1]}" if errors else "plain fit() failed in every round"

    def median(value) -> float:
        return statistics.median(value(mine, plain) for mine, plain in pairs)

    return {
        "slowdown": median(lambda m, p: m["steady_wall"] / p["steady_wall"] - 1),
        "cpu": median(lambda m, p: m["steady_cpu"] / p["steady_cpu"] - 1),
        "first_extra": median(lambda m, p: m["first_epoch"] - p["first_epoch"]),
        "bytes": median(lambda m, p: m["bytes"] / m["batches"]),
        "setup": median(lambda m, p: m["setup"]),
        "import": median(lambda m, p: m["import"]),
        "finish": median(lambda m, p: m["finish"]),
        "rounds": len(pairs),
        "failures": sum(isinstance(run, str) for run in runs),
    }


def baseline(plains: list) -> dict:
    """Plain `fit()`'s own medians: the steady window's and the first epoch's seconds.

    Raises:
        RuntimeError: when plain `fit()` failed in every round: nothing can be compared.
    """
    measured = [run for run in plains if isinstance(run, dict)]
    if not measured:
        raise RuntimeError(f"plain fit() failed in every round: {plains[-1]}")
    return {
        key: statistics.median(run[key] for run in measured)
        for key in ("steady_wall", "first_epoch", "finish")
    } | {"batches": measured[0]["batches"]}


def print_table(cores: int, summaries: dict, plain: dict, epochs: int) -> None:
    """Prints one number of cores' table, in Markdown: a row per tracker."""
    epoch = plain["steady_wall"] / (epochs - 1)
    print(
        f"\n{cores_name(cores)}: wall time of epochs 2–{epochs} against plain fit()'s "
        f"({epoch * 1e3:.0f} ms an epoch, first epoch {plain['first_epoch']:.2f} s):\n"
    )
    print(
        "| tracker | steady slowdown | extra time in the first epoch | bytes on disk per batch "
        "| CPU time | setup (import) | finish |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for tracker, summary in summaries.items():
        name = TRACKERS[tracker][0]
        if isinstance(summary, str):
            print(f"| {name} | {summary} | | | | | |")
            continue
        print(
            f"| {name} | {summary['slowdown']:+.1%} | {summary['first_extra']:+.2f} s "
            f"| {summary['bytes']:,.0f} | {summary['cpu']:+.1%} "
            f"| {summary['setup']:.2f} s ({summary['import']:.2f} s) "
            f"| {summary['finish']:.2f} s |"
        )


def tracker_figures(
    tracker: str, cores: int, summary: dict | str, plain: dict, epochs: int
) -> list[dict]:
    """A tracker's three figures on `cores` cores; Looplab's carry its goals."""
    name, where = TRACKERS[tracker][0], cores_name(cores)
    goals = (
        (f"≤ {SLOWDOWN_GOAL:.0%}", 100 * SLOWDOWN_GOAL),
        (f"≤ {FIRST_EPOCH_GOAL} s", FIRST_EPOCH_GOAL),
        (f"≤ {BYTES_GOAL}", BYTES_GOAL),
    )
    if isinstance(summary, str):
        values, details = (None, None, None), (summary,) * 3
    else:
        epoch = plain["steady_wall"] / (epochs - 1)
        rounds = f"median of {summary['rounds']} interleaved rounds"
        if summary["failures"]:
            rounds += f" ({summary['failures']} failed)"
        values = (100 * summary["slowdown"], summary["first_extra"], summary["bytes"])
        details = (
            f"wall time of epochs 2–{epochs} against plain fit(verbose=0)'s ({epoch * 1e3:.0f} "
            f"ms an epoch), {rounds}; CPU time {summary['cpu']:+.1%} (with its child processes)",
            f"from fit() called to the first epoch's end, against plain fit()'s "
            f"({plain['first_epoch']:.2f} s), {rounds}; set-up before fit() "
            f"{summary['setup']:.2f} s (import {summary['import']:.2f} s), finish after the "
            f"last epoch {summary['finish']:.2f} s (plain fit(): {plain['finish']:.2f} s)",
            f"every file in the process's folder when it ended, over {plain['batches']:,} "
            f"batches, {rounds}",
        )
    mine, figures = tracker == LOOPLAB, []
    for what, unit, value, detail, (goal, limit) in zip(
        ("steady slowdown", "first-epoch extra", "bytes per batch"),
        ("%", "s", "bytes"),
        values,
        details,
        goals,
        strict=True,
    ):
        figures.append(
            {
                "name": f"peers, {name}, {what}, {where}",
                "value": value,
                "unit": unit,
                "goal": goal if mine else None,
                "met": (value is not None and value <= limit) if mine else None,
                "detail": detail,
            }
        )
    return figures


def lightest_figure(summaries: dict) -> dict:
    """Whether Looplab slows `fit()` less than every peer, two cores, wall time."""
    peers = {
        tracker: summary["slowdown"]
        for tracker, summary in summaries.items()
        if tracker not in (PLAIN, EMPTY, LOOPLAB) and isinstance(summary, dict)
    }
    looplab = summaries.get(LOOPLAB)
    figure = {"name": "peers: Looplab lightest", "unit": "points", "goal": "> 0"}
    if not isinstance(looplab, dict) or not peers:
        why = looplab if isinstance(looplab, str) else "no peer was measured"
        return figure | {"value": None, "met": False, "detail": why}
    nearest = min(peers, key=peers.get)
    margin = 100 * (peers[nearest] - looplab["slowdown"])
    return figure | {
        "value": margin,
        "met": margin > 0,
        "detail": (
            f"the lightest peer's steady slowdown less Looplab's, 2 cores, wall time: "
            f"{TRACKERS[nearest][0]} {peers[nearest]:+.1%}, Looplab {looplab['slowdown']:+.1%}"
            f", of {len(peers)} peers measured"
        ),
    }


def run(rounds: int, epochs: int) -> list[dict]:
    """Trains every tracker, prints the tables; returns the figures (see `benchmarks`).

    Raises:
        ValueError: for fewer than 2 epochs: the steady window starts at the second.
    """
    if epochs < 2:
        raise ValueError(f"epochs must be 2 or more (the steady window is 2 to the last): {epochs}")
    trackers, skipped = available()
    for reason in skipped.values():
        print(reason)
    with tempfile.TemporaryDirectory(prefix="looplab-peers-") as folder:
        results = train_rounds(trackers, rounds, epochs, Path(folder))
    print(
        f"\n784-64-64-10 MLP on mnist-5k, batches of 64, Adam, {epochs} epochs; loss and "
        f"accuracy logged after every batch; medians of {rounds} interleaved rounds, "
        "each tracker in a fresh process."
    )
    figures, tables = [], {}
    for cores in sorted(CORES, reverse=True):  # two cores first: the headline
        plain = baseline(results[cores][PLAIN])
        tables[cores] = {
            tracker: skipped[tracker]
            if tracker in skipped
            else summarize(results[cores][tracker], results[cores][PLAIN])
            for tracker in TRACKERS
            if tracker != PLAIN
        }
        print_table(cores, tables[cores], plain, epochs)
        for tracker, summary in tables[cores].items():
            figures += tracker_figures(tracker, cores, summary, plain, epochs)
    lightest = lightest_figure(tables[2])
    verdict = "yes" if lightest["met"] else "no"
    print(f"\nLooplab lightest on 2 cores: {verdict}; {lightest['detail']}")
    return [*figures, lightest]


def measure(quick: bool) -> list[dict]:
    """The peers' figures: 2 rounds of 8 epochs when `quick`, else 5 rounds of 16."""
    return run(*((2, 8) if quick else (5, 16)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--epochs", type=int, default=16, help="epochs per fit() (default 16)")
    arguments = parser.parse_args()
    run(arguments.rounds, arguments.epochs)


if __name__ == "__main__":
    main()
