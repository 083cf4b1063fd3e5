"""Digits on demand from the command line: a conditional GAN trained by `python -m trainers
run`, then asked for sevens by `python -m trainers sample`.

The GAN really trains on mnist-5k, long enough to draw every digit (700 steps, about half a
minute), and the reference classifier (`trainers.quality`) judges what it drew.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from tests.trainers.test_cli import trainers
from trainers import architectures, quality
from trainers.cli.sample import SIDE
from trainers.datasets import load_dataset

STEPS = 700


@pytest.fixture(scope="module")
def conditional(tmp_path_factory):
    """The `--out` folder of a gan-conditional run on mnist-5k."""
    out = tmp_path_factory.mktemp("conditional") / "run"
    result = trainers(
        "run", "--dataset", "mnist-5k", "--arch", "gan-conditional", "--style", "gan_fit",
        "--max-steps", str(STEPS), "--image-every", str(STEPS), "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def digits_in(png, count: int) -> np.ndarray:
    """The 28x28 digits of a PNG that `sample` wrote: its grid, enlarged, cut into cells."""
    with Image.open(png) as image:
        pixels = np.asarray(image)
    columns = int(np.ceil(np.sqrt(count)))
    factor = pixels.shape[1] // (columns * 29 - 1)
    grid = pixels[::factor, ::factor].astype("float32") / 255
    cells = [
        grid[29 * (index // columns) : 29 * (index // columns) + 28, 29 * (index % columns) :][
            :, :28
        ]
        for index in range(count)
    ]
    return np.stack(cells)[..., None]


def test_the_summary_records_how_often_each_digit_is_drawn_as_asked(conditional):
    summary = json.loads((conditional / "summary.json").read_text())
    scores = summary["quality"]
    assert summary["status"] == "completed" and summary["steps"] == STEPS
    assert len(scores["class_accuracy"]) == 10
    assert scores["accuracy"] > 0.8, scores
    assert scores["inception_score"] > 7, scores


def test_sample_draws_the_digit_asked_for_from_the_stored_generator(conditional, tmp_path):
    result = trainers(
        "sample",
        str(conditional),
        "--digit",
        "7",
        "--count",
        "16",
        "--out",
        str(tmp_path / "7.png"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "7.png")
    with Image.open(tmp_path / "7.png") as image:
        assert image.format == "PNG" and min(image.size) >= SIDE
    probabilities = quality.reference_classifier().predict(
        digits_in(tmp_path / "7.png", 16), verbose=0
    )
    assert np.sum(probabilities.argmax(axis=1) == 7) >= 13  # recognised as sevens


def test_the_same_seed_draws_the_same_images_and_another_seed_others(conditional, tmp_path):
    def draw(name: str, seed: str) -> bytes:
        out = tmp_path / name
        trainers("sample", str(conditional), "--digit", "2", "--seed", seed, "--out", str(out))
        return out.read_bytes()

    first = draw("a.png", "1")
    assert draw("b.png", "1") == first
    assert draw("c.png", "2") != first


@pytest.fixture(scope="module")
def unconditional(tmp_path_factory):
    """A gan-classroom generator as a run stores it, untrained."""
    data = load_dataset("mnist-5k", validation_split=0)
    path = tmp_path_factory.mktemp("unconditional") / "model.keras"
    architectures.build("gan-classroom", data).generator.save(path)
    return path


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--digit", "12"], "This generator draws classes 0 to 9. Received: --digit 12"),
        (["--count", "0"], "Draw at least one image. Received: --count 0"),
        (["--out", "seven.jpg"], "--out must name a .png file. Received: --out seven.jpg"),
    ],
)
def test_sample_refuses_what_it_cannot_draw_in_one_line(conditional, arguments, message):
    result = trainers("sample", str(conditional), "--out", "never.png", *arguments)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"python -m trainers sample: error: {message}"


def test_an_unconditional_generator_cannot_be_asked_for_a_digit(unconditional, tmp_path):
    refused = trainers(
        "sample", str(unconditional), "--digit", "7", "--out", str(tmp_path / "x.png")
    )
    assert refused.returncode == 2
    assert "trained without classes, so it cannot be asked for a digit" in refused.stderr
    assert "leave out --digit, or train --arch gan-conditional" in refused.stderr
    drawn = trainers("sample", str(unconditional), "--count", "4", "--out", str(tmp_path / "y.png"))
    assert drawn.returncode == 0, drawn.stderr
    assert (tmp_path / "y.png").exists()


def test_a_folder_without_a_generator_is_refused(tmp_path):
    result = trainers("sample", str(tmp_path), "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "No stored generator there: name a GAN run's --out folder" in result.stderr
    assert not (tmp_path / "x.png").exists()
