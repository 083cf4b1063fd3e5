"""The database's clock: heartbeats that machines with unsynchronised clocks agree on.

A script on another machine stamps its live runs with a heartbeat every second, and the
dashboard takes a run whose heartbeat is more than `liveness.STALE_SECONDS` old for dead. Read
on two machines' own clocks, a few seconds of skew between them would mark a live run
interrupted. So the writer stamps, and the reader measures, with the database's time, taken
inside their statements.
"""

from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class DatabaseNow(FunctionElement):
    """The database's time now, in seconds since the epoch."""

    type = Float()
    inherit_cache = True


def database_now() -> DatabaseNow:
    """The database's time now, in seconds since the epoch, as a SQL expression."""
    return DatabaseNow()


@compiles(DatabaseNow, "postgresql")
def _postgresql(element: DatabaseNow, compiler, **kwargs) -> str:
    # clock_timestamp(), not now(): the time of the statement, not of its transaction's start.
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"


@compiles(DatabaseNow, "sqlite")
def _sqlite(element: DatabaseNow, compiler, **kwargs) -> str:
    # An SQLite file lives on one machine: this is the clock of the process that asks.
    return "((julianday('now') - 2440587.5) * 86400.0)"
