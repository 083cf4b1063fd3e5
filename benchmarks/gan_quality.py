"""How fast a GAN learns to draw digits: the Inception Score of its samples against time.

Trains like `python -m trainers run --dataset mnist-5k --arch gan-classroom --style gan_fit
--minutes 3` (the GAN studio's defaults: a GAN's own, see `RunConfig`), through the same
`engine.execute`, and prints each sample grid's score as it arrives, then the time the score
first reached the target. For reference it also times the guides' `dcgan` per batch of 64.
Timings depend on the machine and on what else runs on it.

With the other benchmarks (`measure`), the studio's run lasts at most 4 minutes, 2 with
`--quick` (the score may then not reach 6 yet), and one more figure compares the `gan_loop`
style's step compiled with `tf.function` (as it trains) against the same step run eagerly.
A figure whose run ends before the score reaches 6 has no value (`None`).

    python -m benchmarks.gan_quality --minutes 3
    python -m benchmarks.gan_quality --arch dcgan --minutes 3 --skip-dcgan-timing
    python -m benchmarks --only gan_quality
"""

from __future__ import annotations

import argparse
import statistics
import time

from trainers import engine, quality
from trainers.cli.options import add_settings, given
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.events import RunLog


def score_against_time(
    config: RunConfig, target: float, print_every: int = 1
) -> tuple[float | None, dict, float]:
    """Trains `config`, printing the quality of each grid (or of every `print_every`-th) as it
    arrives.

    Returns:
        The seconds since the start of the run when the score first met `target` (None if it
        never did), the best grid's `{"seconds", "step", "inception_score"}`, and the run's
        batches per second of training.
    """
    log = RunLog("benchmark", config.to_dict())
    reached: list[float] = []
    grids = 0
    best = {"seconds": 0.0, "step": 0, "inception_score": 0.0}
    started = time.perf_counter()

    def report(event) -> None:
        nonlocal grids
        if event.kind != "image" or not event.data.get("quality"):
            return
        seconds = time.perf_counter() - started
        score = event.data["quality"]["inception_score"]
        if score >= target and not reached:
            reached.append(seconds)
        if score > best["inception_score"]:
            best.update(seconds=seconds, step=event.step, inception_score=score)
        grids += 1
        if (grids - 1) % print_every:
            return
        print(
            f"{seconds:7.1f} s  step {event.step:5d}  IS {score:5.2f}  "
            f"confidence {event.data['quality']['confidence']:.2f}  "
            f"classes {event.data['quality']['histogram']}",
            flush=True,
        )

    log.subscribe(report)
    engine.execute(config, log, RunControl())
    if log.error:
        raise SystemExit(f"The run failed: {log.error}")
    steps_per_second = len(log.batches["step"]) / log.batches["seconds"][-1]
    return (reached[0] if reached else None), best, steps_per_second


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


STUDIO = {"dataset": "mnist-5k", "architecture": "gan-classroom", "style": "gan_fit"}
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


def studio_config(minutes: float, **settings) -> RunConfig:
    """The GAN studio's run, for `minutes` at the most, with `settings` changed."""
    settings = STUDIO | settings
    return RunConfig.for_architecture(
        settings.pop("architecture"), epochs=10**4, minutes=minutes, **settings
    )


def measure(quick: bool) -> list[dict]:
    """The studio's time to an Inception Score of 6, its speed, and eager against compiled."""
    import tensorflow as tf

    minutes, target = (2.0, 6.0) if quick else (4.0, 6.0)
    quality.reference_classifier()  # trained once and cached, outside the timed run
    reached, best, speed = score_against_time(studio_config(minutes), target, print_every=10)
    compiled = seconds_per_batch("gan-classroom", "gan_loop", 32)
    tf.config.run_functions_eagerly(True)
    try:
        eager = seconds_per_batch("gan-classroom", "gan_loop", 32)
    finally:
        tf.config.run_functions_eagerly(False)
    dcgan = seconds_per_batch("dcgan", "gan_fit", 64)
    studio = "gan-classroom by gan_fit on mnist-5k, the GAN studio's defaults"
    cap = f"run capped at {minutes:g} minutes{' (--quick)' * quick}"
    best_score = f"best IS {best['inception_score']:.2f} at {best['seconds']:.0f} s"
    return [
        {
            "name": f"GAN studio: time to Inception Score {target:g}",
            "value": reached,
            "unit": "s",
            "goal": None,
            "met": None,
            "detail": f"{studio}; {cap}; "
            + (best_score if reached is not None else f"not reached: {best_score}"),
        },
        {
            "name": "GAN studio: training speed",
            "value": speed,
            "unit": "batches/s",
            "goal": None,
            "met": None,
            "detail": f"{studio}, batches of 32",
        },
        {
            "name": "GAN step, eager against tf.function",
            "value": eager / compiled,
            "unit": "×",
            "goal": None,
            "met": None,
            "detail": f"gan_loop, batches of 32: {eager * 1e3:.0f} ms eager, "
            f"{compiled * 1e3:.0f} ms compiled, medians per batch",
        },
        {
            "name": "dcgan: seconds per batch",
            "value": dcgan,
            "unit": "s",
            "goal": None,
            "met": None,
            "detail": "the guides' DCGAN by gan_fit, batches of 64, median",
        },
    ]


def main() -> None:
    # The defaults are the GAN studio's: a GAN architecture's own (see RunConfig).
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0]
        + " Without options it trains the GAN studio's run: gan-classroom by gan_fit on "
        "mnist-5k, with a GAN's defaults."
    )
    add_settings(parser, RunConfig, TUNABLE)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--target", type=float, default=6.0, help="the score to reach")
    parser.add_argument("--skip-dcgan-timing", action="store_true")
    arguments = parser.parse_args()

    quality.reference_classifier()  # trained once and cached, outside the timed run
    config = studio_config(arguments.minutes, **given(arguments, RunConfig))
    print(
        f"{config.architecture} / {config.style} / {config.optimizer} "
        f"(G {config.learning_rate:g}, D {config.discriminator_learning_rate:g}), "
        f"batch {config.batch_size}, {arguments.minutes:g} minutes",
        flush=True,
    )
    reached, best, _ = score_against_time(config, arguments.target)
    if reached is None:
        print(
            f"IS {arguments.target:g} not reached in {arguments.minutes:g} minutes; "
            f"best IS {best['inception_score']:.2f} at step {best['step']} "
            f"({best['seconds']:.0f} s)"
        )
    else:
        print(f"IS {arguments.target:g} reached at t = {reached:.0f} s after Start")
    if not arguments.skip_dcgan_timing:
        seconds = seconds_per_batch("dcgan", arguments.style, 64)
        print(f"dcgan: {seconds:.3f} s per batch of 64 ({arguments.style})")


if __name__ == "__main__":
    main()
