"""Every training style trains real networks on real data and streams the same events.

A learner switches styles to compare them, so each must fill the same charts: one row per
batch with the batch's own loss and the epoch's running mean, the learning rate, the speed and
the time; an epoch event with validation metrics; previews or sample grids; and an end with
test metrics. Runs are tiny (see `conftest.SMALL_RUN`) and shared with the equivalence proof.
"""

from __future__ import annotations

import numpy as np
import pytest

from trainers import catalog, engine
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.datasets import load_dataset
from trainers.events import BATCH_FIELDS, COMPLETED, FAILED, RunLog

CLASSIFIER_STYLES = [name for name, info in catalog.STYLES.items() if not info.gan]
GAN_STYLES = [name for name, info in catalog.STYLES.items() if info.gan]
GAN_ARCHITECTURES = [name for name, info in catalog.ARCHITECTURES.items() if info.is_gan]


def own_and_means(*metrics: str) -> set[str]:
    return {*BATCH_FIELDS, *metrics, *("mean_" + name for name in metrics)}


@pytest.mark.parametrize("style", CLASSIFIER_STYLES)
def test_every_classifier_style_streams_the_same_events(train, style):
    run, snapshot = train(style=style)

    assert snapshot["status"] == COMPLETED and snapshot["error"] is None
    info = snapshot["info"]
    assert "Dense" in info["summary"] and info["parameters"] == run.model.count_params()
    assert info["steps_per_epoch"] == 8 and info["examples"]["train"] == 512

    rows = snapshot["batches"]
    assert set(rows) == own_and_means("loss", "accuracy")
    assert rows["step"] == list(range(8)) and rows["batch"] == list(range(8))
    assert rows["epoch"] == [1] * 8 and sum(rows["size"]) == 512
    assert rows["lr"] == pytest.approx([0.001] * 8)
    assert min(rows["examples_per_second"]) > 0
    assert np.all(np.diff(rows["seconds"]) > 0)
    # Each batch's own loss, averaged over the examples, is the epoch's running mean.
    sizes = np.array(rows["size"])
    assert np.sum(np.array(rows["loss"]) * sizes) / 512 == pytest.approx(
        rows["mean_loss"][-1], rel=1e-4
    )
    assert all(0 <= value <= 1 for value in rows["accuracy"] + rows["mean_accuracy"])

    (epoch,) = snapshot["epochs"]
    assert set(epoch) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert epoch["loss"] == pytest.approx(rows["mean_loss"][-1], rel=1e-4)
    assert epoch["accuracy"] == pytest.approx(rows["mean_accuracy"][-1], rel=1e-4)

    (preview,) = snapshot["images"]
    assert preview["step"] == 8 and preview["pixels"].dtype == np.uint8
    assert preview["pixels"].shape == (3 * 29 - 1, 3 * 29 - 1)  # 8 digits, 3 by 3
    assert [label["true"] for label in preview["labels"]] == run.data.y_val[:8].tolist()

    test = snapshot["result"]["test"]
    assert snapshot["result"]["split"] == "validation"
    assert 0 <= test["accuracy"] <= 1 and np.isfinite(test["loss"])
    assert test["loss"] == pytest.approx(epoch["val_loss"], rel=1e-3)
    assert np.sum(snapshot["result"]["confusion"]) == len(run.data.x_val)


def test_regression_streams_the_mean_absolute_error(train):
    _, snapshot = train(dataset="regression", architecture="linear", max_examples=256)

    assert snapshot["status"] == COMPLETED
    assert set(snapshot["batches"]) == own_and_means("loss", "mae")
    assert {"val_loss", "val_mae"} <= set(snapshot["epochs"][0])
    assert snapshot["images"] == []  # numbers, not pictures: nothing to preview
    result = snapshot["result"]
    assert set(result["test"]) == {"loss", "mae"}
    assert len(result["regression"]["true"]) == len(result["regression"]["predicted"]) > 0


def test_a_layer_that_calls_add_loss_adds_to_the_loss(train):
    _, plain = train(architecture="mlp-logits", max_examples=256)
    _, regularized = train(architecture="mlp-activity-reg", max_examples=256)

    # Both nets start from the same weights; only the activity penalty tells them apart.
    assert plain["info"]["initial_weights"] == regularized["info"]["initial_weights"]
    first_plain, first_regularized = plain["batches"]["loss"][0], regularized["batches"]["loss"][0]
    assert first_regularized > first_plain + 0.1
    assert regularized["epochs"][0]["loss"] > plain["epochs"][0]["loss"]


def test_a_convnet_learns_the_small_digits(train):
    _, snapshot = train(dataset="digits", architecture="cnn", max_examples=256)

    assert snapshot["status"] == COMPLETED
    assert "Conv2D" in snapshot["info"]["summary"]
    assert snapshot["images"][0]["pixels"].shape == (3 * 9 - 1, 3 * 9 - 1)  # 8x8 digits
    assert len(snapshot["batches"]["step"]) == 4


