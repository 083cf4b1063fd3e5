"""Looplab served and watched: what the benchmarks of a real server and browser share.

A person runs Looplab as `streamlit run app.py` and watches it in a browser, so these
benchmarks do too. On a 2-core machine the two would fight over the cores and each measure
the other, so they are kept apart: the server (its training thread included) runs on core 0,
pinned with `taskset`, and this process on core 1, where the Playwright driver and Chromium it
launches inherit its pinning. Every server gets a data folder of its own, deleted at its stop.

The figures come from the store the server writes: a batch's row holds the run's training
seconds at its end, and the run's row the wall-clock time it started, so `started + seconds` is
when the batch ended, on the clock the browser shares.
"""

from __future__ import annotations

import bisect
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar

from trainers.access import PASSWORD_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
SERVER_CORE, BROWSER_CORE = 0, 1
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright drives it
CHROMIUM_ARGS = [
    # Without a GPU, Chromium composites with SwiftShader, whose worker threads pin themselves
    # to cores of their own choosing, the server's included; this flag leaves SwiftShader out.
    "--disable-software-rasterizer",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
POLL_SECONDS = 0.05
PAGE_LOAD_MS = 120_000
SHOWN_MS = 60_000  # how long a loaded page may take to show what a benchmark waits for
ENGINE_READY_MS = 180_000  # TensorFlow loads in the server's worker thread, on one core
FIRST_BATCH_SECONDS = 180  # mnist-5k is parsed from CSV on first use, then cached

T = TypeVar("T")


def poll(read: Callable[[], T | None], seconds: float, what: str) -> T:
    """Returns `read()`'s first value that is not None, asking every `POLL_SECONDS`.

    Raises:
        TimeoutError: when `read()` gave only None for `seconds`.
    """
    deadline = time.monotonic() + seconds
    while (value := read()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"Waited {seconds:g} s for {what}.")
        time.sleep(POLL_SECONDS)
    return value


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 or None
    except OSError:
        return None


class Server:
    """`streamlit run` of one script, pinned to `SERVER_CORE`, on a data folder of its own.

    The constructor launches it and returns at once; `wait()` waits until it answers.

    Args:
        script: the Streamlit script, relative to the checkout or absolute.

    Attributes:
        url: its address, e.g. `http://127.0.0.1:8765`.
        home: its `LOOPLAB_HOME`.
        launched: the wall-clock time it was launched.
    """

    def __init__(self, script: str | Path = "app.py") -> None:
        self.home = Path(tempfile.mkdtemp(prefix="looplab-benchmark-home-"))
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = os.environ | {
            "KERAS_BACKEND": "tensorflow",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "LOOPLAB_HOME": str(self.home),
        }
        env.pop(PASSWORD_VARIABLE, None)  # every session operates: the benchmarks press Start
        command = [
            "taskset", "-c", str(SERVER_CORE),
            sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
        ]  # fmt: skip
        self.output = self.home / "streamlit.log"
        self._output = open(self.output, "w")  # noqa: SIM115 (closed by stop())
        self.launched = time.time()
        # From the checkout, so that both apps read its .streamlit/config.toml.
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._output, stderr=subprocess.STDOUT
        )

    @property
    def database(self) -> Path:
        return self.home / "looplab.db"

    def wait(self, seconds: float = 120) -> None:
        """Returns once the server answers its health check.

        Raises:
            TimeoutError: when it did not answer within `seconds`, with its output.
        """
        try:
            poll(lambda: _answers(f"{self.url}/_stcore/health"), seconds, "the server")
        except TimeoutError as error:
            raise TimeoutError(f"{error} Its output:\n{self.output.read_text()}") from None

    def stop(self) -> None:
        """Stops the server as Ctrl-C would (or kills it after 10 s) and deletes its folder."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._output.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


@contextmanager
def browser() -> Iterator:
    """A headless Chromium on `BROWSER_CORE`; yields Playwright's `Browser`.

    This process pins itself to the core for as long as the browser lasts, and the Playwright
    driver and Chromium, launched from it, inherit the pinning.
    """
    from playwright.sync_api import sync_playwright

    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {BROWSER_CORE})
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        os.sched_setaffinity(0, cores)


def new_page(chromium, url: str):
    """Opens `url` in a browser context of its own (its own Streamlit session); returns the page."""
    page = chromium.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    page.goto(url, timeout=PAGE_LOAD_MS)
    return page


def close_page(page) -> None:
    page.context.close()


def start_run(page, epochs: int = 10_000) -> None:
    """Starts a run of the Train page's defaults (the `mlp` on `mnist-5k`) as a person would:
    sets the epochs, waits for the engine, and presses Start."""
    from playwright.sync_api import expect

    start = page.get_by_role("button", name="Start")
    expect(start).to_be_visible(timeout=SHOWN_MS)
    field = page.get_by_label("Epochs", exact=True)
    field.fill(str(epochs))
    field.press("Enter")
    expect(field).to_have_value(str(epochs))
    expect(start).to_be_enabled(timeout=ENGINE_READY_MS)
    start.click()


def stop_run(page) -> None:
    """Presses Stop on a page that shows the run, and waits until the page says it stopped."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("The run was stopped before its end.")).to_be_visible(timeout=SHOWN_MS)


