"""The store: every run of every process, kept in one database on the user's own disk.

`Store` reads runs back (a list for tables, a full snapshot for charts, new batch rows for
live views) and changes what a person may change (a name, tags, deleting). Writing a run as it
trains is `trainers.store.writer.StoreWriter`'s job. Everything goes through SQLAlchemy Core,
so the same code serves SQLite and a PostgreSQL server: by default the database is SQLite, in
WAL mode, at `<data folder>/looplab.db`, shared by every process that opens it; with
`$LOOPLAB_DATABASE_URL` set, the server it names, shared by every machine given that URL.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy import Engine, delete, insert, or_, select, update
from sqlalchemy.engine import URL

from trainers.events import INTERRUPTED, QUEUED, RUNNING
from trainers.store import codec, names, reading
from trainers.store.clock import database_now
from trainers.store.connection import open_database, shown
from trainers.store.errors import RunNotFound
from trainers.store.liveness import is_gone
from trainers.store.paths import (
    DATABASE,
    MODEL_FILE,
    MODELS,
    TENSORBOARD,
    data_home,
    database_url,
    run_folder,
    server_home,
)
from trainers.store.schema import EVENT_TABLES, run_numbers, runs

LIVE = (QUEUED, RUNNING)
# What `runs()` lists of each run: everything but its bulky `info` and `result`.
LISTED = [column for column in runs.c if column.name not in ("info", "result")]


class Store:
    """One database of runs, safe to use from any thread of any process.

    Args:
        url: a SQLAlchemy database URL: a SQLite file, or a PostgreSQL server
            (`postgresql+psycopg://user:password@host:5432/looplab`). When None,
            `$LOOPLAB_DATABASE_URL`, else `sqlite:///<data_home()>/looplab.db`. Opening it
            creates the tables, or upgrades those of an older Looplab.

    Attributes:
        home: the data folder: models and TensorBoard files live here. For a SQLite file,
            the folder of that file; for a server, a folder of its own in `data_home()`
            (`paths.server_home`).
        url: the database URL, its password hidden (`***`): fit to print.
        where: where the runs are, for people: the SQLite file's path, else `url`.

    Raises:
        StoreUnavailable: when the database cannot be opened; the message is one line.
    """

    def __init__(self, url: str | None = None) -> None:
        url = url or database_url() or f"sqlite:///{data_home() / DATABASE}"
        self._reader, self._writer = open_database(url)
        self.url = shown(self._writer.url)
        file = _sqlite_file(self._writer.url)
        self.home = file.parent if file else _home_of_server(self._writer.url)
        self.where = str(file) if file else self.url

    @property
    def writer_engine(self) -> Engine:
        """The engine for writing (for `StoreWriter`); on SQLite its transactions take the write
        lock at once."""
        return self._writer

    def new_run_id(self, kind: str) -> str:
        """A new id such as `run-17`: unique in this database, across processes and restarts."""
        with self._writer.begin() as connection:
            number = connection.execute(
                insert(run_numbers).values(kind=kind, created=time.time())
            ).inserted_primary_key[0]
        return f"{kind}-{number}"

    # Reading.

    def runs(self) -> list[dict]:
        """Every run, newest first, groups' runs too.

        Each is a dict: `run_id`, `name`, `label` (in its group), `kind` (`run`, `race`,
        `lab`, `script`), `parent` (its group's id or None), `status`, `config`, `tags`,
        `created`, `started`, `ended`, `heartbeat` (epoch seconds or None), `steps`, `best`
        (`{"val_accuracy": 0.93}`: the best value of the first metric of
        `reading.BEST_ORDER` it reports, a group's the best of its runs'; or `{}`), `owner`
        (`app`, `cli`, `script`), `pid`, `host`, `error`, `versions` (library -> version).
        """
        with self._reader.connect() as connection:
            rows = connection.execute(select(*LISTED).order_by(runs.c.created.desc()))
            found = [reading.run_dict(row) for row in rows]
        children: dict[str, list[dict]] = {}
        for run in found:
            if run["parent"]:
                children.setdefault(run["parent"], []).append(run)
        for run in found:
            if not run["best"] and run["run_id"] in children:
                run["best"] = reading.best_of_children(children[run["run_id"]])
        return found

    def run(self, run_id: str) -> dict | None:
        """One run's row (as in `runs()`), or None."""
        with self._reader.connect() as connection:
            row = connection.execute(select(*LISTED).where(runs.c.run_id == run_id)).first()
            if row is None:
                return None
            run = reading.run_dict(row)
            if not run["best"]:
                query = select(*LISTED).where(runs.c.parent == run_id)
                children = [reading.run_dict(child) for child in connection.execute(query)]
                run["best"] = reading.best_of_children(children)
            return run

    def snapshot(self, run_id: str, recent: int | None = None) -> dict:
        """The run as its `RunLog.snapshot()` gave it; a group's also has `contestants`.

        Args:
            run_id: the run's id.
            recent: how many of the newest batch rows to read whole; older ones are read
                thinned, as a chart draws them (`snapshot["thinned"]` counts them). None:
                every row whole.

        Raises:
            RunNotFound: when no run has this id.
        """
        with self._reader.begin() as connection:  # one transaction: a consistent read
            row = connection.execute(select(runs).where(runs.c.run_id == run_id)).first()
            if row is None:
                raise RunNotFound(self.missing(run_id))
            snapshot = reading.snapshot(connection, row, recent)
            query = (
                select(runs).where(runs.c.parent == run_id).order_by(runs.c.created, runs.c.run_id)
            )
            children = list(connection.execute(query))
            if children or row.kind in ("race", "lab"):
                snapshot["contestants"] = {
                    child.label or child.run_id: reading.snapshot(connection, child, recent)
                    for child in children
                }
        return snapshot

    def batches_since(self, run_id: str, step: int) -> dict[str, list]:
        """The batch columns of the run's rows whose `step` is greater than `step`."""
        with self._reader.connect() as connection:
            return reading.batch_columns(connection, run_id, step)

    # Changing.

    def rename(self, run_id: str, name: str) -> None:
        """Gives a run another name (its id stays).

        Raises:
            ValueError: for a name that is not plain words (see `names.checked_name`).
        """
        self._update(run_id, name=names.checked_name(name))

    def set_tags(self, run_id: str, tags: list[str]) -> None:
        """Replaces a run's tags: words to find it by, kept in the order given, once each.

        Raises:
            ValueError: for tags that are not plain words (see `names.checked_tags`).
        """
        self._update(run_id, tags=codec.dumps(names.checked_tags(tags)).decode())

    def delete(self, run_id: str) -> None:
        """Deletes a run: its rows, its files (model, TensorBoard), and a group's runs too."""
        with self._writer.begin() as connection:
            found = connection.execute(select(runs.c.run_id).where(runs.c.run_id == run_id))
            if found.first() is None:
                raise RunNotFound(self.missing(run_id))
            query = select(runs.c.run_id).where(runs.c.parent == run_id)
            ids = [run_id, *connection.execute(query).scalars()]
            # The runs' rows first: on a server, a writer adding rows to one of them meanwhile
            # updates its row first, so either this waits for its rows and deletes them too, or
            # it finds the run gone and adds none (SQLite's write lock lets no one in anyway).
            connection.execute(delete(runs).where(runs.c.run_id.in_(ids)))
            for table in EVENT_TABLES:
                connection.execute(delete(table).where(table.c.run_id.in_(ids)))
        for folder in (self.model_path(run_id).parent, self.tensorboard_dir(run_id)):
            shutil.rmtree(folder, ignore_errors=True)

    def mark_interrupted(self) -> list[str]:
        """Marks `interrupted` the runs left `queued` or `running` by a process that is gone.

        A process is gone when its id is dead on this host, or when it has not refreshed its
        runs' heartbeat for `liveness.STALE_SECONDS`. Returns the ids marked.
        """
        # Heartbeats are the database's time (`clock`): so is the time they are measured at.
        live = select(
            runs.c.run_id, runs.c.pid, runs.c.host, runs.c.heartbeat, database_now()
        ).where(runs.c.status.in_(LIVE))
        with self._reader.connect() as connection:
            gone = [row.run_id for row in connection.execute(live) if is_gone(*row[1:])]
        if not gone:
            return []
        with self._writer.begin() as connection:
            # Checked again under the write lock (on a server, the rows' locks: FOR UPDATE),
            # as a heartbeat may have come meanwhile.
            rows = connection.execute(live.where(runs.c.run_id.in_(gone)).with_for_update())
            gone = [row.run_id for row in rows if is_gone(*row[1:])]
            connection.execute(
                update(runs)
                .where(runs.c.run_id.in_(gone), runs.c.status.in_(LIVE))
                .values(status=INTERRUPTED, ended=runs.c.heartbeat)
            )
        return gone

    # Files.

    def model_path(self, run_id: str) -> Path:
        """Where the run's trained network is saved: `<home>/models/<run id>/model.keras`."""
        return run_folder(self.home / MODELS, run_id) / MODEL_FILE

    def tensorboard_dir(self, run_id: str) -> Path:
        """The folder of the run's TensorBoard event files: `<home>/tensorboard/<run id>`."""
        return run_folder(self.home / TENSORBOARD, run_id)

    # For the writer.

    def insert_runs(self, rows: list[dict]) -> None:
        """Inserts run rows (see `trainers.store.writer`), in one transaction, their first
        heartbeat stamped by the database's clock."""
        with self._writer.begin() as connection:
            connection.execute(insert(runs).values(heartbeat=database_now()), rows)

    def _update(self, run_id: str, **values) -> None:
        with self._writer.begin() as connection:
            changed = connection.execute(
                update(runs).where(runs.c.run_id == run_id).values(**values)
            )
            if changed.rowcount == 0:
                raise RunNotFound(self.missing(run_id))

    def missing(self, run_id: str) -> str:
        """What to say of an id no run has: the newest ids that would work."""
        with self._reader.connect() as connection:
            query = (
                select(runs.c.run_id)
                .where(or_(runs.c.parent.is_(None), runs.c.parent == ""))
                .order_by(runs.c.created.desc())
                .limit(5)
            )
            recent = list(connection.execute(query).scalars())
        known = ", ".join(recent) if recent else "none yet"
        return f"No run has this id in {self.url} (the newest: {known}). Received: {run_id!r}"

    def __repr__(self) -> str:
        return f"Store({self.url!r})"  # the password hidden


def _sqlite_file(url: URL) -> Path | None:
    """The SQLite file a URL names; None for an in-memory database or a server."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


def _home_of_server(url: URL) -> Path:
    """The data folder of a server's runs (an in-memory SQLite database's: `data_home()`)."""
    if url.get_backend_name() == "sqlite":
        return data_home()
    return server_home(url.get_backend_name(), url.host, url.port, url.database)