@pytest.mark.parametrize("architecture", GAN_ARCHITECTURES)
@pytest.mark.parametrize("style", GAN_STYLES)
def test_gans_stream_both_losses_and_a_sample_grid_every_few_steps(train, style, architecture):
    _, snapshot = train(
        dataset="digits",
        architecture=architecture,
        style=style,
        batch_size=16,
        max_examples=0,
        max_steps=4,
        image_every=2,
    )

    assert snapshot["status"] == COMPLETED and snapshot["error"] is None
    rows = snapshot["batches"]
    assert set(rows) == own_and_means("d_loss", "g_loss", "d_real", "d_fake")
    assert rows["step"] == [0, 1, 2, 3] and rows["size"] == [16] * 4
    assert all(np.isfinite(rows["d_loss"] + rows["g_loss"]))
    assert all(0 <= value <= 1 for value in rows["d_real"] + rows["d_fake"])
    grids = snapshot["images"]
    assert {grid["step"] for grid in grids} == {2, 4}
    # 16 samples of 8x8, 4 by 4 with 1-pixel gaps; a conditional GAN's, 8 of each digit a row.
    conditional = catalog.ARCHITECTURES[architecture].conditional
    rows, columns = (10, 8) if conditional else (4, 4)
    for grid in grids:
        assert grid["pixels"].shape == (rows * 9 - 1, columns * 9 - 1)
        assert grid["pixels"].dtype == np.uint8
        assert grid.get("classes") == (list(range(10)) if conditional else None)


def test_train_on_batch_halves_the_learning_rate_at_the_chosen_epoch(train):
    _, snapshot = train(style="train_on_batch", epochs=2, halve_lr_epoch=2, max_examples=256)

    rows = snapshot["batches"]
    assert rows["epoch"] == [1] * 4 + [2] * 4
    assert rows["lr"] == pytest.approx([0.001] * 4 + [0.0005] * 4)
    (mark,) = snapshot["marks"]
    assert (mark["kind"], mark["step"]) == ("learning_rate", 4)
    assert mark["value"] == pytest.approx(0.0005)


@pytest.fixture(scope="module")
def weighted_npz(tmp_path_factory) -> str:
    """Mostly zeros and a few other digits, with a `sample_weight` that counts the 1s triple."""
    digits = load_dataset("mnist-5k", validation_split=0)
    keep = np.concatenate(
        [np.flatnonzero(digits.y_train == 0)[:160]]
        + [np.flatnonzero(digits.y_train == label)[:10] for label in range(1, 10)]
    )
    rng = np.random.default_rng(0)
    keep = rng.permutation(keep)
    labels = digits.y_train[keep]
    path = tmp_path_factory.mktemp("npz") / "zeros.npz"
    np.savez(
        path,
        x_train=np.round(digits.x_train[keep, ..., 0] * 255).astype("uint8"),
        y_train=labels,
        sample_weight=np.where(labels == 1, 3.0, 1.0).astype("float32"),
    )
    return str(path)


def test_class_and_sample_weights_change_what_the_loss_counts(train, weighted_npz):
    unweighted = train(dataset=weighted_npz)[1]["batches"]["loss"]
    balanced = train(dataset=weighted_npz, class_weight="balanced")[1]["batches"]["loss"]
    per_example = train(dataset=weighted_npz, use_sample_weight=True)[1]["batches"]["loss"]

    # The same start and the same batches: only the weights differ, so the loss does too.
    for weighted in (balanced, per_example):
        assert len(weighted) == len(unweighted)
        assert abs(weighted[0] - unweighted[0]) > 1e-3 * unweighted[0]
    # The rare digits weigh more, so the balanced loss reacts once the net predicts zeros.
    assert not np.allclose(balanced, unweighted, rtol=1e-2)


def test_balanced_weights_keep_the_loss_on_its_scale_when_a_few_classes_are_kept(train):
    plain = train(classes=[0, 1, 2], max_examples=256)[1]["batches"]["loss"][0]
    balanced = train(classes=[0, 1, 2], max_examples=256, class_weight="balanced")[1]
    first = balanced["batches"]["loss"][0]

    assert balanced["status"] == COMPLETED
    assert first != pytest.approx(plain, rel=1e-4)
    assert first == pytest.approx(plain, rel=0.25)


REFUSED = [
    (
        {"architecture": "mlp", "style": "gan_fit"},
        ["'gan_fit' style cannot train 'mlp'", *map(repr, CLASSIFIER_STYLES)],
    ),
    (
        {"architecture": "dcgan", "style": "fit"},
        ["'fit' style cannot train 'dcgan'", "'gan_fit' or 'gan_loop'"],
    ),
    (
        {"dataset": "regression", "architecture": "cnn"},
        ["'cnn' cannot model 'regression'", "Architectures that can: 'linear'"],
    ),
    (
        {"dataset": "mnist-5k", "architecture": "text-conv1d"},
        ["'text-conv1d' cannot model 'mnist-5k'", "'mlp'", "'cnn'", "'dcgan'"],
    ),
    (
        {"style": "fit", "halve_lr_epoch": 1},
        ["belongs to the 'train_on_batch' style", "Received: style='fit', halve_lr_epoch=1"],
    ),
    (
        {"architecture": "dcgan", "style": "gan_loop", "class_weight": "balanced"},
        ["GANs learn without labels", "leave them off"],
    ),
    (
        {"dataset": "mnist-5k", "use_sample_weight": True},
        ["'mnist-5k' has none", "Use class_weight instead"],
    ),
    ({"optimizer": "adamax"}, ["Unknown optimizer", "'adam'", "Received: optimizer='adamax'"]),
]


@pytest.mark.parametrize(("settings", "fragments"), REFUSED)
def test_refused_combinations_say_what_works(settings, fragments):
    config = RunConfig(**settings)
    with pytest.raises(ConfigError) as refusal:
        config.check()
    for fragment in fragments:
        assert fragment in str(refusal.value)

    # The engine ends such a run at once, failed, with the same explanation.
    log = RunLog("refused", config.to_dict())
    assert engine.execute(config, log, RunControl()) is None
    assert log.status == FAILED and log.error == str(refusal.value) and log.steps == 0
