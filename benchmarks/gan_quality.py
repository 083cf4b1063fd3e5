"""How fast each GAN learns to draw digits: the Inception Score of its samples against time.

Trains each GAN architecture like `python -m trainers run --dataset mnist-5k --arch ARCH
--style gan_fit --minutes 10` (with a GAN's defaults, see `RunConfig`), through the same
`engine.execute` as the studio, and scores every sample grid as it arrives: 512 samples from
fixed noise, by the reference classifier (`trainers.quality`). For each architecture it
reports the time to a score of 6 and of 7, the score at 3 and at 10 minutes, the class
coverage and the diversity at 3 minutes, and for the conditional GAN how many samples are
recognised as the digit they were drawn for. Timings depend on the machine and on what else
runs on it; a score never reached has no value (`None`).

With `--quick` each run lasts 3 minutes, so the 10-minute figures are left out. One more
figure compares the `gan_loop` style's step compiled with `tf.function` (as it trains)
against the same step run eagerly.

    python -m benchmarks.gan_quality --arch gan-conditional --minutes 3
    python -m benchmarks --only gan_quality
"""

from __future__ import annotations

import argparse
import statistics
import time

from trainers import catalog, engine, quality
from trainers.cli.options import add_settings, given
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.events import RunLog

STUDIO = {"dataset": "mnist-5k", "architecture": "gan-conditional", "style": "gan_fit"}
TARGETS = (6.0, 7.0)
CHECKPOINTS = (3.0, 10.0)  # minutes after Start at which the score is read
TUNABLE = (
    "architecture",
    "style",
    "optimizer",
    "learning_rate",
    "discriminator_learning_rate",
    "batch_size",
    "discriminator_steps",
    "image_every",
    "seed",
)


def scores_against_time(config: RunConfig, echo: bool = True) -> tuple[list[dict], float]:
    """Trains `config`, printing the quality of each grid as it arrives.

    Returns:
        The grids, each `{"seconds", "step", "quality"}` with seconds since the run began,
        and the run's batches per second of training.
    """
    log = RunLog("benchmark", config.to_dict())
    grids: list[dict] = []
    started = time.perf_counter()

    def report(event) -> None:
        if event.kind != "image" or not event.data.get("quality"):
            return
        seconds = time.perf_counter() - started
        grid = {"seconds": seconds, "step": event.step, "quality": event.data["quality"]}
        grids.append(grid)
        if echo:
            print(f"{grid['seconds']:7.1f} s  step {event.step:5d}  {describe(grid)}", flush=True)

    log.subscribe(report)
    engine.execute(config, log, RunControl())
    if log.error:
        raise SystemExit(f"The run failed: {log.error}")
    return grids, len(log.batches["step"]) / log.batches["seconds"][-1]


def describe(grid: dict) -> str:
    """One grid's scores on one line."""
    scores = grid["quality"]
    text = (
        f"IS {scores['inception_score']:5.2f}  diversity {scores['diversity']:.2f}  "
        f"classes {min(shares(scores)):.0%}–{max(shares(scores)):.0%}"
    )
    if "accuracy" in scores:
        text += f"  drawn as asked {scores['accuracy']:.0%}"
    return text


def shares(scores: dict) -> list[float]:
    """Each class's share of the scored samples."""
    total = sum(scores["histogram"])
    return [count / total for count in scores["histogram"]]


def first_reaching(grids: list[dict], target: float) -> float | None:
    """The seconds at which the score first met `target`; None if it never did."""
    return next((g["seconds"] for g in grids if g["quality"]["inception_score"] >= target), None)


def at(grids: list[dict], minutes: float) -> dict | None:
    """The last grid drawn by `minutes` after the start; None if the run ended before."""
    drawn = [grid for grid in grids if grid["seconds"] <= minutes * 60]
    if not drawn or grids[-1]["seconds"] < minutes * 60 - 30:  # the run stopped well before
        return None
    return drawn[-1]


def seconds_per_batch(architecture: str, style: str, batch_size: int, steps: int = 12) -> float:
    """The median seconds per batch of a GAN, leaving out the first batches (tracing)."""
    config = RunConfig(
        architecture=architecture,
        style=style,
        batch_size=batch_size,
        max_steps=steps,
        image_every=10**6,
    )
    log = RunLog("timing", config.to_dict())
    engine.execute(config, log, RunControl())
    seconds = log.batches["seconds"]
    return statistics.median(b - a for a, b in zip(seconds[2:], seconds[3:]))


