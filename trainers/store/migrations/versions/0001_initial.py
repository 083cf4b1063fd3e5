"""The first schema: runs, their batches, epochs, marks and images, and the run numbers.

Revision ID: 0001
Revises:
Create Date: 2026-11-20
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 200


def upgrade() -> None:
    _runs()
    _events()
    op.create_table(
        "run_numbers",
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )


def _runs() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(ID), primary_key=True),
        sa.Column("name", sa.String(ID), nullable=False),
        sa.Column("label", sa.String(ID)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent", sa.String(ID)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(16), nullable=False),
        sa.Column("pid", sa.Integer),
        sa.Column("host", sa.String(255)),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("started", sa.Float),
        sa.Column("ended", sa.Float),
        sa.Column("heartbeat", sa.Float),
        sa.Column("steps", sa.Integer, nullable=False),
        sa.Column("best", sa.Text, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("info", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("versions", sa.Text, nullable=False),
    )
    op.create_index("ix_runs_parent", "runs", ["parent"])
    op.create_index("ix_runs_status", "runs", ["status"])


def _events() -> None:
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
    op.create_table(
        "epochs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.String(ID), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("epoch", sa.Integer),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_epochs_run_id", "epochs", ["run_id"])
    op.create_table(
        "marks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.String(ID), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_marks_run_id", "marks", ["run_id"])
    op.create_table(
        "images",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.String(ID), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("png", sa.LargeBinary, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_images_run_id", "images", ["run_id"])


def downgrade() -> None:
    for table in ("run_numbers", "images", "marks", "epochs", "batches", "runs"):
        op.drop_table(table)
