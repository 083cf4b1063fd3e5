"""How fast a GAN learns to draw digits: the Inception Score of its samples against time.

Trains like `python -m trainers run --dataset mnist-5k --arch gan-classroom --style gan_fit
--minutes 3`, through the same `engine.execute`, and prints each sample grid's score as it
arrives, then the time the score first reached the target. For reference it also times the
guides' `dcgan` per batch of 64. Timings depend on the machine and on what else runs on it.

    python -m benchmarks.gan_quality --minutes 3
    python -m benchmarks.gan_quality --architecture dcgan --minutes 3 --skip-dcgan-timing
"""

from __future__ import annotations

import argparse
import statistics

from trainers import engine, quality
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.events import RunLog


def score_against_time(config: RunConfig, target: float) -> float | None:
    """Trains `config`, printing the quality of each grid; returns when `target` was first met."""
    log = RunLog("benchmark", config.to_dict())
    reached: list[float] = []

    def report(event) -> None:
        if event.kind != "image" or not event.data.get("quality"):
            return
        seconds = log.batches["seconds"][-1] if log.batches else 0.0
        score = event.data["quality"]
        if score["inception_score"] >= target and not reached:
            reached.append(seconds)
        print(
            f"{seconds:7.1f} s  step {event.step:5d}  IS {score['inception_score']:5.2f}  "
            f"confidence {score['confidence']:.2f}  classes {score['histogram']}",
            flush=True,
        )

    log.subscribe(report)
    engine.execute(config, log, RunControl())
    if log.error:
        raise SystemExit(f"The run failed: {log.error}")
    return reached[0] if reached else None


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


def main() -> None:
    defaults = RunConfig()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--architecture", default="gan-classroom")
    parser.add_argument("--style", default="gan_fit")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--target", type=float, default=6.0, help="the score to reach")
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument(
        "--discriminator-learning-rate", type=float, default=defaults.discriminator_learning_rate
    )
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--discriminator-steps", type=int, default=1)
    parser.add_argument("--image-every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-dcgan-timing", action="store_true")
    arguments = parser.parse_args()

    quality.reference_classifier()  # trained once and cached, outside the timed run
    config = RunConfig(
        dataset="mnist-5k",
        architecture=arguments.architecture,
        style=arguments.style,
        learning_rate=arguments.learning_rate,
        discriminator_learning_rate=arguments.discriminator_learning_rate,
        batch_size=arguments.batch_size,
        discriminator_steps=arguments.discriminator_steps,
        image_every=arguments.image_every,
        seed=arguments.seed,
        epochs=10**4,
        minutes=arguments.minutes,
    )
    print(f"{config.architecture} / {config.style}, {arguments.minutes:g} minutes", flush=True)
    reached = score_against_time(config, arguments.target)
    if reached is None:
        print(f"IS {arguments.target:g} not reached in {arguments.minutes:g} minutes")
    else:
        print(f"IS {arguments.target:g} reached after {reached:.0f} s of training")
    if not arguments.skip_dcgan_timing:
        seconds = seconds_per_batch("dcgan", arguments.style, 64)
        print(f"dcgan: {seconds:.3f} s per batch of 64 ({arguments.style})")


if __name__ == "__main__":
    main()
