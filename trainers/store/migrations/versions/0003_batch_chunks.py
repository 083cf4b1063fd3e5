"""Batches are kept in column chunks: a few bytes a batch instead of a database row each.

Every run's rows of `batches` move into `batch_chunks` (see `trainers.store.columns`), in the
order of their steps, with every field and every metric; then `batches` goes. A run whose
rows held no value of some metric (NaN, stored as null) reads back NaN, as before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

import math

import sqlalchemy as sa
from alembic import op

from trainers.store import codec, columns

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = 200
FIELDS = ("step", "epoch", "batch", "size", "lr", "examples_per_second", "seconds")


def upgrade() -> None:
    chunks = op.create_table(
        "batch_chunks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.String(ID), nullable=False),
        sa.Column("first_step", sa.Integer, nullable=False),
        sa.Column("last_step", sa.Integer, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("extremes", sa.LargeBinary, nullable=False),
    )
    op.create_index("batch_chunks_run_step", "batch_chunks", ["run_id", "first_step"])
    connection = op.get_bind()
    run_ids = connection.execute(sa.text("SELECT DISTINCT run_id FROM batches")).scalars().all()
    for run_id in run_ids:
        rows = connection.execute(
            sa.text(
                f"SELECT {', '.join(FIELDS)}, metrics FROM batches WHERE run_id = :run_id "
                "ORDER BY step, id"
            ),
            {"run_id": run_id},
        ).all()
        for start in range(0, len(rows), columns.CHUNK_ROWS):
            chunk = _columns(rows[start : start + columns.CHUNK_ROWS])
            connection.execute(
                chunks.insert(),
                {
                    "run_id": run_id,
                    "first_step": chunk["step"][0],
                    "last_step": chunk["step"][-1],
                    "rows": len(chunk["step"]),
                    "data": columns.encode(chunk),
                    "extremes": columns.encode(columns.extremes(chunk)),
                },
            )
    op.drop_index("batches_run_step", "batches")
    op.drop_table("batches")


def _columns(rows) -> dict[str, list]:
    """Old batch rows (their fields, then their metrics as JSON) as columns."""
    values = []
    for row in rows:
        fields = {name: math.nan if value is None else value for name, value in zip(FIELDS, row)}
        values.append(fields | codec.loads(row[-1]))
    names = list(dict.fromkeys(name for row in values for name in row))
    return {name: [row.get(name, math.nan) for row in values] for name in names}


def downgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.String(ID), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("batch", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("lr", sa.Float),
        sa.Column("examples_per_second", sa.Float),
        sa.Column("seconds", sa.Float),
        sa.Column("metrics", sa.Text, nullable=False),
    )
    op.create_index("batches_run_step", "batches", ["run_id", "step"])
    connection = op.get_bind()
    stored = connection.execute(
        sa.text("SELECT run_id, data FROM batch_chunks ORDER BY run_id, first_step")
    ).all()
    for run_id, data in stored:
        chunk = columns.decode(data)
        for index in range(len(chunk["step"])):
            row = {name: values[index].item() for name, values in chunk.items()}
            fields = {name: row.pop(name) for name in FIELDS}
            for name in ("lr", "examples_per_second", "seconds"):
                if not math.isfinite(fields[name]):
                    fields[name] = None
            connection.execute(
                sa.text(
                    f"INSERT INTO batches (run_id, {', '.join(FIELDS)}, metrics) VALUES "
                    f"(:run_id, {', '.join(':' + name for name in FIELDS)}, :metrics)"
                ),
                {"run_id": run_id, **fields, "metrics": codec.dumps(row).decode()},
            )
    op.drop_table("batch_chunks")
