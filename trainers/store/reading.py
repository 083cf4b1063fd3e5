"""Rows of the store back into the plain data a `RunLog` holds, for snapshots and live views.

A stored run reads back exactly as its log's `snapshot()` did: batch rows as columns
(`BATCH_FIELDS`, then each metric in the order the run reported it), epochs, marks and images
as lists of the events' dicts, images' pixels and results' arrays as numpy arrays again. A
chart of a long run reads its older batches thinned, from each chunk's extremes (`batch_view`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from sqlalchemy import Row, select
from sqlalchemy.engine import Connection

from trainers import thinning
from trainers.store import codec, columns
from trainers.store.schema import batch_chunks, epochs, images, marks

# Columns of `runs` that hold JSON, and what they hold when empty.
JSON_COLUMNS = {"config": {}, "info": {}, "result": {}, "best": {}, "versions": {}, "tags": []}


def run_dict(row: Row) -> dict:
    """A `runs` row as a dict, its JSON columns decoded."""
    data = dict(row._mapping)
    for name, empty in JSON_COLUMNS.items():
        if name in data:
            data[name] = codec.loads(data[name]) or type(empty)()
    return data


def batch_columns(connection: Connection, run_id: str, after: int = -1) -> dict[str, list]:
    """Every batch row of a run whose `step` is greater than `after`, as columns in the order
    of their steps: `BATCH_FIELDS`, then the metrics in the order the run reported them."""
    query = (
        select(batch_chunks.c.data)
        .where(batch_chunks.c.run_id == run_id, batch_chunks.c.last_step > after)
        .order_by(batch_chunks.c.first_step, batch_chunks.c.id)
    )
    chunks = [columns.decode(data) for data in connection.execute(query).scalars()]
    return _as_lists(columns.concatenate(chunks), after)


def batch_view(connection: Connection, run_id: str, recent: int) -> tuple[dict[str, list], int]:
    """A run's batch rows as a chart draws them: the last `recent` rows or more whole, and
    before them only the rows that hold the extremes (see `trainers.thinning`), as a
    `RunLog` that keeps its recent rows does.

    Returns:
        `(columns, thinned)`: the rows, and how many leading ones are thinned.
    """
    query = (
        select(batch_chunks.c.last_step, batch_chunks.c.rows)
        .where(batch_chunks.c.run_id == run_id)
        .order_by(batch_chunks.c.first_step.desc(), batch_chunks.c.id.desc())
    )
    whole_from, rows = None, 0  # the first step read whole
    for last_step, count in connection.execute(query):
        if rows >= recent:
            whole_from = last_step + 1
            break
        rows += count
    if whole_from is None:
        return batch_columns(connection, run_id), 0
    older = (
        select(batch_chunks.c.id, batch_chunks.c.extremes)
        .where(batch_chunks.c.run_id == run_id, batch_chunks.c.last_step < whole_from)
        .order_by(batch_chunks.c.first_step, batch_chunks.c.id)
    )
    extremes = [
        columns.decode(kept) or _extremes_of(connection, chunk_id)
        for chunk_id, kept in connection.execute(older)
    ]
    thinned = thinning.thin(_as_lists(columns.concatenate(extremes)))
    whole = batch_columns(connection, run_id, whole_from - 1)
    count, whole_count = len(thinned.get("step", ())), len(whole.get("step", ()))
    joined = {
        name: thinned.get(name, [math.nan] * count) + whole.get(name, [math.nan] * whole_count)
        for name in dict.fromkeys([*thinned, *whole])
    }
    return joined, count


def _extremes_of(connection: Connection, chunk_id: int) -> dict[str, np.ndarray]:
    """The extremes of a chunk written without them: a live run's newest rows, in a chunk
    of their own until its tail is joined into one (see `records`)."""
    query = select(batch_chunks.c.data).where(batch_chunks.c.id == chunk_id)
    found = columns.extremes(_as_lists(columns.decode(connection.execute(query).scalar_one())))
    return {name: np.asarray(values) for name, values in found.items()}


def _as_lists(joined: dict[str, np.ndarray], after: int = -1) -> dict[str, list]:
    """Decoded columns as lists of Python numbers, from the first row whose step is past
    `after`; an empty run has no columns."""
    if not joined or not len(joined["step"]):
        return {}
    first = int(np.searchsorted(joined["step"], after, side="right"))
    return {name: values[first:].tolist() for name, values in joined.items()}


def snapshot(connection: Connection, row: Row, recent: int | None = None) -> dict:
    """The `RunLog.snapshot()` of one stored run, read in the caller's transaction.

    Args:
        connection: the open connection.
        row: the run's row of `runs`.
        recent: the batch rows to read whole, the newest; the older ones are read thinned
            (`batch_view`). None: every row whole.
    """
    run = run_dict(row)
    run_id = run["run_id"]
    if recent is None:
        batches, thinned = batch_columns(connection, run_id), 0
    else:
        batches, thinned = batch_view(connection, run_id, recent)
    return {
        "run_id": run_id,
        "config": run["config"],
        "status": run["status"],
        "info": run["info"],
        "batches": batches,
        "thinned": thinned,
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
