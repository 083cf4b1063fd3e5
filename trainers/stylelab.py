"""The style lab: one configuration trained in several styles, to see which styles are the same.

The guides teach many ways to write one training loop: `fit()`, an overridden `train_step`, a
Trainer, `train_on_batch`, a `GradientTape` loop, eager or compiled, and the same on several
devices or processes (`fit_mirrored`, `loop_multiworker` in one process). The lab trains the same
run in each chosen style, one after another on the worker thread. With the same seed every run
starts from the same initial weights and sees the same batches in the same order, so any
difference in the trained weights comes from the style itself. After training it reports, for
each style, the largest absolute difference between its weights and those `fit()` trained, its
milliseconds per step, and how much faster `tf.function` makes the loop than eager execution
(`trainers.summaries.lab_table` and `speedup`).

This module loads TensorFlow only inside `execute()`, on the worker thread.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from trainers import catalog, group
from trainers.access import OPEN, Actor
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.engine import guarded
from trainers.events import COMPLETED, STOPPED
from trainers.group import GroupLog, GroupRunConfig

REFERENCE = "fit"  # every style's trained weights are compared with this one's
MIRRORED_REPLICAS = 2


@dataclass
class StyleLabConfig:
    """What the lab trains: one run configuration, in each of the chosen styles.

    Attributes:
        run: the configuration every style trains; its own `style` is not used.
        styles: the styles to train; `fit`, the reference, always runs first.
    """

    kind: ClassVar[str] = "lab"

    run: RunConfig = field(default_factory=GroupRunConfig)
    styles: list[str] = field(default_factory=catalog.classifier_styles)

    @property
    def style(self) -> str:
        """The reference style: what a view of a single run shows for the lab."""
        return REFERENCE

    @property
    def order(self) -> list[str]:
        """The styles in the order they train: the reference first, each once."""
        return list(dict.fromkeys([REFERENCE, *self.styles]))

    def run_config(self, style: str) -> RunConfig:
        """The configuration of the run in one style.

        `fit_mirrored` splits each of the run's batches between `MIRRORED_REPLICAS` replicas
        (one when the batch size does not divide): it trains on the same global batches as
        `fit`, so their weights agree within float tolerance.
        """
        config = dataclasses.replace(self.run, style=style)
        if style == "fit_mirrored" and config.batch_size % MIRRORED_REPLICAS == 0:
            batch_size = config.batch_size // MIRRORED_REPLICAS
            config = dataclasses.replace(config, replicas=MIRRORED_REPLICAS, batch_size=batch_size)
        return config

    def runs(self) -> dict[str, RunConfig]:
        """Each style's run configuration, under the style's name, in the order they train."""
        return {style: self.run_config(style) for style in self.order}

    def check(self) -> None:
        """Raises `ConfigError` if the lab cannot work, saying what would."""
        comparable = catalog.classifier_styles()
        unknown = [style for style in self.styles if style not in comparable]
        if unknown:
            raise ConfigError(
                f"The style lab compares the styles that train one network: "
                f"{catalog.choices(comparable)}. Received: styles={unknown!r}"
            )
        for run in self.runs().values():
            run.check()

    def to_dict(self) -> dict:
        """The configuration as plain JSON-ready data."""
        return self.run.to_dict() | {"style": REFERENCE, "styles": self.order}


def submit(worker, config: StyleLabConfig, by: Actor = OPEN, session: str | None = None):
    """Queues the lab on a `trainers.worker.Worker`; returns its `Job` (`job.log` a `GroupLog`).

    Raises:
        ConfigError: when the lab cannot work (nothing is queued then).
    """
    return group.submit(worker, config, execute, by, session)


@guarded
def execute(config: StyleLabConfig, log: GroupLog, control: RunControl) -> None:
    """Trains each style with `engine.execute` on this thread, then compares the weights.

    The lab's `end` event carries `result`: `max_abs_difference` (style -> the largest
    absolute difference between its trained weights and the reference's) and
    `same_initial_weights` (whether every run started from the same weights).

    A style that breaks fails alone, as a single run does (`engine.execute` never raises):
    its log says `failed`, with the error and the traceback, and the lab goes on with the next
    style. Its weights compare with nothing; when the reference failed, nothing compares. The
    lab then ends `completed` (or `stopped`), its `error` naming each style that failed; a lab
    whose every style failed has failed (see `GroupLog.end`). Never raises (see
    `engine.guarded`).
    """
    from trainers import engine  # TensorFlow loads here, on the worker thread

    log.emit("start", 0, {"styles": config.order})
    trained = {}
    for style, run_log in log.runs.items():
        if control.stop_requested:
            run_log.emit("end", 0, {"status": STOPPED})
            continue
        run = engine.execute(config.run_config(style), run_log, control)
        if run_log.status == COMPLETED:  # a stopped run's weights compare with nothing
            trained[style] = run.model.get_weights()
    starts = {run.info.get("initial_weights") for run in log.runs.values() if run.info}
    result = {
        "max_abs_difference": {
            style: max_abs_difference(weights, trained[REFERENCE])
            for style, weights in trained.items()
            if REFERENCE in trained
        },
        "same_initial_weights": len(starts) == 1,
    }
    status = STOPPED if control.stop_requested else COMPLETED
    log.end(status, result=result)


def max_abs_difference(weights: list[np.ndarray], reference: list[np.ndarray]) -> float:
    """The largest absolute difference between two lists of weight arrays, element by element."""
    return max(
        float(np.max(np.abs(np.asarray(a, "float64") - b), initial=0.0))
        for a, b in zip(weights, reference, strict=True)
    )
