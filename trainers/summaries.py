"""What the pages and the command line print about a group of runs: a race, a style lab.

Plain NumPy on snapshots (see `trainers.group.GroupLog.snapshot`), so any thread may call it:
the milliseconds per step, the per-batch series a race draws, its leader board with the steps
each contestant took to reach the race's target accuracy, the style lab's table, and how much
faster `tf.function` makes the loop than eager execution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trainers.events import DIVERGED, FAILED, steps_in

# The first steps left out of the time per step: the first traces the train step into a graph
# and builds the optimizer's slots, and the next few still run slower while fit()'s input
# pipeline fills and TensorFlow warms up. One value for the race and the lab (which left out 3
# and 5): 5, the more cautious, since leaving out two more of an epoch's dozens of steps hardly
# moves a median. A run no longer than that keeps its last step.
WARMUP_STEPS = 5
WINDOW = 10  # batches averaged for the current loss and accuracy, and for the target
EQUAL_WITHIN = 1e-5  # weights this close are the same up to float rounding


def ms_per_step(batches: dict, warmup: int = WARMUP_STEPS) -> float | None:
    """The median milliseconds a step took, leaving out the first `warmup` steps (tracing).

    The median also leaves out the odd step that waited for something else, such as the
    validation at the end of an epoch. Short runs keep at least their last step.

    Args:
        batches: a snapshot's `batches` columns; `seconds` is the run's training time.
        warmup: the first steps to leave out.
    """
    seconds = np.asarray(batches.get("seconds", ()), dtype=float)
    if not seconds.size:
        return None
    durations = np.diff(seconds, prepend=0.0)
    return float(np.median(durations[min(warmup, seconds.size - 1) :]) * 1000)


def columns(batches: dict) -> dict[str, np.ndarray]:
    """A run's per-batch series: `step`, `examples` seen, `seconds` of its own compute,
    `ms_per_step`, and each metric's own value (e.g. `loss`, `accuracy`)."""
    if not batches.get("step"):
        return {}
    seconds = np.asarray(batches["seconds"], dtype=float)
    series = {
        "step": np.asarray(batches["step"]) + 1,  # steps trained so far
        "examples": np.cumsum(batches["size"]),
        "seconds": seconds,
        "ms_per_step": np.diff(seconds, prepend=0.0) * 1000,
    }
    skip = {"step", "epoch", "batch", "size", "lr", "examples_per_second", "seconds"}
    for name, values in batches.items():
        if name not in skip and not name.startswith("mean_"):
            series[name] = np.asarray(values, dtype=float)
    return series


def accuracy_name(batches: dict) -> str:
    """The metric the leader board ranks by: `accuracy`, or `mae` for regression."""
    return "mae" if "mae" in batches else "accuracy"


def leaderboard(snapshot: dict, target: float | None = None, window: int = WINDOW) -> list[dict]:
    """One row per contestant of a race, the leader first.

    Args:
        snapshot: a race's `GroupLog.snapshot()`.
        target: the accuracy whose steps to reach are counted; the race's own
            `target_accuracy` when None.
        window: the batches averaged for the current loss and accuracy.

    Returns:
        Rows of `contestant`, `status`, `steps`, `loss` and `accuracy` (means of the last
        `window` batches; `mae` instead of accuracy for regression), `best val accuracy`,
        `steps to target` (the first step where the `window`-batch mean accuracy reaches
        `target`; None before) and `ms per step`. Ranked by accuracy (lowest mae for
        regression). A contestant that diverged or failed comes after every other, however
        accurate its last batches, and contestants without a batch yet come last of their kind.
        Every row has the same columns: a contestant without a batch yet gets the race's metric.
    """
    target = snapshot["config"]["target_accuracy"] if target is None else target
    contestants = snapshot["contestants"]
    trained = [run["batches"] for run in contestants.values() if steps_in(run["batches"])]
    metric = accuracy_name(trained[0]) if trained else "accuracy"
    rows = []
    for label, run in contestants.items():
        batches = run["batches"]
        row = {"contestant": label, "status": run["status"], "steps": steps_in(batches)}
        for name in ("loss", metric):
            values = batches.get(name, [])[-window:]
            row[name] = float(np.mean(values)) if values else None
        validation = [e[f"val_{metric}"] for e in run["epochs"] if f"val_{metric}" in e]
        if metric == "accuracy":
            row["best val accuracy"] = max(validation) if validation else None
            row["steps to target"] = steps_to(batches.get(metric, []), target, window)
        else:
            row[f"best val {metric}"] = min(validation) if validation else None
        row["ms per step"] = ms_per_step(batches)
        rows.append(row)
    return sorted(rows, key=_rank)


def _rank(row: dict) -> tuple[bool, bool, float]:
    broken = row["status"] in (DIVERGED, FAILED)
    value = row.get("accuracy", row.get("mae"))
    if value is None or not np.isfinite(value):
        return (broken, True, 0.0)
    return (broken, False, -value if "accuracy" in row else value)


def steps_to(accuracy: Sequence[float], target: float, window: int = WINDOW) -> int | None:
    """The first step at which the mean accuracy of the last `window` batches reaches `target`."""
    if len(accuracy) < window:
        return None
    means = np.convolve(np.asarray(accuracy, dtype=float), np.ones(window) / window, "valid")
    reached = np.flatnonzero(means >= target)
    return int(reached[0]) + window if reached.size else None


def lab_table(snapshot: dict) -> list[dict]:
    """One row per style of a style lab, compared with its reference style (`fit`).

    Args:
        snapshot: the lab's `GroupLog.snapshot()`; its config's `style` is the reference.

    Returns:
        Rows of `style`, `status`, `steps`, `final loss` (the last epoch's), `max |Δw| vs fit`
        (None until the lab ends), `same as fit` (within `EQUAL_WITHIN`) and `ms per step`.
    """
    reference = snapshot["config"]["style"]
    differences = snapshot["result"].get("max_abs_difference", {})
    rows = []
    for style, run in snapshot["contestants"].items():
        difference = differences.get(style)
        rows.append(
            {
                "style": style,
                "status": run["status"],
                "steps": steps_in(run["batches"]),
                "final loss": run["epochs"][-1].get("loss") if run["epochs"] else None,
                f"max |Δw| vs {reference}": difference,
                f"same as {reference}": None if difference is None else difference <= EQUAL_WITHIN,
                "ms per step": ms_per_step(run["batches"]),
            }
        )
    return rows


def speedup(snapshot: dict) -> float | None:
    """How many times faster a step of `loop_function` is than one of `loop_eager` in a lab.

    None until both have trained past their first `WARMUP_STEPS` steps, which are left out.
    """
    times = {}
    for style in ("loop_eager", "loop_function"):
        batches = snapshot["contestants"].get(style, {}).get("batches", {})
        if steps_in(batches) <= WARMUP_STEPS:
            return None
        times[style] = ms_per_step(batches)
    return times["loop_eager"] / times["loop_function"] if times["loop_function"] else None
