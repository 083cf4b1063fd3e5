"""The store's codec: run data with numpy arrays, images and NaN, to JSON and PNG and back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trainers.store import codec


def test_the_codec_keeps_arrays_images_and_non_finite_floats():
    data = {
        "pixels": np.arange(12, dtype=np.uint8).reshape(3, 4),
        "rgb": np.full((2, 2, 3), 7, np.uint8),
        "weights": np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3),
        "losses": [1.5, math.nan, math.inf, -math.inf],
        "scalar": np.float32(0.5),
        "keys": {0: "zero"},
    }
    back = codec.loads(codec.dumps(data))

    assert set(back) == set(data)
    for name in ("pixels", "rgb", "weights"):
        assert back[name].dtype == data[name].dtype
        np.testing.assert_array_equal(back[name], data[name])
    assert back["losses"][:1] == [1.5] and math.isnan(back["losses"][1])
    assert back["losses"][2:] == [math.inf, -math.inf]
    assert back["scalar"] == 0.5 and type(back["scalar"]) is float
    assert back["keys"] == {"0": "zero"}  # JSON keys are text
    with pytest.raises(ValueError, match=r"Received: dtype=float64, shape=\(2,\)"):
        codec.to_png(np.zeros(2))


def test_png_keeps_grey_and_colour_pixels_exactly():
    rng = np.random.default_rng(0)
    for shape in ((28, 28), (9, 7, 3), (5, 5, 4)):
        pixels = rng.integers(0, 256, shape, dtype=np.uint8)
        np.testing.assert_array_equal(codec.from_png(codec.to_png(pixels)), pixels)
