"""Steering a GAN from another thread: single steps of one network, learning rates, D steps.

Each test drives a real `Worker`, as the GAN studio does. While a run is paused, its worker
waits between two batches and applies requests there. Every single step emits a sample grid
with the discriminator's verdict on fixed real images, so the two networks can be watched
apart: a generator that did not train draws the very same grid, and a discriminator that did
not train gives the very same verdict.
"""

from __future__ import annotations

import numpy as np
import pytest

from trainers import catalog
from trainers.config import RunConfig
from trainers.events import COMPLETED, STOPPED, RunLog

GAN_STYLES = [name for name, info in catalog.STYLES.items() if info.gan]


def gan_config(style: str, **settings) -> RunConfig:
    # The 8x8 digits: a GAN small enough to train in a blink.
    values = {
        "dataset": "digits",
        "architecture": "gan-classroom",
        "style": style,
        "batch_size": 32,
        "epochs": 50,
        "latent_dim": 16,
        "validation_split": 0.0,
    }
    return RunConfig(**values | settings)


def marks_of(log: RunLog, kind: str) -> list[dict]:
    return [mark for mark in log.snapshot()["marks"] if mark["kind"] == kind]


@pytest.mark.parametrize("style", GAN_STYLES)
def test_both_styles_draw_their_grids_from_one_fixed_noise(train, style):
    run, snapshot = train(**gan_config(style, max_steps=6, image_every=3).to_dict())
    assert snapshot["status"] == COMPLETED, snapshot["error"]
    grids = snapshot["images"]
    assert [grid["step"] for grid in grids] == [3, 6]
    assert not np.array_equal(grids[0]["pixels"], grids[1]["pixels"])  # the samples changed
    # The interpolation starts and ends on the final grid's first two samples.
    strip, final = snapshot["result"]["interpolation"], grids[1]["pixels"]
    np.testing.assert_array_equal(strip[:, :8], final[:8, :8])
    np.testing.assert_array_equal(strip[:, -8:], final[:8, 9:17])


@pytest.mark.parametrize("architecture", ["gan-classroom", "gan-conditional"])
@pytest.mark.parametrize("style", GAN_STYLES)
def test_single_steps_train_only_the_chosen_network(worker, wait_until, style, architecture):
    job = worker.submit(gan_config(style, architecture=architecture, image_every=10**6))
    control, log = job.control, job.log
    control.pause()  # takes effect after the first batch
    wait_until(lambda: marks_of(log, "pause"), "the run to pause")

    def step(network: str) -> dict:
        count = len(marks_of(log, "step"))
        control.request("step", network)
        wait_until(lambda: len(marks_of(log, "step")) > count, f"a {network} step")
        return log.snapshot()["images"][-1]

    # Large learning rates, so that one step visibly moves either network.
    control.request("learning_rate", 0.01)
    control.request("discriminator_learning_rate", 0.01)
    control.request("discriminator_steps", 2)
    before = step("both")
    after_discriminator = step("discriminator")
    after_generator = step("generator")
    control.resume()
    wait_until(lambda: log.steps >= 3, "two more batches after resuming")
    control.stop()
    wait_until(lambda: log.finished, "the run to stop")

    snapshot = log.snapshot()
    assert snapshot["status"] == STOPPED, snapshot["error"]
    # A discriminator step leaves the generator's samples as they were, not its verdict.
    np.testing.assert_array_equal(after_discriminator["pixels"], before["pixels"])
    assert after_discriminator["verdict"]["real"] != before["verdict"]["real"]
    # A generator step changes the samples, and leaves the discriminator as it was.
    assert not np.array_equal(after_generator["pixels"], after_discriminator["pixels"])
    assert after_generator["verdict"]["real"] == after_discriminator["verdict"]["real"]
    # Every control is marked on the charts, with the value it took.
    kinds = [(mark["kind"], mark["value"]) for mark in snapshot["marks"]]
    assert kinds[:8] == [
        ("pause", None),
        ("learning_rate", 0.01),
        ("discriminator_learning_rate", 0.01),
        ("discriminator_steps", 2),
        ("step", "both"),
        ("step", "discriminator"),
        ("step", "generator"),
        ("resume", None),
    ]
    # The generator's new learning rate shows on the batches after the pause.
    assert snapshot["batches"]["lr"][0] == pytest.approx(0.001)
    assert snapshot["batches"]["lr"][-1] == pytest.approx(0.01)


@pytest.mark.parametrize("style", GAN_STYLES)
def test_draw_asks_a_conditional_gan_for_digits_while_it_trains(worker, wait_until, style):
    job = worker.submit(gan_config(style, architecture="gan-conditional", image_every=4))
    control, log = job.control, job.log
    wait_until(lambda: log.snapshot()["images"], "the first grid")
    control.request("draw", [7, 3])
    wait_until(lambda: marks_of(log, "draw"), "the draw to take effect")
    control.request("draw", [12])  # as a script might: no such digit
    wait_until(lambda: len(marks_of(log, "draw")) == 2, "the second draw")
    drawn_at = marks_of(log, "draw")[0]["step"]
    wait_until(lambda: log.steps > drawn_at + 8, "training to go on after the draws")
    control.stop()
    wait_until(lambda: log.finished, "the run to stop")

    snapshot = log.snapshot()
    grids = snapshot["images"]
    assert grids[0]["classes"] == list(range(10))  # one row per digit until asked
    asked = [7] * 5 + [3] * 5  # each digit a band of rows, in the order asked
    # The draw's grid comes at once, at the step it was asked, and the grids after keep it.
    assert [grid["classes"] for grid in grids if grid["step"] >= drawn_at] == [asked] * len(
        [grid for grid in grids if grid["step"] >= drawn_at]
    )
    assert any(grid["step"] == drawn_at for grid in grids)
    assert len([grid for grid in grids if grid["step"] > drawn_at]) >= 2  # it trained on
    first, second = (mark["value"] for mark in marks_of(log, "draw"))
    assert first == [7, 3]
    assert second == "ignored: Draw one or more classes from 0 to 9. Received: [12]"
    assert not marks_of(log, "pause")  # drawing never paused the run
