"""The styles are one algorithm written several ways: the same run ends with the same weights.

With the same seed, the same batches in the same order, the same batch size and optimizer,
`fit()`, an overridden `train_step`, the Trainer pattern, a `train_on_batch` loop and the
`GradientTape` loops from scratch must train the very same network, Dropout masks included.
This is what lets a learner compare the styles' code side by side, curve for curve.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from trainers import catalog, engine, styles
from trainers.control import RunControl
from trainers.events import RunLog

REFERENCE = "fit"
OTHERS = [name for name in catalog.classifier_styles() if name != REFERENCE]


def assert_same_weights(expected: list, actual: list) -> None:
    assert len(expected) == len(actual)
    for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
        assert np.allclose(want, got, atol=1e-5), (
            f"weight {index} differs by up to {np.max(np.abs(want - got)):.2e}"
        )


def test_the_mlp_has_dropout_so_its_random_masks_must_match_too(train):
    run, _ = train(style=REFERENCE)
    assert any(layer.__class__.__name__ == "Dropout" for layer in run.model.layers)


@pytest.mark.parametrize("style", OTHERS)
def test_every_style_ends_with_the_weights_of_fit(train, style):
    reference, reference_log = train(style=REFERENCE)
    run, log = train(style=style)

    assert log["info"]["initial_weights"] == reference_log["info"]["initial_weights"]
    assert_same_weights(reference.model.get_weights(), run.model.get_weights())
    # The same batches in the same order: the curves coincide, batch for batch.
    assert np.allclose(log["batches"]["loss"], reference_log["batches"]["loss"], atol=1e-5)
    assert np.allclose(log["epochs"][0]["val_loss"], reference_log["epochs"][0]["val_loss"])


def test_another_seed_ends_elsewhere(train):
    reference, _ = train(style=REFERENCE)
    other, _ = train(style=REFERENCE, seed=1)

    differs = [
        not np.allclose(a, b, atol=1e-5)
        for a, b in zip(reference.model.get_weights(), other.model.get_weights(), strict=True)
    ]
    assert all(differs)


def test_the_data_order_is_the_engines_own(train):
    fit_run, _ = train(style=REFERENCE)
    loop_run, _ = train(style="loop_function")

    np.testing.assert_array_equal(fit_run.order(0), loop_run.order(0))
    assert sorted(fit_run.order(0)) == list(range(fit_run.examples))
    assert not np.array_equal(fit_run.order(0), fit_run.order(1))  # reshuffled every epoch

    # fit() reads the dataset `train_dataset()` builds; a loop reads `batches()`.
    x_fit, y_fit = next(iter(fit_run.train_dataset()))
    x_loop, y_loop, weights = next(loop_run.batches(0))
    np.testing.assert_array_equal(x_fit.numpy(), x_loop)
    np.testing.assert_array_equal(y_fit.numpy(), y_loop)
    assert weights is None and len(x_loop) == fit_run.batch_size


@pytest.mark.parametrize("style", catalog.race_styles())
def test_every_style_trains_the_same_one_batch_at_a_time(train, style):
    """A race trains each contestant through its style's `Stepper`: the same training."""
    reference, reference_log = train(style=REFERENCE)
    config = dataclasses.replace(reference.config, style=style)
    log = RunLog("stepped", config.to_dict())
    run = engine.prepare(config, engine.load_data(config), log, RunControl())
    stepper = styles.stepper_for(style, run)
    for batch, (x, y, sample_weight) in enumerate(run.batches(0)):
        own, means = stepper.train_batch(x, y, sample_weight)
        assert run.report_batch(0, batch, own=own, means=means)
    run.report_epoch(0, stepper.end_epoch())

    assert_same_weights(reference.model.get_weights(), run.model.get_weights())
    assert np.allclose(log.batches["loss"], reference_log["batches"]["loss"], atol=1e-5)
    (epoch,) = log.epochs
    assert epoch == pytest.approx(reference_log["epochs"][0], rel=1e-4)
