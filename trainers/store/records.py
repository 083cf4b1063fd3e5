"""What the writer writes: a followed run's state, and its queued events as table rows.

The writer thread hands each flush here: the events of every followed run since the last
flush become rows of `epochs`, `marks` and `images`, its batches one more chunk of
`batch_chunks`, and one update of the run's row (status, times, steps, best, heartbeat), all
in the caller's transaction.

A flush writes only its own batches, as a small chunk of the run's tail. Once the tail holds
`columns.CHUNK_ROWS` rows, or the run ends, its chunks are replaced by one, which compresses
far better: each batch is encoded twice in all, however often the writer writes.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, insert, update
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
        tail: the batch rows after its last full chunk, all written.
        tail_ids: the ids of the chunks in `batch_chunks` that hold them.
        deleted: set when its row is gone from the database: its later events are dropped.
    """

    run_id: str
    status: str
    steps: int = 0
    bests: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    tail: tuple[dict, ...] = ()
    tail_ids: tuple[int, ...] = ()
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
    if batch_rows or (after.tail_ids and not after.live):
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
    """Adds batch rows to the run's tail: writes the new ones as a chunk of their own, and
    replaces the tail's chunks by one once it is full or the run has ended. Returns the state
    with its new tail."""
    tail, ids, new = list(state.tail), state.tail_ids, []
    for row in rows:
        if len(tail) == columns.CHUNK_ROWS:
            _replace_tail(connection, state.run_id, tail, ids)
            tail, ids, new = [], (), []
        tail.append(row)
        new.append(row)
    if len(tail) == columns.CHUNK_ROWS or not state.live:
        if new or len(ids) > 1:
            _replace_tail(connection, state.run_id, tail, ids)
        return dataclasses.replace(state, tail=(), tail_ids=())
    if new:  # read thinned only in a view of fewer recent rows than the tail holds: rare
        ids += (_insert_chunk(connection, state.run_id, new, extremes=False),)
    return dataclasses.replace(state, tail=tuple(tail), tail_ids=ids)


def _replace_tail(
    connection: Connection, run_id: str, tail: list[dict], ids: tuple[int, ...]
) -> None:
    """Writes the tail's rows as one chunk, in place of the chunks that held them."""
    if ids:
        connection.execute(delete(batch_chunks).where(batch_chunks.c.id.in_(ids)))
    _insert_chunk(connection, run_id, tail)


def _insert_chunk(
    connection: Connection, run_id: str, rows: list[dict], extremes: bool = True
) -> int:
    """Writes consecutive batch rows as a new chunk, with their extremes unless told not to
    (`reading.batch_view` then finds them itself); returns its id."""
    names = dict.fromkeys(name for row in rows for name in row)  # in the order they came
    chunk = {name: [row.get(name, NAN) for row in rows] for name in names}
    values = {
        "run_id": run_id,
        "first_step": chunk["step"][0],
        "last_step": chunk["step"][-1],
        "rows": len(rows),
        "data": columns.encode(chunk),
        "extremes": columns.encode(columns.extremes(chunk) if extremes else {}),
    }
    return connection.execute(insert(batch_chunks).values(values)).inserted_primary_key[0]


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
