"""What the writer writes: a followed run's state, and its queued events as table rows.

The writer thread hands each flush here: the events of every followed run since the last
flush become rows of `epochs`, `marks` and `images`, its batches join the run's open chunk in
`batch_chunks` (rewritten until it holds `columns.CHUNK_ROWS` rows, then a new one begins), and
one update of the run's row (status, times, steps, best, heartbeat), all in the caller's
transaction.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection

from trainers.events import FINISHED, RUNNING, Event
from trainers.store import codec, columns, reading
from trainers.store.clock import database_now
from trainers.store.schema import batch_chunks, epochs, images, marks, runs

NAN = float("nan")  # a metric's value in a row that did not report it


@dataclass
class RunState:
    """What the writer knows of one followed run.

    Attributes:
        run_id: the run's id.
        status: its status as last written.
        steps: its batch rows written so far.
        bests: the best value so far of each metric of `reading.BEST_ORDER` it reports.
        result: what its end events left.
        chunk: the batch rows of its open chunk, as columns: the last chunk, not yet full.
        chunk_id: that chunk's id in `batch_chunks`, None before it is first written.
        deleted: set when its row is gone from the database: its later events are dropped.
    """

    run_id: str
    status: str
    steps: int = 0
    bests: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    chunk: dict[str, list] = field(default_factory=dict)
    chunk_id: int | None = None
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
    rows: dict[str, list[dict]] = {"epoch": [], "mark": [], "image": []}
    batch_rows = [event.data for event, _ in events if event.kind == "batch"]
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
        steps=state.steps + len(batch_rows),
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
    if batch_rows:
        after = _write_batches(connection, after, batch_rows)
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


def _write_batches(connection: Connection, state: RunState, rows: list[dict]) -> RunState:
    """Adds batch rows to the run's open chunk, rewriting it, and begins a new chunk each time
    one is full. Returns the state with its new open chunk."""
    chunk, chunk_id = {name: list(values) for name, values in state.chunk.items()}, state.chunk_id
    for row in rows:
        if len(chunk.get("step", ())) == columns.CHUNK_ROWS:
            _write_chunk(connection, state.run_id, chunk, chunk_id)
            chunk, chunk_id = {}, None
        if not row.keys() <= chunk.keys():  # the first row, or a metric that comes
            chunk = _with_names(chunk, row)
        for name, column in chunk.items():
            column.append(row.get(name, NAN))
    chunk_id = _write_chunk(connection, state.run_id, chunk, chunk_id)
    return dataclasses.replace(state, chunk=chunk, chunk_id=chunk_id)


def _with_names(chunk: dict[str, list], row: dict) -> dict[str, list]:
    """The chunk's columns with every name of `row` too, earlier rows NaN in a new one."""
    rows = len(chunk.get("step", ()))
    return chunk | {name: [NAN] * rows for name in row if name not in chunk}


def _write_chunk(connection: Connection, run_id: str, chunk: dict, chunk_id: int | None) -> int:
    """Writes a chunk: its row anew when it has an id, else a new row. Returns its id."""
    steps = chunk["step"]
    full = len(steps) == columns.CHUNK_ROWS
    values = {
        "first_step": steps[0],
        "last_step": steps[-1],
        "rows": len(steps),
        "data": columns.encode(chunk),
        # Only a full chunk is ever read by its extremes: the newest is always read whole.
        "extremes": columns.encode(columns.extremes(chunk) if full else {}),
    }
    if chunk_id is None:
        inserted = connection.execute(insert(batch_chunks).values(run_id=run_id, **values))
        return inserted.inserted_primary_key[0]
    connection.execute(update(batch_chunks).where(batch_chunks.c.id == chunk_id).values(values))
    return chunk_id


def _row(run_id: str, event: Event) -> dict:
    data = event.data
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