class Store:
    """The server's store, read through Looplab's own: its newest run and when each of its
    batches ended.

    Its runs are listed with `sqlite3`, read-only, until the server has created them; the
    batch rows are then read through `trainers.store.Store`, a cursor's worth at a time.

    Args:
        database: the SQLite file, e.g. `Server.database`.
    """

    def __init__(self, database: Path) -> None:
        self.database = database
        self._store = None  # the engine's store, opened once the server has a run
        self._run_id: str | None = None
        self._ends: list[tuple[int, float]] = []  # (step, wall-clock end) read so far

    def _newest(self) -> str | None:
        if not self.database.exists():  # the server creates it once its first page is drawn
            return None
        uri = f"file:{self.database}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
            try:
                query = "SELECT run_id FROM runs ORDER BY created DESC LIMIT 1"
                row = db.execute(query).fetchone()
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):
                    raise
                return None  # the server is still creating its tables
        return row[0] if row else None

    def newest_run(self) -> str:
        """The id of the newest run."""
        return poll(self._newest, FIRST_BATCH_SECONDS, "a run in the store")

    def _batch_ends(self) -> list[tuple[int, float]]:
        """`(step, wall-clock time it ended)` of the newest run's stored batches, in order."""
        run_id = self._newest()
        if run_id is None:
            return []
        if self._store is None:
            from trainers.store import Store as RunStore

            self._store = RunStore(f"sqlite:///{self.database}")
        if run_id != self._run_id:
            self._run_id, self._ends = run_id, []
        started = (self._store.run(run_id) or {}).get("started")
        if started is None:  # not started yet
            return []
        after = self._ends[-1][0] if self._ends else -1
        new = self._store.batches_since(run_id, after)
        self._ends += [
            (step, started + seconds)
            for step, seconds in zip(new.get("step", []), new.get("seconds", []), strict=True)
        ]
        return self._ends

    def steps(self) -> int:
        """The newest run's batches in the store."""
        return len(self._batch_ends())

    def batches_between(self, start: float, end: float) -> list[tuple[int, float]]:
        """`(step, wall-clock time it ended)` of the newest run's batches that ended in
        `[start, end)`."""
        return [(step, ended) for step, ended in self._batch_ends() if start <= ended < end]

    def wait_for_batch(self, after: float, seconds: float = FIRST_BATCH_SECONDS) -> float:
        """Returns the wall-clock end of the newest run's first stored batch that ended after
        `after`, once the store has it."""

        def ended() -> float | None:
            ends = [ended for _, ended in self._batch_ends()]  # in order: the run's clock
            index = bisect.bisect_right(ends, after)
            return ends[index] if index < len(ends) else None

        return poll(ended, seconds, "a batch in the store")
