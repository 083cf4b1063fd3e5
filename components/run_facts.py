"""What a stored run is, in a few words: plain functions over the store's run rows and configs.

Every kind of run keeps a different configuration: a run of the engine names its dataset,
architecture, style and optimizer; a race names its contestants instead of one optimizer; a
style lab its styles; a script (`trainers.DashboardCallback`) only what Keras told it: the
model's name, the optimizer and the script's file. The table, the pickers and the views all
describe runs through these functions, so each kind reads the same everywhere.
"""

from __future__ import annotations

import math
import time

from trainers.events import QUEUED, RUNNING

LIVE = (QUEUED, RUNNING)


def is_live(run: dict) -> bool:
    """Whether a run (a store row or a snapshot) is queued or training."""
    return run["status"] in LIVE


def style_of(config: dict) -> str:
    """The training style: the engine's style, a lab's styles, or `script <file>`."""
    if "styles" in config:
        return ", ".join(config["styles"])
    if "script" in config:
        return f"script {config['script']}"
    return config.get("style", "")


def optimizer_of(config: dict) -> str:
    """The optimizer and its learning rate, e.g. `adam, lr 0.001`; a race's contestants."""
    if "contestants" in config:
        return " vs ".join(config["contestants"])
    rate = config.get("learning_rate")
    if isinstance(rate, int | float) and math.isfinite(rate):
        return f"{config.get('optimizer', '')}, lr {rate:g}"
    return config.get("optimizer", "")


def spread_of(config: dict) -> str:
    """How a distributed run spreads, e.g. `2 workers, global batch 64`; else empty."""
    copies = [
        f"{config[name]} {name}" for name in ("replicas", "workers") if config.get(name, 1) > 1
    ]
    if not copies:
        return ""
    global_batch = config["batch_size"] * config.get("replicas", 1) * config.get("workers", 1)
    return f"{', '.join(copies)}, global batch {global_batch:,}"


def describe(config: dict) -> str:
    """One line: `train_step · mlp on mnist-5k · adam, lr 0.001` (parts a run lacks left out),
    and a distributed run's spread (`spread_of`)."""
    model = config.get("architecture", "")
    if config.get("dataset"):
        model = f"{model} on {config['dataset']}"
    parts = (style_of(config), model, optimizer_of(config), spread_of(config))
    return " · ".join(part for part in parts if part)


def best_text(best: dict) -> str:
    """The run's best value, e.g. `val_accuracy 0.9612`, or an empty string."""
    return ", ".join(f"{name} {value:.4g}" for name, value in best.items())


def seconds_taken(run: dict, now: float | None = None) -> float | None:
    """Seconds from the run's start to its end (to now while it is live); None before it starts."""
    if not run.get("started"):
        return None
    end = run.get("ended") or (time.time() if now is None else now)
    return max(0.0, end - run["started"])


def title(run: dict) -> str:
    """A run's name, with its id when they differ: `my run (script-7)`, or `run-3`."""
    return run["name"] if run["name"] == run["run_id"] else f"{run['name']} ({run['run_id']})"


def label(run: dict) -> str:
    """What a picker shows for a run: `my run (script-7) · running`; a group's run indented."""
    if run["parent"]:
        return f"↳ {run['label'] or run['name']} · {run['status']}"
    return f"{title(run)} · {run['status']}"


def in_groups(runs: list[dict]) -> list[dict]:
    """The runs in the order of the table: newest first, a group's runs right after it.

    Args:
        runs: store rows (`Store.runs()`), in any order.

    Returns:
        The runs that belong to no group, newest first, each group followed by its runs in
        the order they were created; runs whose group is not among `runs` come on their own.
    """
    ids = {run["run_id"] for run in runs}
    children: dict[str, list[dict]] = {}
    for run in runs:
        if run["parent"] in ids:
            children.setdefault(run["parent"], []).append(run)
    ordered = []
    for run in sorted(runs, key=lambda run: run["created"], reverse=True):
        if run["parent"] not in ids:
            ordered.append(run)
            ordered += sorted(children.get(run["run_id"], []), key=lambda child: child["created"])
    return ordered
