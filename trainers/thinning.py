"""Thinning a long run's older batch rows, so that its memory stays flat however long it trains.

The store keeps every batch row of a run. Memory need not: a chart of a million batches draws
at most a few thousand points, and what it must not lose are the spikes. So once a followed run
has more than twice `RECENT` rows in memory, everything but the last `RECENT` rows is thinned:
the steps so far are cut into `STRETCHES` equal stretches, and of each stretch only the whole
rows that hold its lowest or highest value of some metric stay. Rows stay whole, so every
reader of the columns works on a thinned run as it does on a full one, with fewer rows; and a
kept row's `size` becomes the examples since the previous kept row, so that the running sum of
`size` still counts every example seen.

Thinning again thins the kept rows with the new ones: an extreme of a stretch is an extreme of
the kept rows in it, so no spike is ever lost, and memory holds at most about
`STRETCHES * 2 * metrics + 2 * RECENT` rows.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

RECENT = 4_000  # the newest rows, kept whole
STRETCHES = 500  # the stretches of steps that the older rows are thinned to
# A row's bookkeeping: its place and time, not a value to keep the extremes of.
_BOOKKEEPING = frozenset({"step", "epoch", "batch", "size", "seconds"})


def thin(columns: dict[str, list], stretches: int = STRETCHES) -> dict[str, list]:
    """The rows of `columns` that hold each stretch's extremes, and the first and last row.

    Args:
        columns: batch rows as columns (`trainers.events.RunLog.batches`), steps increasing.
        stretches: how many equal stretches of steps to keep the extremes of.

    Returns:
        The kept rows as new columns; `size` of each is the examples since the previous one.
    """
    steps = np.asarray(columns["step"], dtype=float)
    count = len(steps)
    if count <= 2 * stretches:
        return {name: list(values) for name, values in columns.items()}
    edges = np.linspace(steps[0], steps[-1] + 1, stretches + 1)
    stretch = np.searchsorted(edges, steps, side="right") - 1
    keep = np.zeros(count, dtype=bool)
    keep[[0, -1]] = True
    for name, values in columns.items():
        if name in _BOOKKEEPING:
            continue
        values = np.asarray(values, dtype=float)
        for lowest_first in (values, -values):  # each stretch's lowest, then its highest
            order = np.lexsort((np.nan_to_num(lowest_first, nan=np.inf), stretch))
            firsts = np.flatnonzero(np.diff(stretch[order], prepend=-1))
            keep[order[firsts]] = True
    kept = np.flatnonzero(keep)
    pick = itemgetter(*kept.tolist())
    thinned = {name: list(pick(values)) for name, values in columns.items()}
    examples = np.cumsum(np.asarray(columns["size"], dtype=np.int64))[kept]
    thinned["size"] = np.diff(examples, prepend=0).tolist()
    return thinned
