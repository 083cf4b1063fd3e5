"""Shared fixtures: the real Looplab server, a real headless Chromium to drive it, and waiting.

Tests never touch the real data folder: the whole session, its subprocesses and the Streamlit
server keep their runs in a temporary `LOOPLAB_HOME`, deleted at the end.

`database_url` is a fresh database of one test's own, once a SQLite file and once a database on
a real PostgreSQL server (`tests/postgres.py`), which the session starts when a test first
needs it and stops at its end; `store` and `writer` open it, so every store test runs on both.

`app_url` starts `streamlit run app.py` once per test session on a free localhost port and
stops it at the end; `restartable_server` starts one for a single test, on a data folder of its
own, which the test may restart. `page` opens a fresh Chromium tab for one test. Browser tests
are marked `@pytest.mark.browser`. `until` waits for what the worker's runs do: it checks its
condition each time a run records an event, so a test waits exactly as long as the run takes,
and never sleeps a fixed time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from tests.postgres import BACKENDS

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_SECONDS = 60
SERVING = "You can now view your Streamlit app"  # what the server prints once it listens
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config) -> None:
    """Points `LOOPLAB_HOME` at a new temporary folder before any test module is imported."""
    os.environ["LOOPLAB_HOME"] = tempfile.mkdtemp(prefix="looplab-test-home-")
    os.environ.pop("LOOPLAB_DATABASE_URL", None)  # never a real server: a test names its own


def pytest_unconfigure(config) -> None:
    shutil.rmtree(os.environ.pop("LOOPLAB_HOME", ""), ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_events(
    condition: Callable[[], bool], logs: Iterable, seconds: float, what: str = ""
) -> None:
    """Returns once `condition()` holds, checking it again whenever one of `logs` records an event.

    Args:
        condition: what to wait for, e.g. `lambda: job.log.finished`.
        logs: the `RunLog`s whose events may change it.
        seconds: how long to wait at the most before failing the test.
        what: what is waited for, for the failure's message.
    """
    changed = threading.Condition()

    def notify(event) -> None:
        with changed:
            changed.notify_all()

    for log in logs:
        log.subscribe(notify)
    with changed:
        assert changed.wait_for(condition, timeout=seconds), f"waited {seconds} s for {what}"


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server (`tests.postgres.PostgresServer`), started when a test
    first asks for it, stopped at the session's end (also when tests fail)."""
    from tests.postgres import PostgresServer

    try:
        server = PostgresServer()
    except RuntimeError as error:  # not installed: say how to install it, never skip
        pytest.fail(str(error), pytrace=False)
    with server:
        yield server


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """The URL of a fresh database of the test's own: a SQLite file in `tmp_path`, then an
    empty database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'looplab.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def store(database_url):
    """A real store in a fresh database of the test's own, on each backend (`database_url`)."""
    from trainers.store import Store

    return Store(database_url)


@pytest.fixture
def writer(store):
    """A writer into `store`, closed (everything written) when the test ends."""
    from trainers.store import StoreWriter

    opened = StoreWriter(store)
    yield opened
    opened.close()


@pytest.fixture
def until() -> Callable[..., None]:
    """`until(condition, seconds=60, what="")`: waits for what the worker's runs do.

    The condition is checked at each event of any job the worker holds when the wait begins.
    """
    from components.registry import worker

    def wait(condition: Callable[[], bool], seconds: float = 60, what: str = "") -> None:
        wait_for_events(condition, [job.log for job in worker().jobs()], seconds, what)

    return wait


def _relay(server: subprocess.Popen, log_path: Path, listening: threading.Event) -> None:
    """Copies the server's output to its log; sets `listening` once it serves (or has ended)."""
    with open(log_path, "w") as log:
        for line in server.stdout:
            log.write(line)
            log.flush()
            if SERVING in line:
                listening.set()
    listening.set()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Server:
    """A real `streamlit run app.py` on a free localhost port, its output copied to a log file.

    Args:
        log_dir: the folder of its logs: `streamlit-1.log`, then one more per restart.
        env: environment variables of its own, e.g. another `LOOPLAB_HOME`.

    Attributes:
        url: its address, e.g. `http://127.0.0.1:8765` (another after each restart).
    """

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.log_dir = log_dir
        self.env = os.environ | {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.env |= env or {}
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.start()

    def start(self) -> None:
        """Starts the server; returns once it answers (or fails, with its output)."""
        port = _free_port()
        self.starts += 1
        log_path = self.log_dir / f"streamlit-{self.starts}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        listening = threading.Event()
        relay = (self.process, log_path, listening)
        threading.Thread(target=_relay, args=relay, daemon=True).start()
        self.url = f"http://127.0.0.1:{port}"
        listening.wait(SERVER_START_SECONDS)
        if not _answers(f"{self.url}/_stcore/health"):
            self.stop()
            raise RuntimeError(
                f"The Streamlit server did not answer within {SERVER_START_SECONDS} s. "
                f"Its output:\n{log_path.read_text()}"
            )

    def stop(self) -> None:
        """Stops the server as Ctrl-C would, or kills it after 10 s."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        """Stops the server and starts a new one, on the same data folder."""
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> str:
    """The address of a real `streamlit run app.py` server, e.g. `http://127.0.0.1:8765`."""
    server = Server(tmp_path_factory.mktemp("server"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def restartable_server(tmp_path) -> Server:
    """A server of one test's own, on a data folder of its own (`tmp_path / "home"`), that the
    test may `restart()`."""
    server = Server(tmp_path / "server", env={"LOOPLAB_HOME": str(tmp_path / "home")})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_with(tmp_path) -> Callable[..., Server]:
    """`server_with(**env)`: a server of one test's own with these environment variables, on
    a data folder of its own (`tmp_path / "home"`); stopped at the test's end."""
    started = []

    def start(**env: str) -> Server:
        env = {"LOOPLAB_HOME": str(tmp_path / "home"), **env}
        started.append(Server(tmp_path / f"server-{len(started) + 1}", env=env))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole session (Debian's, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser tab, 1440×1000, closed after the test."""
    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    yield tab
    context.close()
