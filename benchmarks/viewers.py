"""What watching costs a run: training speed with real Chromium tabs, emulated sessions and a room.

A classroom watches the teacher's run: every student's browser opens the Live page, which asks
the server to rerun its fragments (the live view every second, the job switch every second, the
sidebar every two), and every rerun is work for the server that trains. This benchmark starts
one long run of the `mlp` on `mnist-5k` from the Train page and closes that page. While the run
goes on, it holds each of these for a time window, the windows of a round interleaved:

| window | who watches `/live` |
|---|---|
| none | nobody |
| 1 tab | one Chromium tab |
| 4 tabs | four Chromium tabs |
| 4 sessions | four protocol sessions (`benchmarks.sessions`), no tab |
| room | `ROOM_TABS` Chromium tabs and protocol sessions for the rest, `ROOM` viewers in all |

The server (its training thread included) runs on one core, Chromium and the sessions on the
other (`benchmarks.served`). One browser core draws only so many pages a second, so the room
has as many real tabs as it keeps at their pace, and emulated sessions for the rest; that the
emulation costs the server what tabs do is checked by 4 tabs against 4 sessions.

The run's speed in a window is the number of its batches the store says ended within it, per
second; the cost of a window is the median, over the rounds, of its slowdown against the
window with nobody watching, in the same round. The goals: 4 tabs cost at most 5 %, the room at
most 10 %, and 4 sessions cost what 4 tabs do within 20 %. In full mode the windows begin once
the run has trained `LONG_RUN` batches, so that the view is that of a long run. At the end the
run is stopped with the Stop button of the Runs page, where this server's runs are steered (the
Live page is read-only).

The first tab also records, in the page, each step its loss chart newly draws and when:
`benchmarks.latency` turns that into the batch-to-browser latency, from the same session.

    python -m benchmarks --only viewers,latency
"""

from __future__ import annotations

import functools
import re
import statistics
import time
from dataclasses import dataclass

from benchmarks import served
from benchmarks.sessions import Sessions

VIEWER_PATH = "/live"  # the page a viewer opens
ROOM, ROOM_TABS = 30, 8  # a classroom's viewers, and how many of them are real tabs
LONG_RUN = 18_000  # the batches the run has trained before the windows, in full mode


@dataclass(frozen=True)
class Watching:
    """Who watches in a window: real Chromium tabs, and protocol sessions."""

    tabs: int
    sessions: int

    @property
    def name(self) -> str:
        if self == ROOM_WINDOW:
            return f"room ({self.tabs} tabs + {self.sessions} sessions)"
        if not self.tabs and not self.sessions:
            return "none"
        parts = [(self.tabs, "tab"), (self.sessions, "session")]
        return " + ".join(
            f"{count} {word}{'' if count == 1 else 's'}" for count, word in parts if count
        )


NOBODY, ONE_TAB, FOUR_TABS, FOUR_SESSIONS = (
    Watching(0, 0), Watching(1, 0), Watching(4, 0), Watching(0, 4)
)  # fmt: skip
ROOM_WINDOW = Watching(ROOM_TABS, ROOM - ROOM_TABS)
WINDOWS = (NOBODY, ONE_TAB, FOUR_TABS, FOUR_SESSIONS, ROOM_WINDOW)  # a round, in this order
GOALS = {FOUR_TABS: 0.05, ROOM_WINDOW: 0.10}  # the largest acceptable slowdown
AGREEMENT = 0.20  # how far 4 sessions' cost may be from 4 tabs'

# The last step the page's "loss per batch" chart draws, or -1 while it has none. Plotly keeps
# the figure on its DOM node; `_fullData` holds the decoded points (`data` may keep the
# base64 arrays as the server sent them). A redraw may briefly hold the old chart beside the
# new one, so every chart of that title counts.
LAST_STEP = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const losses = plots.filter(p => p.layout?.title?.text === 'loss per batch');
  const steps = losses.flatMap(p => p._fullData?.length ? Array.from(p._fullData[0].x) : []);
  return Math.max(-1, ...steps);
}"""

# Polls the chart every 100 ms in the page and keeps `[seconds since the epoch, step]` each time
# it draws a later step; `TAKE` hands the records over and starts a new list.
RECORD = f"""() => {{
  window.looplabDrawn = [];
  let last = -1;
  setInterval(() => {{
    const step = ({LAST_STEP})();
    if (step > last) {{
      last = step;
      window.looplabDrawn.push([Date.now() / 1000, step]);
    }}
  }}, 100);
}}"""
TAKE = "() => window.looplabDrawn.splice(0)"


@dataclass
class Window:
    """One time window of the session.

    Attributes:
        watching: who watched.
        start, end: its wall-clock bounds.
        steps_per_second: the run's batches that ended within it, per second.
        reruns_per_second: the fragment reruns the protocol sessions asked for, per second.
        media_per_second: the images the protocol sessions fetched, per second.
        drawn: the first tab's `(time, step)` records (empty with no tab).
        batches: `(step, time it ended)` of the run's batches that ended within it.
    """

    watching: Watching
    start: float
    end: float
    steps_per_second: float
    reruns_per_second: float
    media_per_second: float
    drawn: list[tuple[float, int]]
    batches: list[tuple[int, float]]


class Viewers:
    """The viewers of the Live page: Chromium tabs, and protocol sessions.

    Args:
        chromium: the browser.
        url: the server's address.
    """

    def __init__(self, chromium, url: str) -> None:
        self.chromium, self.url = chromium, url
        self.tabs: list = []
        self.sessions = Sessions(url + VIEWER_PATH)

    def hold(self, watching: Watching) -> None:
        """Opens or closes tabs and sessions until `watching` watch; returns once each has
        drawn the run."""
        while len(self.tabs) > watching.tabs:
            served.close_page(self.tabs.pop())
        while len(self.tabs) < watching.tabs:
            tab = served.new_page(self.chromium, self.url + VIEWER_PATH)
            tab.wait_for_function(f"({LAST_STEP})() >= 0", polling=100, timeout=served.SHOWN_MS)
            if not self.tabs:
                tab.evaluate(RECORD)
            self.tabs.append(tab)
        self.sessions.hold(watching.sessions)

    def take(self) -> list[tuple[float, int]]:
        """The first tab's records since the last `take()`, none without a tab."""
        return [tuple(record) for record in self.tabs[0].evaluate(TAKE)] if self.tabs else []

    def close(self) -> None:
        self.hold(NOBODY)
        self.sessions.close()


