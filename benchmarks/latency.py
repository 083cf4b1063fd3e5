"""How soon a batch shows: from its end on the training thread to its point in a real browser.

It reads the session of `benchmarks.viewers`: while the run trains, its first Live page polls
its own "loss per batch" chart every 100 ms and records each later step the chart draws, with
the browser's clock (the server's, on one machine). A batch is drawn once the chart reaches
its step; its latency is that moment less the batch's end, which the store gives. Every batch
counts, not only the newest of each redraw: one that ends just after a redraw waits for the
next. Batches that end in the last `MARGIN_SECONDS` of a window are left out (their redraw may
come after the window), and one still not drawn at the window's end counts as drawn then.

The goal: 95 % of the batches show within 1.5 s, with one viewer. The store's end of a batch
is at most a few milliseconds late (the run's clock starts just before it is stored as
started), so if anything the latencies read that much low.

    python -m benchmarks --only latency
"""

from __future__ import annotations

import bisect
import statistics

from benchmarks import viewers

GOAL_SECONDS = 1.5  # the 95th percentile's
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
    """The p50 and p95 latency with one viewer; with 30 in the detail."""
    by_count: dict[int, tuple[list[float], list[float]]] = {}
    for window in viewers.session(quick):
        if window.viewers:
            every, newest = by_count.setdefault(window.viewers, ([], []))
            more_every, more_newest = latencies(window)
            every += more_every
            newest += more_newest
    every, newest = by_count[1]
    crowd, _ = by_count[max(by_count)]
    p95 = percentile(every, 0.95)
    detail = f"{len(every)} batches, one viewer on {viewers.VIEWER_PATH}"
    return [
        {
            "name": "batch-to-browser latency p50",
            "value": statistics.median(every),
            "unit": "s",
            "goal": None,
            "met": None,
            "detail": f"{detail}; the newest batch of each redraw: "
            f"{statistics.median(newest):.2f} s",
        },
        {
            "name": "batch-to-browser latency p95",
            "value": p95,
            "unit": "s",
            "goal": f"≤ {GOAL_SECONDS:g} s",
            "met": p95 <= GOAL_SECONDS,
            "detail": f"{detail}; with {max(by_count)} viewers: {percentile(crowd, 0.95):.2f} s",
        },
    ]
