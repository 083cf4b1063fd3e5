"""A real PostgreSQL server for the tests: started once per session, a fresh database per test.

Debian's `postgresql` package (`bash tests/run.sh` installs it) keeps its programs in
`/usr/lib/postgresql/<version>/bin`, off the PATH. The server lives in a temporary folder: its
data, its log (`server.log`) and its Unix socket; it listens on a free localhost port, trusts
every local connection, and skips fsync (its data is thrown away at the end). PostgreSQL
refuses to run as root, so under root it runs as the `postgres` user, who owns the folder.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BACKENDS = ("sqlite", "postgresql")  # what the store's tests run on, in this order
SERVER_USER = "postgres"  # Debian's package creates this user
START_SECONDS = 60
SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{folder}'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def binaries() -> Path:
    """The folder of `initdb`, `pg_ctl` and `postgres`: `pg_config --bindir`, else the newest
    `/usr/lib/postgresql/*/bin`.

    Raises:
        RuntimeError: when PostgreSQL is not installed, saying how to install it.
    """
    candidates = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(Path(found.stdout.strip()))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(map(Path, versions), key=lambda p: int(p.parent.name), reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise RuntimeError(
        "The PostgreSQL server is not installed (no initdb in `pg_config --bindir` nor in "
        "/usr/lib/postgresql/*/bin): run the tests with `bash tests/run.sh`, which installs "
        "Debian's postgresql package."
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One PostgreSQL server in a temporary folder, as `with PostgresServer() as server:`.

    Attributes:
        port: the localhost TCP port it listens on.
        folder: its temporary folder, removed when it stops.
    """

    def __init__(self) -> None:
        self.bin = binaries()
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="looplab-postgres-"))
        self._data = self.folder / "data"
        self._names = itertools.count(1)
        # Root runs it as the postgres user (PostgreSQL refuses root); anyone else as oneself.
        self._user = pwd.getpwnam(SERVER_USER) if os.geteuid() == 0 else None
        if self._user:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)

    def __enter__(self) -> PostgresServer:
        try:
            self._run("initdb", "-D", self._data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                      "--locale=C", "--no-sync")  # fmt: skip
            with open(self._data / "postgresql.conf", "a") as conf:
                conf.write(SETTINGS.format(port=self.port, folder=self.folder))
            self._run("pg_ctl", "start", "-w", "-t", START_SECONDS, "-D", self._data,
                      "-l", self.folder / "server.log")  # fmt: skip
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *error) -> None:
        """Stops the server (fast: it ends open connections) and removes its folder."""
        if (self._data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", self._data)
        shutil.rmtree(self.folder, ignore_errors=True)

    def new_database(self) -> str:
        """Creates an empty database; returns its SQLAlchemy URL (user `postgres`, trusted)."""
        import psycopg

        name = f"looplab_{next(self._names)}"
        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, database: str, driver: bool = True) -> str:
        """The URL of one of its databases: SQLAlchemy's, or libpq's without `driver`."""
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args) -> None:
        """Runs one of PostgreSQL's programs as the server's user; fails with its output."""
        command = [str(self.bin / program), *map(str, args)]
        user = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        done = subprocess.run(
            command, cwd=self.folder, capture_output=True, text=True, **(user if self._user else {})
        )
        if done.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(
                f"{' '.join(command)} failed with status {done.returncode}:\n{done.stdout}"
                f"{done.stderr}{log.read_text() if log.exists() else ''}"
            )