def studio_config(minutes: float, **settings) -> RunConfig:
    """The GAN studio's run, for `minutes` at the most, with `settings` changed."""
    settings = STUDIO | settings
    return RunConfig.for_architecture(
        settings.pop("architecture"), epochs=10**4, minutes=minutes, **settings
    )


def figure(name: str, value: float | None, unit: str, detail: str) -> dict:
    return {"name": name, "value": value, "unit": unit, "goal": None, "met": None, "detail": detail}


def architecture_figures(architecture: str, minutes: float) -> list[dict]:
    """The figures of one GAN architecture trained by gan_fit for `minutes`."""
    grids, speed = scores_against_time(studio_config(minutes, architecture=architecture))
    run = f"{architecture} by gan_fit on mnist-5k, {speed:.0f} batches/s"
    best = max(grids, key=lambda grid: grid["quality"]["inception_score"])
    found = [
        figure(
            f"{architecture}: time to Inception Score {target:g}",
            first_reaching(grids, target),
            "s",
            f"{run}; best {best['quality']['inception_score']:.2f} at {best['seconds']:.0f} s",
        )
        for target in TARGETS
    ]
    for checkpoint in (c for c in CHECKPOINTS if c <= minutes):
        grid = at(grids, checkpoint)
        score = grid and grid["quality"]["inception_score"]
        detail = f"{run}; {describe(grid)}" if grid else f"{run}; the run ended before"
        found.append(
            figure(f"{architecture}: Inception Score at {checkpoint:g} min", score, "", detail)
        )
    grid = at(grids, CHECKPOINTS[0])
    if grid:
        scores = grid["quality"]
        share = [f"{value:.0%}" for value in shares(scores)]
        found.append(
            figure(
                f"{architecture}: rarest class at {CHECKPOINTS[0]:g} min",
                100 * min(shares(scores)),
                "%",
                f"share of each digit 0–9 among 512 samples: {', '.join(share)}; "
                f"diversity {scores['diversity']:.2f} (real digits: 1)",
            )
        )
        if "accuracy" in scores:
            per_class = [f"{value:.0%}" for value in scores["class_accuracy"]]
            found.append(
                figure(
                    f"{architecture}: samples drawn as asked at {CHECKPOINTS[0]:g} min",
                    100 * scores["accuracy"],
                    "%",
                    f"recognised as the digit asked for, per digit 0–9: {', '.join(per_class)}",
                )
            )
    return found


def measure(quick: bool) -> list[dict]:
    """Each GAN's scores against time, and a GAN step eager against compiled."""
    import tensorflow as tf

    quality.reference_classifier()  # trained once and cached, outside the timed runs
    minutes = CHECKPOINTS[0] if quick else CHECKPOINTS[-1]
    found = []
    for architecture in catalog.gan_architectures():
        print(f"{architecture}, {minutes:g} minutes:", flush=True)
        found += architecture_figures(architecture, minutes)
    compiled = seconds_per_batch("gan-classroom", "gan_loop", 32)
    tf.config.run_functions_eagerly(True)
    try:
        eager = seconds_per_batch("gan-classroom", "gan_loop", 32)
    finally:
        tf.config.run_functions_eagerly(False)
    found.append(
        figure(
            "GAN step, eager against tf.function",
            eager / compiled,
            "×",
            f"gan-classroom by gan_loop, batches of 32: {eager * 1e3:.0f} ms eager, "
            f"{compiled * 1e3:.0f} ms compiled, medians per batch",
        )
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0]
        + " Without options it trains the GAN studio's run: gan-conditional by gan_fit on "
        "mnist-5k, with a GAN's defaults."
    )
    add_settings(parser, RunConfig, TUNABLE)
    parser.add_argument("--minutes", type=float, default=3.0)
    arguments = parser.parse_args()

    quality.reference_classifier()  # trained once and cached, outside the timed run
    settings = given(arguments, RunConfig)  # `minutes` is a setting too: studio_config's own
    config = studio_config(settings.pop("minutes"), **settings)
    print(
        f"{config.architecture} / {config.style} / {config.optimizer} "
        f"(G {config.learning_rate:g}, D {config.discriminator_learning_rate:g}), "
        f"batch {config.batch_size}, {arguments.minutes:g} minutes",
        flush=True,
    )
    grids, speed = scores_against_time(config)
    for target in TARGETS:
        reached = first_reaching(grids, target)
        print(f"IS {target:g}: " + (f"reached at {reached:.0f} s" if reached else "not reached"))
    print(f"{speed:.1f} batches/s")


if __name__ == "__main__":
    main()
