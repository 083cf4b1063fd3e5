"""Series helpers for live charts: smoothing and downsampling, in NumPy only.

A run logs one row per batch, so a long run reaches hundreds of thousands of points. A chart
redrawn every second cannot ship them all to the browser, and the raw values are too noisy to
read a trend from. Two helpers fix that:

- `ema` smooths like TensorBoard's slider: an exponential moving average, bias-corrected so the
  first points are not pulled towards zero.
- `downsample` keeps each bucket's minimum and maximum, so a single spike still shows.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def ema(values: ArrayLike, smoothing: float) -> np.ndarray:
    """Exponential moving average of `values`, bias-corrected at the start.

    Non-finite values (a loss that diverged) stay where they are in the output and do not enter
    the average, so one `NaN` does not blank the rest of the curve.

    Args:
        values: the series to smooth.
        smoothing: the weight of the past, in `[0, 1)`; `0` returns the values unchanged.

    Returns:
        A float array the length of `values`.

    Raises:
        ValueError: if `smoothing` is outside `[0, 1)`.
    """
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1). Received: smoothing={smoothing!r}")
    values = np.asarray(values, dtype=float)
    if smoothing == 0:
        return values.copy()
    smoothed = values.copy()
    finite = np.flatnonzero(np.isfinite(values))
    averages = _exponential_average(values[finite], smoothing)
    # Starting from 0 pulls the n-th average down by a factor `1 - smoothing ** n`; undo it.
    smoothed[finite] = averages / (1 - smoothing ** np.arange(1, len(finite) + 1))
    return smoothed


def _exponential_average(values: np.ndarray, smoothing: float) -> np.ndarray:
    """`y[i] = smoothing * y[i - 1] + (1 - smoothing) * values[i]` from `y[-1] = 0`.

    A Python loop over the values would take milliseconds a chart every second: SciPy's linear
    filter runs the same recurrence in C (imported here, with the first chart, so that it adds
    nothing to the app's start).
    """
    from scipy.signal import lfilter

    return lfilter([1 - smoothing], [1, -smoothing], values)


def downsample(
    x: ArrayLike, y: ArrayLike, max_points: int = 2000
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Thins a series to at most `max_points`, keeping every bucket's extremes.

    The series is cut into `max_points // 2` buckets of consecutive points, and each bucket keeps
    its lowest and highest `y`, in their original order. Unlike taking every n-th point, this
    never hides a spike. `NaN`s are never picked unless a bucket holds nothing else.

    Args:
        x: the positions, in increasing order (steps or seconds).
        y: the values, as long as `x`.
        max_points: the most points to return; at least 2.

    Returns:
        `(x, y, downsampled)`: the kept points as arrays, and whether any were dropped. Series
        of at most `max_points` points come back whole.

    Raises:
        ValueError: if `max_points < 2` or `x` and `y` differ in length.
    """
    x, y = np.asarray(x), np.asarray(y, dtype=float)
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2. Received: max_points={max_points}")
    if len(x) != len(y):
        raise ValueError(f"x and y must be as long. Received: len(x)={len(x)}, len(y)={len(y)}")
    n = len(y)
    if n <= max_points:
        return x, y, False
    size = math.ceil(n / (max_points // 2))
    buckets = math.ceil(n / size)
    # One bucket per row; padding the last row with +-inf keeps it out of the min and max.
    padding = buckets * size - n
    low = np.concatenate([np.where(np.isnan(y), np.inf, y), np.full(padding, np.inf)])
    high = np.concatenate([np.where(np.isnan(y), -np.inf, y), np.full(padding, -np.inf)])
    starts = np.arange(buckets) * size
    lows = starts + low.reshape(buckets, size).argmin(axis=1)
    highs = starts + high.reshape(buckets, size).argmax(axis=1)
    keep = np.unique(np.minimum(np.concatenate([lows, highs]), n - 1))
    return x[keep], y[keep], True
