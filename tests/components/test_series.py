"""Smoothing and downsampling keep what a user needs to see in a long, noisy series."""

import numpy as np
import pytest

from components.series import downsample, ema


def test_a_single_spike_survives_downsampling():
    x = np.arange(100_000)
    y = np.random.default_rng(0).uniform(0.9, 1.1, size=x.size)
    y[54_321] = 100.0

    xs, ys, downsampled = downsample(x, y, max_points=2000)

    assert downsampled
    assert len(xs) == len(ys) <= 2000
    assert ys.max() == 100.0 and 54_321 in xs
    assert np.all(np.diff(xs) > 0)


def test_short_series_come_back_untouched():
    x, y = np.arange(500), np.linspace(0, 1, 500)

    xs, ys, downsampled = downsample(x, y, max_points=2000)

    assert not downsampled
    np.testing.assert_array_equal(xs, x)
    np.testing.assert_array_equal(ys, y)


def test_downsampling_skips_nans_and_keeps_both_ends_of_the_range():
    y = np.linspace(0, 1, 10_001)
    y[3::7] = np.nan

    _, ys, _ = downsample(np.arange(y.size), y, max_points=100)

    assert not np.isnan(ys).any()
    assert ys.min() == 0 and ys.max() == 1


def test_zero_smoothing_is_the_identity():
    values = np.array([3.0, 1.0, np.nan, 4.0])

    np.testing.assert_array_equal(ema(values, 0.0), values)


def test_smoothing_reduces_noise_and_starts_at_the_first_value():
    values = 2.0 + np.random.default_rng(1).normal(size=5000)

    smoothed = ema(values, 0.9)

    assert smoothed[0] == values[0]
    assert smoothed.var() < values.var() / 5
    assert smoothed[-1000:].mean() == pytest.approx(2.0, abs=0.2)


def test_smoothing_steps_over_nans():
    smoothed = ema([1.0, np.nan, 1.0, 1.0], 0.6)

    assert np.isnan(smoothed[1])
    np.testing.assert_allclose(smoothed[[0, 2, 3]], 1.0)


@pytest.mark.parametrize("smoothing", [-0.1, 1.0])
def test_smoothing_outside_its_range_is_refused(smoothing):
    with pytest.raises(ValueError, match="smoothing"):
        ema([1.0], smoothing)
