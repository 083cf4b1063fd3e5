"""How fast a GAN learns to draw digits: the Inception Score of its samples against time.

Trains like `python -m trainers run --dataset mnist-5k --arch gan-classroom --style gan_fit
--minutes 3` (the GAN studio's defaults: a GAN's own, see `RunConfig`), through the same
`engine.execute`, and prints each sample grid's score as it arrives, then the time the score
first reached the target. For reference it also times the guides' `dcgan` per batch of 64.
Timings depend on the machine and on what else runs on it.

    python -m benchmarks.gan_quality --minutes 3
    python -m benchmarks.gan_quality --arch dcgan --minutes 3 --skip-dcgan-timing
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


def score_against_time(config: RunConfig, target: float) -> tuple[float | None, dict]:
    """Trains `config`, printing the quality of each grid as it arrives.

    Returns:
        The seconds since the start of the run when the score first met `target` (None if it
        never did), and the best grid's `{"seconds", "step", "inception_score"}`.
    """
    log = RunLog("benchmark", config.to_dict())
    reached: list[float] = []
    best = {"seconds": 0.0, "step": 0, "inception_score": 0.0}
    started = time.perf_counter()

    def report(event) -> None:
        if event.kind != "image" or not event.data.get("quality"):
            return
        seconds = time.perf_counter() - started
        score = event.data["quality"]["inception_score"]
        if score >= target and not reached:
            reached.append(seconds)
        if score > best["inception_score"]:
            best.update(seconds=seconds, step=event.step, inception_score=score)
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
    return (reached[0] if reached else None), best


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
    settings = STUDIO | given(arguments, RunConfig)
    config = RunConfig.for_architecture(
        settings.pop("architecture"), epochs=10**4, minutes=arguments.minutes, **settings
    )
    print(
        f"{config.architecture} / {config.style} / {config.optimizer} "
        f"(G {config.learning_rate:g}, D {config.discriminator_learning_rate:g}), "
        f"batch {config.batch_size}, {arguments.minutes:g} minutes",
        flush=True,
    )
    reached, best = score_against_time(config, arguments.target)
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
