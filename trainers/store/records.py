"""What the writer writes: a followed run's state, and its queued events as table rows.

The writer thread hands each flush here: the events of every followed run since the last
flush become rows of `batches`, `epochs`, `marks` and `images`, and one update of the run's
row (status, times, steps, best, heartbeat), all in the caller's transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field

import orjson
from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection, Dialect

from trainers.events import BATCH_FIELDS, FINISHED, RUNNING, Event
from trainers.store import codec, reading
from trainers.store.clock import database_now
from trainers.store.schema import batches, epochs, images, marks, runs

_FIELDS = frozenset(BATCH_FIELDS)
_SCALARS = ("lr", "examples_per_second", "seconds")
BATCH_COLUMNS = ("run_id", *BATCH_FIELDS, "metrics")  # the order of a batch row's values
CHUNK = 256  # the most batch rows in one INSERT (SQLite takes up to 32766 parameters)


@dataclass
class RunState:
    """What the writer knows of one followed run.

    Attributes:
        run_id: the run's id.
        status: its status as last written.
        steps: its batch rows written so far.
        bests: the best value so far of each metric of `reading.BEST_ORDER` it reports.
        result: what its end events left.
        deleted: set when its row is gone from the database: its later events are dropped.
    """

    run_id: str
    status: str
    steps: int = 0
    bests: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    deleted: bool = False

    @property
    def live(self) -> bool:
        return not self.deleted and self.status not in FINISHED


def write_events(
    connection: Connection, state: RunState, events: list[tuple[Event, float]]
) -> RunState:
    """Writes one run's events (each with the time it came) and updates its row, its
    heartbeat too.

    Returns:
        The run's state after these events, for the caller to keep once the transaction has
        committed. A run whose row is gone (deleted meanwhile) comes back `deleted`, and
        nothing is written.
    """
    values: dict = {}
    rows: dict[str, list[dict]] = {"batch": [], "epoch": [], "mark": [], "image": []}
    result = state.result
    for event, at in events:
        if event.kind in rows:
            rows[event.kind].append(_row(state.run_id, event))
        elif event.kind == "start":
            values |= {"status": RUNNING, "started": at, "info": codec.dumps(event.data).decode()}
        elif event.kind == "end":
            result = result | event.data.get("result", {})
            values |= {
                "status": event.data["status"],
                "ended": at,
                "error": event.data.get("error"),
            }
            values["result"] = codec.dumps(result).decode()
    grids = [event.data for event, _ in events if event.kind == "image"]
    after = dataclasses.replace(
        state,
        status=values.get("status", state.status),
        steps=state.steps + len(rows["batch"]),
        bests=reading.best_values(
            state.bests, [e.data for e, _ in events if e.kind == "epoch"], grids
        ),
        result=result,
    )
    best = codec.dumps(reading.best(after.bests)).decode()
    values |= {"status": after.status, "steps": after.steps, "best": best}
    changed = connection.execute(_update_run(tuple(values)), {"id": state.run_id, **values})
    if changed.rowcount == 0:
        return dataclasses.replace(state, deleted=True)
    if rows["batch"]:
        _insert_batches(connection, rows["batch"])
    for table, kind in ((epochs, "epoch"), (marks, "mark"), (images, "image")):
        if rows[kind]:
            connection.execute(insert(table), rows[kind])
    return after


def heartbeat(connection: Connection, states: list[RunState]) -> None:
    """Says the live runs' process is alive, and puts back a status someone took for dead."""
    if states:
        connection.execute(
            _update_run(("status",)),
            [{"id": state.run_id, "status": state.status} for state in states],
        )


@functools.cache
def _update_run(columns: tuple[str, ...]):
    """The UPDATE of these columns of one run (`id` and the columns as parameters), which also
    stamps its heartbeat by the database's clock: the same statement object each time, so
    SQLAlchemy compiles it once."""
    values = {name: bindparam(name) for name in columns} | {"heartbeat": database_now()}
    return update(runs).where(runs.c.run_id == bindparam("id")).values(values)


def _batch_row(run_id: str, data: dict) -> tuple:
    """A `batches` row's values, in `BATCH_COLUMNS` order: the metrics as JSON.

    The writer's hot path (a second of batches at each write): metrics that are all finite
    floats go straight to orjson; the codec tags NaN and infinities otherwise.
    """
    fields = {name: data[name] for name in BATCH_FIELDS}
    metrics = {name: value for name, value in data.items() if name not in _FIELDS}
    for name in _SCALARS:
        if not math.isfinite(fields[name]):
            fields[name] = None  # SQLite would store NaN as NULL anyway: say so
    try:
        finite = all(map(math.isfinite, metrics.values()))
    except TypeError:
        finite = False
    encoded = (orjson.dumps(metrics) if finite else codec.dumps(metrics)).decode()
    return (run_id, *fields.values(), encoded)


def _insert_batches(connection: Connection, rows: list[tuple]) -> None:
    """Inserts batch rows in a few multi-row statements.

    A second of batches is hundreds of rows. Row by row, SQLAlchemy's work per row costs more
    than SQLite's, and the driver lets go of Python's lock around each row, so the training
    thread and the writer hand it back and forth hundreds of times a second. In statements of
    `2**k` rows, at most `CHUNK` each, a write takes a handful of steps, each statement
    compiled once for the database's own SQL and parameter style.
    """
    start = 0
    while start < len(rows):
        size = min(CHUNK, 1 << ((len(rows) - start).bit_length() - 1))
        chunk = rows[start : start + size]
        sql, positional = _batch_insert(connection.dialect, size)
        if positional:
            params = tuple(value for row in chunk for value in row)
        else:
            params = {
                f"{name}_m{index}": value
                for index, row in enumerate(chunk)
                for name, value in zip(BATCH_COLUMNS, row, strict=True)
            }
        connection.exec_driver_sql(sql, params)
        start += size


@functools.cache
def _batch_insert(dialect: Dialect, rows: int) -> tuple[str, bool]:
    """The `batches` INSERT of this many rows, in this database's SQL and parameter style."""
    values = [{name: None for name in BATCH_COLUMNS} for _ in range(rows)]
    compiled = insert(batches).values(values).compile(dialect=dialect)
    names = [f"{name}_m{index}" for index in range(rows) for name in BATCH_COLUMNS]
    if dialect.positional and list(compiled.positiontup) != names:
        raise RuntimeError(f"The batch INSERT's parameters moved. Received: {compiled.positiontup}")
    return str(compiled), dialect.positional


def _row(run_id: str, event: Event) -> dict | tuple:
    data = event.data
    if event.kind == "batch":
        return _batch_row(run_id, data)
    if event.kind == "image":
        rest = {name: value for name, value in data.items() if name != "pixels"}
        return {
            "run_id": run_id,
            "step": event.step,
            "title": data.get("title"),
            "png": codec.to_png(data["pixels"]),
            "data": codec.dumps(rest).decode(),
        }
    row = {"run_id": run_id, "step": event.step, "data": codec.dumps(data).decode()}
    if event.kind == "epoch":
        row["epoch"] = data.get("epoch")
    else:
        row["kind"] = str(data.get("kind"))
    return row
