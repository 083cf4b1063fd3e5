"""Image grids, PNG and GIF bytes, the filmstrip, and the gallery of mistakes."""

import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from components.images import caption, filmstrip
from trainers.images import (
    GIF_FRAME_MILLISECONDS,
    change,
    filmstrip_gif,
    image_grid,
    tile,
    to_png,
    upscale,
)


def test_sixteen_digits_in_four_columns_make_a_square_grid_with_gaps():
    digits = [np.full((28, 28), i, dtype=np.uint8) for i in range(16)]

    grid = image_grid(digits, columns=4)

    assert grid.shape == (4 * 28 + 3, 4 * 28 + 3)
    assert grid[0, 0] == 0 and grid[29, 29] == 5
    assert (grid[28, :] == 255).all() and (grid[:, 28] == 255).all()


def test_a_colour_image_turns_the_grid_rgb():
    images = [
        np.zeros((8, 8), np.uint8),
        np.zeros((8, 8, 3), np.uint8),
        np.zeros((8, 8, 1), np.uint8),
    ]

    grid = image_grid(images, columns=2)

    assert grid.shape == (2 * 8 + 1, 2 * 8 + 1, 3)


def test_images_of_different_sizes_are_refused():
    with pytest.raises(ValueError, match="one size"):
        image_grid([np.zeros((8, 8), np.uint8), np.zeros((28, 28), np.uint8)], columns=2)


def test_a_batch_of_float_images_tiles_into_a_square_uint8_grid():
    images = np.linspace(0, 1, 9 * 4 * 4).reshape(9, 4, 4, 1)

    grid = tile(images)

    assert grid.dtype == np.uint8 and grid.shape == (3 * 4 + 2, 3 * 4 + 2)
    assert grid[0, 0] == 0 and grid[-1, -1] == 255


@pytest.mark.parametrize("shape", [(8, 8), (32, 32, 3)])
def test_png_round_trips_through_pillow(shape):
    pixels = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)

    decoded = np.asarray(Image.open(io.BytesIO(to_png(pixels))))

    np.testing.assert_array_equal(decoded, pixels)


def test_small_digits_are_enlarged_with_crisp_pixels():
    digit = np.arange(64, dtype=np.uint8).reshape(8, 8)

    large = upscale(digit)

    assert large.shape == (112, 112)
    np.testing.assert_array_equal(large[::14, ::14], digit)


def grids(count, shape=(8, 8)):
    """`count` sample grids, each one flat grey level, ten steps apart."""
    return [
        {"step": 10 * (i + 1), "pixels": np.full(shape, (10 * i) % 256, dtype=np.uint8)}
        for i in range(count)
    ]


def test_the_filmstrip_spreads_its_frames_from_the_first_grid_to_the_latest():
    shown = filmstrip(grids(50), frames=8)

    steps = [grid["step"] for grid in shown]
    assert len(steps) == 8
    assert steps[0] == 10 and steps[-1] == 500
    gaps = np.diff(steps)
    assert gaps.min() > 0 and gaps.max() - gaps.min() <= 10  # evenly spread


def test_a_short_run_shows_every_grid_in_its_filmstrip():
    shown = filmstrip(grids(3), frames=8)

    assert [grid["step"] for grid in shown] == [10, 20, 30]


@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 3)])
def test_the_filmstrip_gif_has_a_looping_frame_per_grid_at_the_asked_size(shape):
    gif = Image.open(io.BytesIO(filmstrip_gif(grids(5, shape), side=64)))

    assert gif.format == "GIF" and gif.n_frames == 5
    assert gif.size == (64, 64)
    assert gif.info["loop"] == 0 and gif.info["duration"] == GIF_FRAME_MILLISECONDS
    levels = []
    for frame in range(gif.n_frames):
        gif.seek(frame)
        levels.append(np.asarray(gif.convert("L"))[32, 32])
    assert levels == [0, 10, 20, 30, 40]  # each frame is its grid, in order


def test_captions_say_what_went_wrong():
    item = {"true": 3, "predicted": 5, "confidence": 0.9}

    assert caption(item) == "true 3 → predicted 5 (90 %)"
    assert caption(item, [str(i) for i in "abcdefghij"]) == "true d → predicted f (90 %)"