@functools.cache
def session(quick: bool) -> list[Window]:
    """Runs the session once per process (`benchmarks.latency` reads it too).

    Returns:
        Its windows, in the order they ran.
    """
    seconds, rounds = (6.0, 3) if quick else (15.0, 5)
    windows = []
    with served.Server() as server, served.browser() as chromium:
        server.wait()
        store = served.Store(server.database)
        starter = served.new_page(chromium, server.url)
        served.start_run(starter)
        store.wait_for_batch(after=0)
        served.close_page(starter)
        if not quick:  # a long run's view: its older rows thinned, its charts full
            served.poll(lambda: store.steps() >= LONG_RUN or None, 600, f"{LONG_RUN} batches")
        viewers = Viewers(chromium, server.url)
        for _ in range(rounds):
            for watching in WINDOWS:
                viewers.hold(watching)
                viewers.take()  # what the tab drew while the viewers opened is left out
                reruns, media = viewers.sessions.reruns, viewers.sessions.media
                start = time.time()
                time.sleep(seconds)  # the window itself: the run trains meanwhile
                end = time.time()
                drawn, reruns = viewers.take(), viewers.sessions.reruns - reruns
                media = viewers.sessions.media - media
                store.wait_for_batch(after=end)  # the writer has stored the whole window
                batches = store.batches_between(start, end)
                windows.append(
                    Window(
                        watching=watching,
                        start=start,
                        end=end,
                        steps_per_second=len(batches) / (end - start),
                        reruns_per_second=reruns / (end - start),
                        media_per_second=media / (end - start),
                        drawn=drawn,
                        batches=batches,
                    )
                )
                print(
                    f"  {watching.name:>34}: {windows[-1].steps_per_second:6.1f} steps/s",
                    flush=True,
                )
        viewers.close()
        stop_from_runs_page(chromium, server.url, store.newest_run())
    return windows


def stop_from_runs_page(chromium, url: str, run_id: str) -> None:
    """Opens the run on the Runs page and presses its Stop button."""
    page = served.new_page(chromium, f"{url}/runs")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Open a run").click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(run_id)} · ")).click()
    served.stop_run(page)
    served.close_page(page)


def measure(quick: bool) -> list[dict]:
    """The run's speed in each window, what each costs against nobody watching, and how far
    the emulated sessions' cost is from the tabs'."""
    windows = session(quick)
    speeds = {
        watching: [w.steps_per_second for w in windows if w.watching == watching]
        for watching in WINDOWS
    }
    rounds = len(speeds[NOBODY])
    costs = {
        watching: statistics.median(
            1 - mine / none for mine, none in zip(speeds[watching], speeds[NOBODY], strict=True)
        )
        for watching in WINDOWS[1:]
    }  # each round's own slowdown against its own window with nobody watching, then the median
    figures = []
    for watching in WINDOWS:
        mine = [w for w in windows if w.watching == watching]
        reruns = statistics.median(w.reruns_per_second for w in mine)
        media = statistics.median(w.media_per_second for w in mine)
        asked = (
            f"; the sessions asked {reruns:.1f} reruns/s and fetched {media:.1f} images/s"
            if watching.sessions
            else ""
        )
        figures.append(
            {
                "name": f"training speed, {watching.name} watching",
                "value": statistics.median(speeds[watching]),
                "unit": "steps/s",
                "goal": None,
                "met": None,
                "detail": f"median of {rounds} windows{asked}",
            }
        )
    for watching, cost in costs.items():
        goal = GOALS.get(watching)
        figures.append(
            {
                "name": f"cost of {watching.name}",
                "value": 100 * cost,
                "unit": "%",
                "goal": f"≤ {goal:.0%}" if goal else None,
                "met": cost <= goal if goal else None,
                "detail": f"against nobody watching, median of {rounds} interleaved rounds",
            }
        )
    tabs, sessions = costs[FOUR_TABS], costs[FOUR_SESSIONS]
    apart = abs(sessions - tabs) / max(abs(tabs), 0.01)  # against at least 1 %: noise otherwise
    figures.append(
        {
            "name": "4 sessions' cost against 4 tabs'",
            "value": 100 * apart,
            "unit": "% apart",
            "goal": f"≤ {AGREEMENT:.0%}",
            "met": apart <= AGREEMENT,
            "detail": f"4 sessions cost {100 * sessions:.1f}%, 4 tabs {100 * tabs:.1f}%",
        }
    )
    return figures
