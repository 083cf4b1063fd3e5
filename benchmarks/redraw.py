"""What one live redraw of a run's charts costs the server, at 1,000 to 1,000,000 batches.

Each second, every session watching a run redraws its per-batch charts: the loss and the
accuracy (each with its smoothed curve and epoch mean) and the learning rate and speed. With
the figures shared (`components.shared`), a moment of a run costs the server:

- once for all sessions: a snapshot of the run's rows (thinned past 20,000, see
  `trainers.thinning`) and the three figures built from it;
- for each session: what `st.plotly_chart` does with a figure, turning it into a dict and
  then JSON.

This script feeds a synthetic event stream into a `RunLog` that a store would follow (so it
thins its older rows) and measures both, in CPU time, as medians over repeats; and the largest
trace any of the figures sends. The goal: one redraw (snapshot, figures and one session's
share) under 10 ms at 100,000 batches, and at a million batches well under a second of CPU per
second for thirty viewers.

    python -m benchmarks.redraw
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

GOAL_MS = 10.0  # one redraw at 100,000 batches
VIEWERS = 30


def training_log(batches: int):
    """A run's log after `batches` synthetic batches of a classifier, thinned as a store's."""
    import numpy as np

    from trainers.events import RunLog

    log = RunLog("benchmark", {"dataset": "mnist-5k"})
    log.keep_recent()
    log.emit("start", 0, {})
    noise = np.random.default_rng(0).normal(0, 0.05, batches).tolist()
    for step, wobble in enumerate(noise):
        loss = 2.3 / (1 + step / 500) + wobble
        row = {"step": step, "epoch": step // 71 + 1, "batch": step % 71, "size": 64}
        row |= {"lr": 0.001, "examples_per_second": 16000.0 + wobble, "seconds": step * 0.004}
        row |= {"loss": loss, "mean_loss": loss, "accuracy": 1 - loss / 3, "mean_accuracy": 0.5}
        log.emit("batch", step + 1, row)
    return log


def cpu_ms(action, repeats: int) -> tuple[float, object]:
    """The median CPU milliseconds of `action()`, and what it returned last."""
    times, result = [], None
    for _ in range(repeats):
        started = time.process_time()
        result = action()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times), result


def redraw_costs(batches: int, repeats: int) -> dict:
    """CPU milliseconds of a moment's snapshot and figures, and of one session's share."""
    import plotly.io
    import plotly.tools

    from components import figures

    log = training_log(batches)
    snapshot_ms, snapshot = cpu_ms(log.snapshot, repeats)
    rows, marks = snapshot["batches"], snapshot["marks"]

    def build():
        return [
            figures.batch_figure(rows, "loss", figures.SMOOTHING, marks=marks),
            figures.batch_figure(rows, "accuracy", figures.SMOOTHING, marks=marks),
            figures.rate_figure(rows, marks),
        ]

    build_ms, drawn = cpu_ms(build, repeats)

    def session():  # what st.plotly_chart does with each figure
        for figure in drawn:
            as_dict = plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True)
            plotly.io.to_json(as_dict, validate=False)

    session_ms, _ = cpu_ms(session, repeats)
    largest = max(len(trace.x) for figure in drawn for trace in figure.data)
    return {
        "rows": len(rows["step"]),
        "shared_ms": snapshot_ms + build_ms,
        "session_ms": session_ms,
        "largest_trace": largest,
    }


def measure(quick: bool) -> list[dict]:
    """The redraw figures, for `python -m benchmarks`."""
    sizes = (1_000, 100_000) if quick else (1_000, 100_000, 1_000_000)
    results = []
    for batches in sizes:
        costs = redraw_costs(batches, repeats=5 if quick else 9)
        one = costs["shared_ms"] + costs["session_ms"]
        many = costs["shared_ms"] + VIEWERS * costs["session_ms"]
        detail = (
            f"{costs['rows']:,} rows in memory; shared snapshot and figures "
            f"{costs['shared_ms']:.1f} ms, each session {costs['session_ms']:.1f} ms"
        )
        results.append(
            {
                "name": f"one redraw at {batches:,} batches",
                "value": one,
                "unit": "ms CPU",
                "goal": f"≤ {GOAL_MS:g} ms" if batches == 100_000 else None,
                "met": one <= GOAL_MS if batches == 100_000 else None,
                "detail": detail,
            }
        )
        results.append(
            {
                "name": f"{VIEWERS} viewers at {batches:,} batches, per second",
                "value": many,
                "unit": "ms CPU",
                "goal": "well under 1000 ms" if batches == max(sizes) else None,
                "met": many < 500 if batches == max(sizes) else None,
            }
        )
        results.append(
            {
                "name": f"largest trace at {batches:,} batches",
                "value": costs["largest_trace"],
                "unit": "points",
                "goal": "≤ 2000",
                "met": costs["largest_trace"] <= 2000,
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 100,000 batches only")
    for figure in measure(parser.parse_args().quick):
        goal = f"  (goal {figure['goal']}: {'met' if figure['met'] else 'NOT met'})"
        print(f"{figure['name']:<40}{figure['value']:>10,.1f} {figure['unit']}", end="")
        print(goal if figure["goal"] else "", figure.get("detail", ""))


if __name__ == "__main__":
    main()
