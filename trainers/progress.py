"""How far a run has come, and how long it has left, as one line of text.

A run ends at whichever limit it meets first: its epochs, `max_steps` batches, or `minutes` of
wall time. `progress_text` measures each limit that is set and reports the nearest one, e.g.
`"epoch 2/5 · step 130/350 · 0:42 elapsed · ETA 1:10"`.

The time left is extrapolated from the training time so far, leaving out the time the run spent
paused, so that a long pause does not inflate the estimate.
"""

from __future__ import annotations

from trainers.events import COMPLETED, FINISHED, steps_in

WAITING = "waiting for the first batch"


def _clock(seconds: float) -> str:
    """`"0:42"`, `"1:10"`, or `"1:02:03"` past an hour."""
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _paused_seconds(marks: list[dict]) -> float:
    """The seconds spent between each `pause` mark and the `resume` after it."""
    paused, since = 0.0, None
    for mark in marks:
        if mark["kind"] == "pause" and since is None:
            since = mark["seconds"]
        elif mark["kind"] == "resume" and since is not None:
            paused, since = paused + mark["seconds"] - since, None
    return paused


def progress_text(snapshot: dict) -> tuple[float, str]:
    """The fraction of a run done, and a line saying where it is and how long it has left.

    Steps count batch rows; the total is `epochs × info["steps_per_epoch"]` when the engine
    reported it, capped by `max_steps`. Without it, the epochs that finished measure progress.

    Args:
        snapshot: a `RunLog.snapshot()`.

    Returns:
        `(fraction, label)`, the fraction in `[0, 1]` (1 once completed), and a label such as
        `"epoch 2/5 · step 130/350 · 0:42 elapsed · ETA 1:10"`, or `"completed · ..."` with no
        ETA once the run has finished.
    """
    batches, config = snapshot["batches"], snapshot["config"]
    steps = steps_in(batches)
    if not steps:
        return 0.0, WAITING
    epochs, max_steps, minutes = (config.get(k, 0) for k in ("epochs", "max_steps", "minutes"))
    total = epochs * snapshot["info"].get("steps_per_epoch", 0)
    total = min(total or max_steps, max_steps or total)  # the smaller of those that are set
    elapsed = batches["seconds"][-1]
    training = elapsed - _paused_seconds(snapshot["marks"])

    # Each limit gives (fraction done, seconds left); the run ends at the nearest.
    done = steps / total if total else len(snapshot["epochs"]) / max(epochs, 1)
    limits = [(done, training * (1 - done) / done if done else None)]
    if minutes:
        limits.append((elapsed / (60 * minutes), 60 * minutes - elapsed))
    fraction = 1.0 if snapshot["status"] == COMPLETED else min(1.0, max(f for f, _ in limits))
    left = [seconds for _, seconds in limits if seconds is not None]

    parts = [
        f"epoch {batches['epoch'][-1]}/{epochs}",
        f"step {steps}/{total}" if total else f"step {steps}",
        f"{_clock(elapsed)} elapsed",
    ]
    if snapshot["status"] in FINISHED:
        parts.insert(0, snapshot["status"])
    elif left:
        parts.append(f"ETA {_clock(max(0.0, min(left)))}")
    return fraction, " · ".join(parts)


def overhead_text(snapshot: dict) -> str | None:
    """What the recorder's own work on each batch costs the run's training, e.g. `"Recording
    costs this run 0.2% of its training time (5 µs a batch)."`; None before the first batch or
    for a run read from the store. It says no more than it measures: the store's writer and
    the pages' redraws are not in it."""
    batches, spent = snapshot["batches"], snapshot.get("recording_seconds")
    steps = steps_in(batches)
    if not spent or not steps or not batches["seconds"][-1]:
        return None
    share = spent / batches["seconds"][-1]
    text = f"Recording costs this run {share:.1%} of its training time"
    return text + f" ({spent / steps * 1e6:.0f} µs a batch)."
