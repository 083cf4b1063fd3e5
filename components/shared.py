"""What every session watching a run shares: one snapshot a moment, and the figures drawn from it.

Thirty browsers watching the teacher's run each redraw its charts once a second. Built for each
session, every redraw would copy the run's rows and build its figures thirty times a second,
under the interpreter lock the training loop needs. Instead the process keeps, per run, the
latest snapshot for `FRESH_SECONDS` and numbers it (its `version`), and keeps the figures built
from each version, keyed by what a viewer chose (smoothing, log scale, x axis, projector mode):
the first session to ask builds, the others get the same figure. Snapshots and figures are
shared: readers never change them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

import plotly.graph_objects as go
import streamlit as st

from components import projector
from trainers.events import RunLog
from trainers.images import to_png, upscale

FRESH_SECONDS = 0.5  # how old a run's shared snapshot may be
FORGET_SECONDS = 10.0  # a snapshot no one asked for since is let go, with its rows
SESSIONS_PER_SECOND = 8  # sessions watching one thing before their interval doubles
KEPT = 256  # the most figures and images kept: a few versions of each on screen


class SharedView:
    """The shared snapshots and figures of the runs this process trains."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: dict[str, tuple[float, dict, bool]] = {}  # when, what, whether final
        self._versions: dict[str, int] = {}
        self._kept: OrderedDict[Hashable, object] = OrderedDict()  # figures, and images as PNG
        self.builds = 0  # figures built so far, for tests and benchmarks
        self._watchers: dict[str, dict[str, float]] = {}  # watched -> session -> last seen
        self._intervals: dict[str, float] = {}  # watched -> its sessions' interval now

    def snapshot(self, log: RunLog) -> dict:
        """The run's snapshot, at most `FRESH_SECONDS` old, with its `version`; once the run
        has ended, one taken after its end (the page that reruns then draws it for good)."""
        now, finished = time.monotonic(), log.finished
        with self._lock:
            taken = self._snapshots.get(log.run_id)
            if taken is not None and now - taken[0] < FRESH_SECONDS and taken[2] >= finished:
                return taken[1]
        snapshot = log.snapshot()
        with self._lock:
            version = self._versions.get(log.run_id, 0) + 1
            self._versions[log.run_id] = version
            snapshot["version"] = version
            self._snapshots[log.run_id] = (now, snapshot, finished)
            for run_id, (at, *_) in list(self._snapshots.items()):  # no one watches them now
                if now - at > FORGET_SECONDS:
                    del self._snapshots[run_id]
        return snapshot

    def refresh_seconds(self, watched: str, session: str, every: float = 1.0) -> float:
        """How often a session redraws what it watches: every `every` seconds for a few
        sessions, twice as long for each `SESSIONS_PER_SECOND` more, so that a room full of
        them costs the training little: each redraw is a Streamlit rerun of the session's view.

        Args:
            watched: what is watched, e.g. a run's id; the sessions that watch it are counted.
            session: the session asking; it counts as watching from now on.
            every: the interval of a session that watches alone.
        """
        now = time.monotonic()
        with self._lock:
            seen = self._watchers.setdefault(watched, {})
            seen[session] = now
            # A session asks at each of its redraws: one that missed two has gone.
            patience = 2 * self._intervals.get(watched, every) + 1
            for other, at in list(seen.items()):
                if now - at > patience:
                    del seen[other]
            doubling = 2 ** math.ceil(math.log2(max(1.0, len(seen) / SESSIONS_PER_SECOND)))
            self._intervals[watched] = every * doubling
            return self._intervals[watched]

    def figure(
        self, snapshot: dict, name: str, settings: Hashable, build: Callable[[], go.Figure]
    ) -> go.Figure:
        """The figure `name` of this snapshot with these settings, built once for all sessions.

        Args:
            snapshot: a snapshot from `snapshot()`; one without a `version` (a stored run read
                from the database) is drawn afresh each time.
            name: which chart, e.g. `"batch/loss"`.
            settings: everything else the figure depends on, e.g. `(smoothing, log_y)`.
            build: builds the figure from the snapshot.
        """
        if "version" not in snapshot:
            return build()
        return self.kept((snapshot["run_id"], snapshot["version"], name, settings), build)

    def kept(self, key: Hashable, build: Callable[[], object]) -> object:
        """What `build()` returned for this key, built at the first call, for every session."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        built = build()
        with self._lock:
            self.builds += 1
            self._kept[key] = built
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return built


@st.cache_resource(show_spinner=False)
def shared_view() -> SharedView:
    """The process's one `SharedView`, for every session."""
    return SharedView()


def chart(
    snapshot: dict,
    name: str,
    settings: Hashable,
    build: Callable[[], go.Figure],
    *,
    key: str | None = None,
    where=st,
) -> None:
    """Draws a chart of a snapshot, built once for every session that shows it alike.

    Args:
        snapshot: the run's snapshot (see `SharedView.snapshot`).
        name: which chart, e.g. `"batch/loss"`.
        settings: what else the figure depends on besides the snapshot.
        build: builds the figure from the snapshot.
        key: the chart's element key.
        where: the container to draw in, e.g. a column.
    """
    large = projector.is_on()

    def build_for_screen() -> go.Figure:
        return projector.enlarge(build()) if large else build()

    figure = shared_view().figure(snapshot, name, (settings, large), build_for_screen)
    where.plotly_chart(figure, theme=None, key=key)


def image(run_id: str, image: dict, side: int, where=st, **options) -> None:
    """Draws an image event of a run enlarged to `side` pixels, encoded once for every session.

    Args:
        run_id: the run it belongs to.
        image: the image event (`step`, `title`, `pixels`).
        side: the short side to enlarge it to (see `trainers.images.upscale`).
        where: the container to draw in.
        **options: passed on to `st.image`, e.g. `caption`.
    """
    key = (run_id, "image", image["step"], image.get("title"), side)
    png = shared_view().kept(key, lambda: to_png(upscale(image["pixels"], side)))
    # Said PNG: left to guess, Streamlit re-encodes an image without alpha as JPEG, for every
    # session at every redraw, and blurs the pixels' edges.
    where.image(png, output_format="PNG", **options)
