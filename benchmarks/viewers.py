"""What watching costs a run: training speed with 0, 1, 4 and 30 viewers on the Live page.

A classroom watches the teacher's run: every student's browser opens the Live page, which asks
the server to rerun its fragments (the live view every second, the job switch every second, the
sidebar every two), and every rerun is work for the server that trains. This benchmark starts
one long run of the `mlp` on `mnist-5k` from the Train page and closes that page. While the run
goes on, it holds 0, 1, 4 or 30 viewers for a time window each, in the interleaved order 0, 1,
4, 30, 0, 1, … . The first viewer is a Chromium tab on the Live page; the others are protocol
sessions (`benchmarks.sessions`), each a Streamlit session of its own that asks for what a tab
asks for: one browser core draws the page only about twice a second, far from thirty tabs'
worth. A window starts once every viewer has drawn the page.

The run's speed in a window is the number of its batches the store says ended within it, per
second; the cost of N viewers is the median, over the rounds, of the slowdown against the
0-viewer window of the same round. The goals: 1 viewer costs at most 3 %, 30 viewers at most
10 %. At the end the run is stopped with the Stop button of the Runs page, where this server's
runs are steered (the Live page is read-only).

The tab also records, in the page, each step its loss chart newly draws and when:
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
COUNTS = (0, 1, 4, 30)
GOALS = {1: 0.03, 30: 0.10}  # the largest acceptable slowdown for that many viewers

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
        viewers: how many viewers watched.
        start, end: its wall-clock bounds.
        steps_per_second: the run's batches that ended within it, per second.
        reruns_per_second: the fragment reruns the protocol sessions asked for, per second.
        drawn: the tab's `(time, step)` records (empty with no viewer).
        batches: `(step, time it ended)` of the run's batches that ended within it.
    """

    viewers: int
    start: float
    end: float
    steps_per_second: float
    reruns_per_second: float
    drawn: list[tuple[float, int]]
    batches: list[tuple[int, float]]


class Viewers:
    """The viewers of the Live page: a Chromium tab, and protocol sessions after the first.

    Args:
        chromium: the browser.
        url: the server's address.
    """

    def __init__(self, chromium, url: str) -> None:
        self.chromium, self.url = chromium, url
        self.tab = None
        self.sessions = Sessions(url + VIEWER_PATH)

    def hold(self, count: int) -> None:
        """Opens or closes viewers until `count` watch; returns once each draws the run."""
        if count and self.tab is None:
            self.tab = served.new_page(self.chromium, self.url + VIEWER_PATH)
            self.tab.wait_for_function(
                f"({LAST_STEP})() >= 0", polling=100, timeout=served.SHOWN_MS
            )
            self.tab.evaluate(RECORD)
        elif not count and self.tab is not None:
            served.close_page(self.tab)
            self.tab = None
        self.sessions.hold(max(count - 1, 0))

    def take(self) -> list[tuple[float, int]]:
        """The tab's records since the last `take()`, none without a tab."""
        return [tuple(record) for record in self.tab.evaluate(TAKE)] if self.tab else []

    def close(self) -> None:
        self.hold(0)
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
        viewers = Viewers(chromium, server.url)
        for _ in range(rounds):
            for count in COUNTS:
                viewers.hold(count)
                viewers.take()  # what the tab drew while the viewers opened is left out
                reruns, start = viewers.sessions.reruns, time.time()
                time.sleep(seconds)  # the window itself: the run trains meanwhile
                end = time.time()
                drawn, reruns = viewers.take(), viewers.sessions.reruns - reruns
                store.wait_for_batch(after=end)  # the writer has stored the whole window
                batches = store.batches_between(start, end)
                windows.append(
                    Window(
                        viewers=count,
                        start=start,
                        end=end,
                        steps_per_second=len(batches) / (end - start),
                        reruns_per_second=reruns / (end - start),
                        drawn=drawn,
                        batches=batches,
                    )
                )
                print(
                    f"  {viewers_text(count):>10}: {windows[-1].steps_per_second:6.1f} steps/s",
                    flush=True,
                )
        viewers.close()
        stop_from_runs_page(chromium, server.url, store.newest_run())
    return windows


def viewers_text(count: int) -> str:
    return f"{count} viewer{'' if count == 1 else 's'}"


def stop_from_runs_page(chromium, url: str, run_id: str) -> None:
    """Opens the run on the Runs page and presses its Stop button."""
    page = served.new_page(chromium, f"{url}/runs")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Open a run").click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(run_id)} · ")).click()
    served.stop_run(page)
    served.close_page(page)


def measure(quick: bool) -> list[dict]:
    """The run's speed per number of viewers, and what 1 and 30 viewers cost against none."""
    windows = session(quick)
    speeds = {
        count: [w.steps_per_second for w in windows if w.viewers == count] for count in COUNTS
    }
    rounds = len(speeds[0])
    figures = []
    for count in COUNTS:
        reruns = statistics.median(w.reruns_per_second for w in windows if w.viewers == count)
        asked = f"; the {count - 1} sessions asked {reruns:.0f} reruns/s" if count > 1 else ""
        figures.append(
            {
                "name": f"training speed, {viewers_text(count)}",
                "value": statistics.median(speeds[count]),
                "unit": "steps/s",
                "goal": None,
                "met": None,
                "detail": f"median of {rounds} windows{asked}",
            }
        )
    for count, goal in GOALS.items():
        # Each round's own slowdown against its own 0-viewer window, then the median.
        cost = statistics.median(
            1 - mine / none for mine, none in zip(speeds[count], speeds[0], strict=True)
        )
        figures.append(
            {
                "name": f"cost of {viewers_text(count)}",
                "value": 100 * cost,
                "unit": "%",
                "goal": f"≤ {goal:.0%}",
                "met": cost <= goal,
                "detail": f"slowdown against 0 viewers, median of {rounds} interleaved rounds",
            }
        )
    return figures
