"""Opening the database: SQLite for several processes at once, or a PostgreSQL server; and
its schema upgraded.

SQLite serves the app and two scripts writing at the same time when:

- the journal is a write-ahead log (WAL), so readers never block the writer nor it them;
- every connection waits for a lock (`busy_timeout`) rather than failing at once with
  "database is locked";
- a transaction that writes takes the write lock when it begins (`BEGIN IMMEDIATE`): a
  transaction that began reading and then wants to write cannot wait for the lock (SQLite
  would have to fail it), so writes never start as reads. Python's sqlite3 driver issues its
  own deferred BEGIN; SQLAlchemy's recipe for pysqlite turns that off and emits ours instead.

PostgreSQL (`postgresql+psycopg://`, psycopg 3) locks rows, not the database, and numbers ids
from sequences, so writers need none of that. Two things differ from SQLite all the same:

- a read transaction is REPEATABLE READ: all its statements see one moment, as a read of
  SQLite's WAL does (a snapshot's batches and epochs read in two statements agree);
- the schema upgrade holds an advisory lock: unlike SQLite's write lock, nothing else makes a
  second process wait while the first creates the tables.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from pathlib import Path

from sqlalchemy import (
    Column,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from trainers.store.errors import StoreUnavailable
from trainers.store.paths import DATABASE_URL_VARIABLE
from trainers.store.schema import HEAD, metadata

logger = logging.getLogger(__name__)

BUSY_SECONDS = 30.0  # how long a connection waits for another process's write lock
PAGE_BYTES = 1024  # the page size of a new SQLite file
CONNECT_SECONDS = 10  # how long a server may take to answer, unless the URL says
MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x6C6F6F706C6162  # "looplab" in ASCII: the advisory lock's key
EXAMPLES = "postgresql+psycopg://user:password@host:5432/looplab or sqlite:////path/looplab.db"
_BEGIN = "looplab_begin"  # the execution option that says how a transaction begins


def open_database(url: str) -> tuple[Engine, Engine]:
    """The reader and writer engines of a database (see `make_engine`), its schema upgraded.

    Raises:
        StoreUnavailable: for a URL that is not one, a database without its driver, a server
            that does not answer or refuses the user, or a schema of a newer Looplab.
    """
    try:
        reader, writer = make_engine(url)
    except (ArgumentError, ValueError, ImportError) as error:  # no URL, or no such driver
        raise StoreUnavailable(_unavailable(url, str(error))) from error
    try:
        upgrade(reader, writer)
    except DBAPIError as error:  # what the database or its driver said
        raise StoreUnavailable(_unavailable(url, str(error.orig))) from error
    return reader, writer


def shown(url: str | URL) -> str:
    """The URL fit to print: its password as `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not parsed: hide whatever stands before an "@"
        return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", str(url))


def make_engine(url: str | URL) -> tuple[Engine, Engine]:
    """An engine for reading and one for writing, on one pool.

    Returns:
        `(reader, writer)`: on SQLite, the writer's transactions begin with `BEGIN IMMEDIATE`;
        on PostgreSQL, the reader's are REPEATABLE READ; elsewhere both are the same engine.
    """
    url = _with_driver(make_url(url))
    if url.get_backend_name() == "postgresql":
        connect = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_SECONDS}
        # pool_pre_ping: a pooled connection that a server restart broke is replaced unseen.
        engine = create_engine(url, connect_args=connect, pool_pre_ping=True)
        return engine.execution_options(isolation_level="REPEATABLE READ"), engine
    if url.get_backend_name() != "sqlite":
        engine = create_engine(url)
        return engine, engine
    # The pool hands a connection to whichever thread asks; each is used by one at a time.
    engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False})
    event.listen(engine, "connect", _set_up_sqlite)
    event.listen(engine, "begin", _begin)
    return engine, engine.execution_options(**{_BEGIN: "BEGIN IMMEDIATE"})


def _with_driver(url: URL) -> URL:
    """`postgresql://` (or `postgres://`) with the driver Looplab ships: psycopg 3."""
    if url.drivername in ("postgres", "postgresql"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _set_up_sqlite(dbapi_connection: sqlite3.Connection, record) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN off: `_begin` emits ours
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:  # a new file: set it up once
        # Pages of 1 KiB rather than 4: each of the dozen tables and indexes takes a page even
        # when nearly empty, and a run's batches are a few chunks.
        cursor.execute(f"PRAGMA page_size = {PAGE_BYTES}")
        # A run's tail chunks are deleted once joined into one, freeing their pages: the
        # writer gives them back to the disk when a run ends (`release_free_pages`).
        cursor.execute("PRAGMA auto_vacuum = INCREMENTAL")
    _use_write_ahead_log(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")  # with WAL: a killed process loses nothing
    cursor.close()


def _use_write_ahead_log(cursor: sqlite3.Cursor) -> None:
    """Turns the journal into a write-ahead log, kept in the file for every later opener.

    Changing the journal mode needs the database to itself, and SQLite answers "database is
    locked" at once, without the busy timeout, while another process holds it (two processes
    opening one new file at once): so wait here, as long as the busy timeout would.
    """
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def release_free_pages(engine: Engine) -> None:
    """Shrinks a SQLite file by its free pages (nothing on other databases)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        # Python's sqlite3 steps this pragma once per `execute`, freeing one page; a script
        # runs it to its end, in a transaction of its own.
        connection.connection.driver_connection.executescript("PRAGMA incremental_vacuum;")


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

    The migration runs in one write transaction, under SQLite's write lock or PostgreSQL's
    advisory lock, so that two processes opening one old or empty database at once migrate it
    once: the second waits, then finds it new. An up-to-date database costs one read, and an
    empty one is created without loading Alembic.

    Raises:
        StoreUnavailable: for a database that a newer Looplab has written.
    """
    with reader.connect() as connection:
        found = revision(connection)
    if found == HEAD:
        return
    if found is not None and found > HEAD:  # revisions are numbered 0001, 0002, ...
        raise StoreUnavailable(
            f"The database {shown(reader.url)} was written by a newer Looplab (schema {found}, "
            f"this one knows up to {HEAD}): upgrade Looplab to open it. Received: revision "
            f"{found!r}"
        )
    with writer.begin() as connection:
        if connection.dialect.name == "postgresql":  # held until this transaction ends
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        found = revision(connection)  # again, under the lock: another process may have been first
        if found is None and not _has_tables(connection):
            _create(connection)
        elif found != HEAD:
            _migrate(writer, connection)


def _has_tables(connection: Connection) -> bool:
    return bool(inspect(connection).get_table_names())


def _create(connection: Connection) -> None:
    """Creates the newest schema in an empty database and records its revision, as Alembic's
    `stamp` would: the same tables its migrations make (a test compares them), without loading
    Alembic."""
    metadata.create_all(connection)
    version = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), primary_key=True, nullable=False),
    )
    version.create(connection)
    connection.execute(version.insert().values(version_num=HEAD))
    logger.info("Created the store's tables at revision %s.", HEAD)


def _migrate(writer: Engine, connection: Connection) -> None:
    """Runs Alembic's migrations from the database's revision to `HEAD`, in `connection`."""
    from alembic import command  # only where there is something to migrate
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's configuration interpolates "%": a password may hold one.
    url = writer.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _unavailable(url: str, reason: str) -> str:
    """The one line that says why a database would not open, and what would be right."""
    reason = " ".join(reason.split()).rstrip(".")  # the driver's lines, as one
    return (
        f"Looplab cannot open its database ({reason}): {DATABASE_URL_VARIABLE} (or the store's "
        f"url) must name a database that answers and accepts its user, such as {EXAMPLES}. "
        f"Received: {shown(url)}"
    )
