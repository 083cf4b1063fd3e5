"""The reference digit classifier and the quality it gives a GAN's samples.

The classifier is really trained, once per session, into a temporary cache; every test here then
loads it from disk, as a page or the command line would.
"""

from __future__ import annotations

import numpy as np
import pytest

from trainers import engine, quality
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.datasets import load_dataset
from trainers.events import COMPLETED, RunLog
from trainers.gan_run import SCORE_SIZE


@pytest.fixture(scope="module", autouse=True)
def reference_cache(tmp_path_factory):
    """Trains the reference classifier into a cache folder shared by this test session."""
    folder = tmp_path_factory.getbasetemp() / "looplab-cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOOPLAB_CACHE", str(folder))
        quality.reference_classifier()
        yield folder


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return load_dataset("mnist-5k", validation_split=0).x_train


def test_the_classifier_is_cached_on_disk_and_loads_back_the_same(reference_cache, digits):
    path = reference_cache / quality.REFERENCE_FILE
    assert quality.cache_path() == path and path.exists()
    trained = quality.reference_classifier().predict(digits[:64], verbose=0)
    quality._models.clear()  # as a fresh process would: from the file
    loaded = quality.reference_classifier().predict(digits[:64], verbose=0)
    np.testing.assert_allclose(loaded, trained, atol=1e-5)


def test_real_digits_score_high_and_noise_scores_about_one(digits):
    real = quality.quality(digits[:1000])
    noise = quality.quality(np.random.default_rng(0).uniform(size=(256, 28, 28, 1)))
    assert real["inception_score"] > 7, real
    assert real["confidence"] > 0.9
    assert min(real["histogram"]) > 60  # every digit is recognised, about a tenth each
    assert sum(real["histogram"]) == 1000
    assert noise["inception_score"] < 1.5, noise


def test_mode_collapse_shows_in_the_histogram_the_score_and_the_diversity(digits):
    one_digit = np.repeat(digits[:1], 256, axis=0)
    score = quality.quality(one_digit)
    assert score["inception_score"] == pytest.approx(1.0, abs=1e-3)
    assert sorted(score["histogram"])[-2:] == [0, 256]
    assert score["diversity"] == pytest.approx(0.0, abs=1e-6)
    # Real digits are as varied as real digits; a few dozen of them, each drawn again and
    # again, are not, though every class is there.
    assert quality.quality(digits[1000:1512])["diversity"] == pytest.approx(1.0, abs=0.15)
    assert quality.quality(np.tile(digits[:64], (8, 1, 1, 1)))["diversity"] < 0.1


def test_the_real_histogram_is_the_share_of_each_class_among_real_digits(digits):
    score = quality.quality(digits[:256])
    assert sum(score["real_histogram"]) == pytest.approx(1.0)
    assert all(0.08 < share < 0.12 for share in score["real_histogram"])  # about a tenth each


def test_digits_drawn_for_classes_are_checked_against_them():
    real = load_dataset("mnist-5k", validation_split=0)
    images, labels = real.x_train[:500], real.y_train[:500]
    right = quality.quality(images, labels)
    shifted = quality.quality(images, (labels + 1) % 10)  # every image asked for another digit
    assert right["accuracy"] > 0.9 and shifted["accuracy"] < 0.1
    assert len(right["class_accuracy"]) == 10 and min(right["class_accuracy"]) > 0.75
    assert "accuracy" not in quality.quality(images)


def test_the_nearest_distance_is_the_mean_distance_to_the_nearest_other_row():
    features = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 5.0]])
    assert quality.nearest_distance(features) == pytest.approx((5 + 1 + 1) / 3, abs=1e-3)


def test_only_28_by_28_grey_images_are_scored():
    assert quality.quality(np.zeros((16, 8, 8, 1))) is None
    assert quality.quality(np.zeros((16, 28, 28, 3))) is None


def test_gan_grids_carry_their_quality_and_the_run_ends_with_an_interpolation():
    config = RunConfig(
        dataset="mnist-5k",
        architecture="gan-classroom",
        style="gan_loop",
        max_examples=256,
        batch_size=32,
        max_steps=4,
        image_every=2,
        validation_split=0,
    )
    log = RunLog("quality", config.to_dict())
    engine.execute(config, log, RunControl())
    snapshot = log.snapshot()
    assert snapshot["status"] == COMPLETED, snapshot["error"]
    assert [image["step"] for image in snapshot["images"]] == [2, 4]  # no duplicate at the end
    for image in snapshot["images"]:
        assert 1 <= image["quality"]["inception_score"] <= 10
        assert sum(image["quality"]["histogram"]) == SCORE_SIZE
    result = snapshot["result"]
    assert result["quality"] == snapshot["images"][-1]["quality"]
    strip = result["interpolation"]
    assert strip.dtype == np.uint8 and strip.shape == (28, 10 * 29 - 1)
    # Its ends are the first two samples of the final grid, from the same fixed noise.
    grid = snapshot["images"][-1]["pixels"]
    np.testing.assert_array_equal(strip[:, :28], grid[:28, :28])
    np.testing.assert_array_equal(strip[:, -28:], grid[:28, 29:57])
