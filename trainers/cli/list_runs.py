"""`python -m trainers list-runs`: the runs in the store, newest first, one line each.

Every process's runs are there: the app's, the command line's, scripts'. A race's or a style
lab's runs follow their group, indented. Runs whose process died before they ended show as
`interrupted` (the command marks them so first). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import argparse
import time

from trainers.store import Store

COLUMNS = ("id", "name", "kind", "status", "steps", "best", "started", "owner", "tags")


def add_command(subparsers) -> None:
    """Adds the `list-runs` command to the command line's subparsers."""
    parser = subparsers.add_parser(
        "list-runs",
        help="print the stored runs of every process, newest first",
        description="Print the runs in the store (the data folder: $LOOPLAB_HOME, else "
        "looplab-data/ beside app.py), newest first; a group's runs follow it, indented.",
    )
    parser.add_argument(
        "--limit", type=int, default=0, metavar="N", help="the newest N runs only (default: all)"
    )


def command(args: argparse.Namespace) -> int:
    """Prints the table; returns the exit status 0."""
    store = Store()
    store.mark_interrupted()
    print(describe_runs(store.runs(), args.limit))
    print(f"\n{store.where}")
    return 0


def describe_runs(runs: list[dict], limit: int = 0) -> str:
    """The table of runs: a header, then one line per run, a group's runs under it."""
    children: dict[str, list[dict]] = {}
    for run in runs:
        if run["parent"]:
            children.setdefault(run["parent"], []).append(run)
    top = [run for run in runs if not run["parent"]]
    if limit > 0:
        top = top[:limit]
    if not top:
        return "No stored run yet: `python -m trainers run ...`, or Start in the app."
    rows = [COLUMNS]
    for run in top:
        rows.append(_cells(run))
        for child in sorted(children.get(run["run_id"], []), key=lambda r: r["created"]):
            rows.append(_cells(child, indent="  "))
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _cells(run: dict, indent: str = "") -> tuple[str, ...]:
    best = ", ".join(f"{name} {value:.4g}" for name, value in run["best"].items())
    started = run["started"] or run["created"]
    return (
        indent + run["run_id"],
        run["name"] if run["name"] != run["run_id"] else "",
        run["kind"],
        run["status"],
        str(run["steps"]),
        best,
        time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
        run["owner"],
        ",".join(run["tags"]),
    )
