"""Rows of the store back into the plain data a `RunLog` holds, for snapshots and live views.

A stored run reads back exactly as its log's `snapshot()` did: batch rows as columns
(`BATCH_FIELDS`, then each metric in the order the run reported it), epochs, marks and images
as lists of the events' dicts, images' pixels and results' arrays as numpy arrays again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sqlalchemy import Row, select
from sqlalchemy.engine import Connection

from trainers.events import BATCH_FIELDS
from trainers.store import codec
from trainers.store.schema import batches, epochs, images, marks

# Columns of `runs` that hold JSON, and what they hold when empty.
JSON_COLUMNS = {"config": {}, "info": {}, "result": {}, "best": {}, "versions": {}, "tags": []}
_FLOATS = ("lr", "examples_per_second", "seconds")  # SQLite keeps NaN as NULL


def run_dict(row: Row) -> dict:
    """A `runs` row as a dict, its JSON columns decoded."""
    data = dict(row._mapping)
    for name, empty in JSON_COLUMNS.items():
        if name in data:
            data[name] = codec.loads(data[name]) or type(empty)()
    return data


def batch_columns(rows: Iterable[Row]) -> dict[str, list]:
    """Batch rows as columns: `BATCH_FIELDS`, then the metrics in the order they were stored."""
    columns: dict[str, list] = {}
    for row in rows:
        values = dict(zip(BATCH_FIELDS, row[:7], strict=True))
        for name in _FLOATS:
            if values[name] is None:
                values[name] = math.nan
        values.update(codec.loads(row.metrics))
        if not columns:
            columns = {name: [] for name in values}
        for name, column in columns.items():
            column.append(values.get(name, math.nan))
    return columns


def select_batches(run_id: str, after: int = -1):
    """The query of a run's batch rows with `step > after`, in order of their step."""
    table = batches
    return (
        select(
            table.c.step,
            table.c.epoch,
            table.c.batch,
            table.c.size,
            table.c.lr,
            table.c.examples_per_second,
            table.c.seconds,
            table.c.metrics,
        )
        .where(table.c.run_id == run_id, table.c.step > after)
        .order_by(table.c.step, table.c.id)
    )


def snapshot(connection: Connection, row: Row) -> dict:
    """The `RunLog.snapshot()` of one stored run, read in the caller's transaction."""
    run = run_dict(row)
    run_id = run["run_id"]
    return {
        "run_id": run_id,
        "config": run["config"],
        "status": run["status"],
        "info": run["info"],
        "batches": batch_columns(connection.execute(select_batches(run_id))),
        "thinned": 0,  # every row
        "epochs": _events(connection, epochs, run_id),
        "images": _images(connection, run_id),
        "marks": _events(connection, marks, run_id),
        "result": run["result"],
        "error": run["error"],
        "recording_seconds": None,  # known to the process that trained it, not stored
    }


def _events(connection: Connection, table, run_id: str) -> list[dict]:
    query = select(table.c.data).where(table.c.run_id == run_id).order_by(table.c.id)
    return [codec.loads(data) for data in connection.execute(query).scalars()]


def _images(connection: Connection, run_id: str) -> list[dict]:
    query = (
        select(images.c.png, images.c.data).where(images.c.run_id == run_id).order_by(images.c.id)
    )
    return [
        codec.loads(data) | {"pixels": codec.from_png(png)}
        for png, data in connection.execute(query)
    ]


def best_of_children(children: list[dict]) -> dict:
    """A group's best: the best of its runs' best values of the first metric they share."""
    for name, better in BEST_ORDER:
        values = [child["best"][name] for child in children if name in child["best"]]
        if values:
            return {name: better(values)}
    return {}


# The metric a run's `best` shows: the first of these the run reports, at its best epoch.
BEST_ORDER = (
    ("val_accuracy", max),
    ("val_mae", min),
    ("val_loss", min),
    ("accuracy", max),
    ("mae", min),
    ("loss", min),
    ("inception_score", max),  # the quality of a GAN's sample grids, on digits
)


def best_values(known: dict, epoch_rows: Iterable[dict], grids: Iterable[dict] = ()) -> dict:
    """`known` (metric -> best value so far) with these epochs and sample grids counted in.

    Args:
        known: the best values so far of the metrics of `BEST_ORDER`.
        epoch_rows: epoch events' data: metric values.
        grids: image events' data; a GAN's carry a `quality` with its `inception_score`.
    """
    epoch_rows = list(epoch_rows)
    scores = [grid["quality"] for grid in grids if isinstance(grid.get("quality"), dict)]
    merged = dict(known)
    for name, better in BEST_ORDER:
        source = scores if name == "inception_score" else epoch_rows
        values = [
            row[name]
            for row in source
            if isinstance(row.get(name), int | float) and math.isfinite(row[name])
        ]
        if name in merged:
            values.append(merged[name])
        if values:
            merged[name] = better(values)
    return merged


def best(values: dict) -> dict:
    """The first metric of `BEST_ORDER` among these best values: `{"val_accuracy": 0.93}`."""
    for name, _ in BEST_ORDER:
        if name in values:
            return {name: values[name]}
    return {}
