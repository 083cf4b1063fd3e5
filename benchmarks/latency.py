"""How soon a batch shows: from its end on the training thread to its point in a real browser.

It reads the session of `benchmarks.viewers`: while the run trains, its first tab on the Live
page polls its own "loss per batch" chart every 100 ms and records each later step the chart
draws, with the browser's clock (the server's, on one machine). A batch is drawn once the chart
reaches its step; its latency is that moment less the batch's end, which the store gives. Every
batch counts, not only the newest of each redraw: one that ends just after a redraw waits for
the next. Batches that end in the last `MARGIN_SECONDS` of a window are left out (their redraw
may come after the window), and one still not drawn at the window's end counts as drawn then.

The goals: 95 % of the batches show within 1.0 s with one tab watching, and within 2.0 s in the
room (`viewers.ROOM` viewers). In full mode the run has trained `viewers.LONG_RUN` batches
before the first window. The store's end of a batch is at most a few milliseconds late (the
run's clock starts just before it is stored as started), so if anything the latencies read that
much low.

    python -m benchmarks --only latency
"""

from __future__ import annotations

import bisect
import statistics

from benchmarks import viewers

GOALS = {viewers.ONE_TAB: 1.0, viewers.ROOM_WINDOW: 2.0}  # the 95th percentile's, in seconds
MARGIN_SECONDS = 2.0


def latencies(window: viewers.Window) -> tuple[list[float], list[float]]:
    """The latency of each batch of `window`, and of the newest batch of each redraw."""
    times = [time for time, _ in window.drawn]
    steps = [step for _, step in window.drawn]  # increasing: each record draws a later step
    ended = dict(window.batches)
    every = []
    for step, end in window.batches:
        if end > window.end - MARGIN_SECONDS:
            break
        index = bisect.bisect_left(steps, step)
        every.append((times[index] if index < len(times) else window.end) - end)
    newest = [time - ended[step] for time, step in window.drawn if step in ended]
    return every, newest


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (linear between ranks)."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def measure(quick: bool) -> list[dict]:
    """The p50 and p95 latency with one tab watching, and in the room."""
    every: dict = {watching: [] for watching in GOALS}
    newest: dict = {watching: [] for watching in GOALS}
    for window in viewers.session(quick):
        if window.watching in GOALS:
            each, latest = latencies(window)
            every[window.watching] += each
            newest[window.watching] += latest
    figures = []
    for watching, goal in GOALS.items():
        detail = f"{len(every[watching])} batches, {watching.name} on {viewers.VIEWER_PATH}"
        p95 = percentile(every[watching], 0.95)
        figures += [
            {
                "name": f"batch-to-browser latency p50, {watching.name}",
                "value": statistics.median(every[watching]),
                "unit": "s",
                "goal": None,
                "met": None,
                "detail": f"{detail}; the newest batch of each redraw: "
                f"{statistics.median(newest[watching]):.2f} s",
            },
            {
                "name": f"batch-to-browser latency p95, {watching.name}",
                "value": p95,
                "unit": "s",
                "goal": f"≤ {goal:g} s",
                "met": p95 <= goal,
                "detail": detail,
            },
        ]
    return figures