def test_the_gallery_draws_a_captioned_image_per_example():
    def page():
        import numpy as np

        from components.images import show_gallery

        digit = np.zeros((8, 8), np.uint8)
        show_gallery([{"pixels": digit, "true": i, "predicted": 0} for i in range(1, 8)])

    app = AppTest.from_function(page).run()

    images = [column.children[0] for column in app.columns if column.children]
    assert not app.exception
    assert len(app.columns) == 12 and len(images) == 7
    assert images[0].proto.imgs[0].caption == "true 1 → predicted 0"
    assert all(image.proto.imgs[0].url.endswith(".png") for image in images)


def test_the_change_of_two_grids_is_red_where_they_differ_and_grey_elsewhere():
    before = np.zeros((5, 5), np.uint8)
    after = before.copy()
    after[2, 2] = 200  # one pixel redrawn
    after[0, 0] = before[0, 0] = 100  # one pixel the same in both, not black

    changed = change(before, after)

    assert changed.shape == (5, 5, 3) and changed.dtype == np.uint8
    red, green, blue = changed[2, 2]
    assert red == 255 and green == blue == 80  # fully red over a dimmed 200
    assert tuple(changed[0, 0]) == (40, 40, 40)  # unchanged: grey, dimmed
    assert tuple(changed[4, 4]) == (0, 0, 0)


def test_only_grids_of_one_shape_can_be_compared():
    with pytest.raises(ValueError, match=r"Received: \(5, 5\) and \(5, 6\)"):
        change(np.zeros((5, 5), np.uint8), np.zeros((5, 6), np.uint8))


def quality_panel(diversities: list, accuracy: float | None = None) -> AppTest:
    """The GAN studio's quality panel for grids whose samples have these diversities (None:
    as an older Looplab stored them, without) and, for the last, this accuracy."""

    def page(diversities, accuracy):
        from components import gan_view

        grids = []
        for step, diversity in enumerate(diversities):
            scores = {"inception_score": 8.0, "confidence": 0.9, "histogram": [51] * 10}
            if diversity is not None:
                scores |= {"real_histogram": [0.1] * 10, "diversity": diversity}
            grids.append({"step": step, "verdict": {"fake": 0.4, "real": 0.3}, "quality": scores})
        if accuracy is not None:
            grids[-1]["quality"] |= {"accuracy": accuracy, "class_accuracy": [1.0] * 9 + [0.5]}
        gan_view._quality(grids, {"run_id": "run-1", "version": 1, "marks": []})

    return AppTest.from_function(page, args=(diversities, accuracy), default_timeout=30).run()


def test_the_quality_panel_shows_diversity_and_how_often_digits_come_out_as_asked():
    app = quality_panel([0.9, 0.98], accuracy=0.95)

    assert not app.exception
    metrics = {metric.label: metric for metric in app.metric}
    assert metrics["Diversity"].value == "0.98"
    assert metrics["Drawn as asked"].value == "95%"
    assert "Hardest now: 9, at 50%." in metrics["Drawn as asked"].proto.help
    assert not app.warning


def test_a_generator_whose_diversity_falls_is_warned_of_collapse():
    app = quality_panel([1.0, 0.2])

    assert not app.exception
    assert "Drawn as asked" not in [metric.label for metric in app.metric]
    (warning,) = app.warning
    assert warning.value.startswith("Mode collapse? The samples' diversity fell from 1.00 to 0.20")


def test_an_untrained_generator_drawing_one_smudge_is_not_a_collapse():
    app = quality_panel([0.1, 0.2])  # the first grids of a run

    assert not app.exception and not app.warning


def test_a_gan_stored_before_diversity_was_measured_still_shows_its_scores():
    app = quality_panel([None, None])

    assert not app.exception
    assert [metric.label for metric in app.metric] == [
        "Inception Score",
        "Confidence",
        "D: generated",
    ]


def test_a_shared_image_reaches_the_browser_as_the_png_it_was_encoded_as():
    def page():
        import numpy as np

        from components import shared

        digit = np.zeros((4, 4), np.uint8)
        digit[1:3, 1:3] = 255  # a white square: JPEG would blur its edges
        shared.image("run-1", {"step": 7, "title": "a digit", "pixels": digit}, 64)

    app = AppTest.from_function(page).run()

    assert not app.exception
    (image,) = app.main.children.values()
    assert image.proto.imgs[0].url.endswith(".png")  # not re-encoded as JPEG per session
