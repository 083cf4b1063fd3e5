"""The tables of the store, in SQLAlchemy Core, as the newest migration leaves them.

One row per run in `runs` (a race or a style lab is a run too, its runs point to it through
`parent`), and the run's events in one table per kind: its batches in chunks of consecutive
rows (`batch_chunks`, see `trainers.store.columns`), every epoch, every mark, every image.
Values that vary with the run (its configuration, its results) are JSON text written by
`trainers.store.codec`; what a query filters or sorts on has a column.

The Alembic migrations in `migrations/versions` change an older database's tables; an empty
database gets these at once (`connection.upgrade`). The `HEAD` revision here names the newest
migration, and a test checks that the migrations leave exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

HEAD = "0003"  # the newest revision in migrations/versions

metadata = MetaData()

ID = 200  # the longest run id: a group's id, "/", a run's label

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(ID), primary_key=True),
    Column("name", String(ID), nullable=False),
    Column("label", String(ID)),  # the run's label in its group, None for others
    Column("kind", String(16), nullable=False),  # run, race, lab, script
    Column("parent", String(ID), index=True),  # the group's run_id
    Column("status", String(16), nullable=False, index=True),
    Column("owner", String(16), nullable=False),  # app, cli, script
    Column("pid", Integer),
    Column("host", String(255)),
    Column("created", Float, nullable=False),
    Column("started", Float),
    Column("ended", Float),
    Column("heartbeat", Float),  # the last time the writing process said it was alive
    Column("steps", Integer, nullable=False, default=0),
    Column("best", Text, nullable=False, default="{}"),
    Column("config", Text, nullable=False),
    Column("info", Text, nullable=False, default="{}"),
    Column("result", Text, nullable=False, default="{}"),
    Column("error", Text),
    Column("versions", Text, nullable=False, default="{}"),
    Column("tags", Text, nullable=False, default="[]"),  # revision 0002
)

# A run's batch rows, `columns.CHUNK_ROWS` at most per chunk: the chunk being filled is
# rewritten at each write until it is full.
batch_chunks = Table(
    "batch_chunks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(ID), nullable=False),
    Column("first_step", Integer, nullable=False),
    Column("last_step", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),  # every row: `columns.encode`
    Column("extremes", LargeBinary, nullable=False),  # the rows a long chart draws
    Index("batch_chunks_run_step", "run_id", "first_step"),
)

epochs = Table(
    "epochs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(ID), nullable=False, index=True),
    Column("step", Integer, nullable=False),
    Column("epoch", Integer),
    Column("data", Text, nullable=False),  # the epoch event: metrics and val_ metrics
)

marks = Table(
    "marks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(ID), nullable=False, index=True),
    Column("step", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("data", Text, nullable=False),  # the mark event: step, seconds, kind, value
)

images = Table(
    "images",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(ID), nullable=False, index=True),
    Column("step", Integer, nullable=False),
    Column("title", Text),
    Column("png", LargeBinary, nullable=False),  # the image event's pixels
    Column("data", Text, nullable=False),  # the rest of the image event
)

# One row per run id handed out: ids never repeat, across processes, restarts and deletions.
run_numbers = Table(
    "run_numbers",
    metadata,
    Column("number", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("created", Float, nullable=False),
    sqlite_autoincrement=True,
)

EVENT_TABLES = (batch_chunks, epochs, marks, images)
