"""The style lab: one configuration trained in several styles, to see which styles are the same.

The guides teach many ways to write one training loop: `fit()`, an overridden `train_step`, a
Trainer, `train_on_batch`, a `GradientTape` loop, eager or compiled. The lab trains the same
run in each chosen style, one after another on the worker thread. With the same seed every run
starts from the same initial weights and sees the same batches in the same order, so any
difference in the trained weights comes from the style itself. After training it reports, for
each style, the largest absolute difference between its weights and those `fit()` trained, its
milliseconds per step, and how much faster `tf.function` makes the loop than eager execution.

This module loads TensorFlow only inside `execute()`, on the worker thread.
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from dataclasses import dataclass, field

import numpy as np

from trainers import catalog, datasets
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.events import COMPLETED, STOPPED
from trainers.race import RaceLog, ms_per_step

logger = logging.getLogger(__name__)

REFERENCE = "fit"  # every style's trained weights are compared with this one's
STYLES = [name for name, info in catalog.STYLES.items() if not info.gan]
EQUAL_WITHIN = 1e-5  # weights this close are the same up to float rounding
WARMUP_STEPS = 5  # first steps left out of the time per step: they trace the graphs


@dataclass
class StyleLabConfig:
    """What the lab trains: one run configuration, in each of the chosen styles.

    Attributes:
        run: the configuration every style trains; its own `style` is not used.
        styles: the styles to train; `fit`, the reference, always runs first.
    """

    run: RunConfig = field(default_factory=lambda: RunConfig(epochs=1))
    styles: list[str] = field(default_factory=lambda: list(STYLES))

    @property
    def style(self) -> str:
        """The reference style: what a view of a single run shows for the lab."""
        return REFERENCE

    @property
    def order(self) -> list[str]:
        """The styles in the order they train: the reference first, each once."""
        return list(dict.fromkeys([REFERENCE, *self.styles]))

    def run_config(self, style: str) -> RunConfig:
        """The configuration of the run in one style."""
        return dataclasses.replace(self.run, style=style)

    def check(self) -> None:
        """Raises `ConfigError` if the lab cannot work, saying what would."""
        unknown = [style for style in self.styles if style not in STYLES]
        if unknown:
            raise ConfigError(
                f"The style lab compares the styles that train one network: "
                f"{catalog.choices(STYLES)}. Received: styles={unknown!r}"
            )
        for style in self.order:
            self.run_config(style).check()

    def to_dict(self) -> dict:
        """The configuration as plain JSON-ready data."""
        return self.run.to_dict() | {"style": REFERENCE, "styles": self.order}


def new_log(lab_id: str, config: StyleLabConfig) -> RaceLog:
    """The log of a style lab: one `RunLog` per style."""
    runs = {style: config.run_config(style) for style in config.order}
    return RaceLog.create(lab_id, config.to_dict(), runs)


def submit(worker, config: StyleLabConfig):
    """Queues the lab on a `trainers.worker.Worker`; returns its `Job` (`job.log` a `RaceLog`).

    Raises:
        ConfigError: when the lab cannot work (nothing is queued then).
    """
    return worker.submit_job(config, lambda lab_id: new_log(lab_id, config), execute, "lab")


def execute(config: StyleLabConfig, log: RaceLog, control: RunControl) -> None:
    """Trains each style with `engine.execute` on this thread, then compares the weights.

    The lab's `end` event carries `result`: `max_abs_difference` (style -> the largest
    absolute difference between its trained weights and the reference's) and
    `same_initial_weights` (whether every run started from the same weights). Never raises.
    """
    try:
        config.check()
        from trainers import engine  # TensorFlow loads here, on the worker thread

        log.emit("start", 0, {"styles": config.order})
        trained = {}
        for style, run_log in log.contestants.items():
            if control.stop_requested:
                run_log.emit("end", 0, {"status": STOPPED})
                continue
            run = engine.execute(config.run_config(style), run_log, control)
            if run_log.status == COMPLETED:  # a stopped run's weights compare with nothing
                trained[style] = run.model.get_weights()
        starts = {run.info.get("initial_weights") for run in log.contestants.values() if run.info}
        result = {
            "max_abs_difference": {
                style: max_abs_difference(weights, trained[REFERENCE])
                for style, weights in trained.items()
                if REFERENCE in trained
            },
            "same_initial_weights": len(starts) == 1,
        }
        status = STOPPED if control.stop_requested else COMPLETED
        log.emit("end", 0, {"status": status, "result": result})
    except (ConfigError, datasets.DatasetError) as error:
        log.fail(str(error))
    except Exception as error:
        logger.error("Style lab %s failed:\n%s", log.run_id, traceback.format_exc())
        log.fail(f"{type(error).__name__}: {error}")


def max_abs_difference(weights: list[np.ndarray], reference: list[np.ndarray]) -> float:
    """The largest absolute difference between two lists of weight arrays, element by element."""
    return max(
        float(np.max(np.abs(np.asarray(a, "float64") - b), initial=0.0))
        for a, b in zip(weights, reference, strict=True)
    )


def table(snapshot: dict) -> list[dict]:
    """One row per style: `style`, `status`, `steps`, `final loss` (the last epoch's),
    `max |Δw| vs fit` (None until the lab ends), `same as fit` (within `EQUAL_WITHIN`) and
    `ms per step` (the median after `WARMUP_STEPS` tracing steps).

    Args:
        snapshot: the lab's `RaceLog.snapshot()`.
    """
    differences = snapshot["result"].get("max_abs_difference", {})
    rows = []
    for style, run in snapshot["contestants"].items():
        difference = differences.get(style)
        rows.append(
            {
                "style": style,
                "status": run["status"],
                "steps": len(run["batches"].get("step", ())),
                "final loss": run["epochs"][-1].get("loss") if run["epochs"] else None,
                f"max |Δw| vs {REFERENCE}": difference,
                f"same as {REFERENCE}": None if difference is None else difference <= EQUAL_WITHIN,
                "ms per step": ms_per_step(run["batches"], WARMUP_STEPS),
            }
        )
    return rows


def speedup(snapshot: dict) -> float | None:
    """How many times faster a step of `loop_function` is than one of `loop_eager`.

    The first `WARMUP_STEPS` steps, where `tf.function` traces its graph, are left out; None
    until both have trained past them.
    """
    times = {}
    for style in ("loop_eager", "loop_function"):
        batches = snapshot["contestants"].get(style, {}).get("batches", {})
        if len(batches.get("step", ())) <= WARMUP_STEPS:
            return None
        times[style] = ms_per_step(batches, WARMUP_STEPS)
    return times["loop_eager"] / times["loop_function"] if times["loop_function"] else None
