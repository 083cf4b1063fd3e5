"""Opening the database: SQLite set up for several processes at once, and its schema upgraded.

SQLite serves the app and two scripts writing at the same time when:

- the journal is a write-ahead log (WAL), so readers never block the writer nor it them;
- every connection waits for a lock (`busy_timeout`) rather than failing at once with
  "database is locked";
- a transaction that writes takes the write lock when it begins (`BEGIN IMMEDIATE`): a
  transaction that began reading and then wants to write cannot wait for the lock (SQLite
  would have to fail it), so writes never start as reads. Python's sqlite3 driver issues its
  own deferred BEGIN; SQLAlchemy's recipe for pysqlite turns that off and emits ours instead.

Other databases (a server later on) get none of this and need none of it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

from trainers.store.schema import HEAD

BUSY_SECONDS = 30.0  # how long a connection waits for another process's write lock
MIGRATIONS = Path(__file__).with_name("migrations")
_BEGIN = "looplab_begin"  # the execution option that says how a transaction begins


def make_engine(url: str) -> tuple[Engine, Engine]:
    """An engine for reading and one for writing, on one pool.

    Returns:
        `(reader, writer)`: on SQLite, the writer's transactions begin with `BEGIN IMMEDIATE`;
        elsewhere both are the same engine.
    """
    engine = create_engine(url, connect_args=_connect_args(url))
    if engine.dialect.name != "sqlite":
        return engine, engine
    event.listen(engine, "connect", _set_up_sqlite)
    event.listen(engine, "begin", _begin)
    return engine, engine.execution_options(**{_BEGIN: "BEGIN IMMEDIATE"})


def _connect_args(url: str) -> dict:
    if not url.startswith("sqlite"):
        return {}
    # The pool hands a connection to whichever thread asks; each is used by one at a time.
    return {"timeout": BUSY_SECONDS, "check_same_thread": False}


def _set_up_sqlite(dbapi_connection: sqlite3.Connection, record) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN off: `_begin` emits ours
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    cursor.execute("PRAGMA journal_mode = WAL")  # kept in the file: every later opener has it
    cursor.execute("PRAGMA synchronous = NORMAL")  # with WAL: a killed process loses nothing
    cursor.close()


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql(connection.get_execution_options().get(_BEGIN, "BEGIN"))


def revision(connection: Connection) -> str | None:
    """The schema revision of the database, None for a database without Looplab's tables."""
    has_table = connection.dialect.has_table(connection, "alembic_version")
    if not has_table:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(reader: Engine, writer: Engine) -> None:
    """Brings the database to the newest schema (`schema.HEAD`), creating it when empty.

    The migration runs in one write transaction, so that two processes opening one old
    database at once migrate it once. An up-to-date database costs one read.

    Raises:
        RuntimeError: for a database that a newer Looplab has written.
    """
    with reader.connect() as connection:
        found = revision(connection)
    if found == HEAD:
        return
    if found is not None and found > HEAD:  # revisions are numbered 0001, 0002, ...
        raise RuntimeError(
            f"The database {reader.url} was written by a newer Looplab (schema {found}, this "
            f"one knows up to {HEAD}): upgrade Looplab to open it. Received: revision {found!r}"
        )
    from alembic import command  # only where there is something to migrate
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", writer.url.render_as_string(hide_password=False))
    with writer.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
