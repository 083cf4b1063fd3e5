"""The tables of the store, in SQLAlchemy Core, as the newest migration leaves them.

One row per run in `runs` (a race or a style lab is a run too, its runs point to it through
`parent`), and the run's events in one table per kind: every batch, every epoch, every mark,
every image. Values that vary with the run (its metrics, its configuration, its results) are
JSON text written by `trainers.store.codec`; what a query filters or sorts on has a column.
The tables are made and changed only by the Alembic migrations in `migrations/versions`; the
`HEAD` revision here names the newest, and a test checks that it does.
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

HEAD = "0002"  # the newest revision in migrations/versions

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

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(ID), nullable=False),
    Column("step", Integer, nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("batch", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("lr", Float),
    Column("examples_per_second", Float),
    Column("seconds", Float),
    Column("metrics", Text, nullable=False),  # the batch's metrics and their running means
    Index("batches_run_step", "run_id", "step"),
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

EVENT_TABLES = (batches, epochs, marks, images)
