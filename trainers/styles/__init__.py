"""The training styles of the Keras guides, one module each, every one a `train(run)` function.

Each module reads like the guide it comes from: the Code panel shows it to learners beside the
live curves of the run it trains.

A style that trains one network also offers `stepper(run)`: a `Stepper`, the same training
handed out one batch at a time, for a caller that owns the loop (an optimizer race trains its
contestants in lockstep). The styles built on `fit()` share `ModelStepper`, which steps their
compiled model; the loops from scratch hand over their own step functions as `Steps`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import NamedTuple, Protocol

from trainers.catalog import STYLES


class Stepper(Protocol):
    """A style's training, one batch at a time: the caller loops and reports."""

    def train_batch(self, x, y, sample_weight) -> tuple[dict | None, dict | None]:
        """Trains on one batch.

        Returns:
            `(own, means)` for `Run.report_batch`: the batch's own metric values and the
            epoch's running means, either of them None.
        """

    def end_epoch(self) -> dict:
        """Validates at the end of an epoch and readies the next.

        Returns:
            The epoch's training metrics and `val_` validation metrics, for
            `Run.report_epoch`.
        """


class Steps(NamedTuple):
    """A `Stepper` made of a style's own two functions."""

    train_batch: Callable[..., tuple[dict | None, dict | None]]
    end_epoch: Callable[[], dict]


class ModelStepper:
    """Steps a compiled model with its own `train_step`, through `train_on_batch`.

    Args:
        model: the style's compiled model (a `CustomModel`, a `Trainer`...).
        run: the `Run` it trains.
    """

    def __init__(self, model, run) -> None:
        self.model = model
        self.run = run
        self.metric_names: list[str] = []

    def train_batch(self, x, y, sample_weight) -> tuple[dict, None]:
        """Trains on one batch; `train_on_batch` resets the metrics first, so its logs are the
        batch's own values."""
        logs = self.model.train_on_batch(x, y, sample_weight=sample_weight, return_dict=True)
        self.metric_names = list(logs)
        return logs, None

    def end_epoch(self) -> dict:
        """The epoch's training means, and the model's `evaluate()` on the validation data."""
        run = self.run
        metrics = {name: run.recorder.mean(name) for name in self.metric_names}
        if run.validation_data():
            validation = self.model.evaluate(
                *run.validation_data(),
                batch_size=run.batch_size,
                verbose=0,
                return_dict=True,
                callbacks=[run.stops_evaluating()],
            )
            metrics |= {f"val_{name}": value for name, value in validation.items()}
        return metrics


def module_of(style: str) -> ModuleType:
    """The module of a training style, e.g. `trainers.styles.loop` for `loop_function`."""
    return importlib.import_module(f"trainers.styles.{STYLES[style].module}")


def trainer_for(style: str) -> Callable:
    """The function that trains a `Run` in this style."""
    module = module_of(style)
    return lambda run: module.train(run, **STYLES[style].options)


def stepper_for(style: str, run) -> Stepper:
    """The `Stepper` that trains `run` in this style (a style that trains one network)."""
    return module_of(style).stepper(run, **STYLES[style].options)


def source_of(style: str) -> str:
    """The source code of a style's module, as the Code panel shows it (read, not imported)."""
    return (Path(__file__).parent / f"{STYLES[style].module}.py").read_text()
