"""How fast a GAN learns to draw digits: the Inception Score of its samples against time.

Trains like `python -m trainers run --dataset mnist-5k --arch gan-classroom --style gan_fit
--minutes 3` (the GAN studio's defaults, `trainers.config.GAN_DEFAULTS`), through the same
`engine.execute`, and prints each sample grid's score as it
arrives, then the time the score first reached the target. For reference it also times the
guides' `dcgan` per batch of 64. Timings depend on the machine and on what else runs on it.

    python -m benchmarks.gan_quality --minutes 3
    python -m benchmarks.gan_quality --architecture dcgan --minutes 3 --skip-dcgan-timing
"""

from __future__ import annotations

import argparse
import statistics
import time

from trainers import engine, quality
from trainers.config import GAN_DEFAULTS, RunConfig
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


def main() -> None:
    # The defaults are the GAN studio's.
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--architecture", default="gan-classroom")
    parser.add_argument("--style", default="gan_fit")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--target", type=float, default=6.0, help="the score to reach")
    parser.add_argument("--optimizer", default=GAN_DEFAULTS["optimizer"])
    parser.add_argument("--learning-rate", type=float, default=GAN_DEFAULTS["learning_rate"])
    parser.add_argument(
        "--discriminator-learning-rate",
        type=float,
        default=GAN_DEFAULTS["discriminator_learning_rate"],
    )
    parser.add_argument("--batch-size", type=int, default=GAN_DEFAULTS["batch_size"])
    parser.add_argument("--discriminator-steps", type=int, default=1)
    parser.add_argument("--image-every", type=int, default=GAN_DEFAULTS["image_every"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-dcgan-timing", action="store_true")
    arguments = parser.parse_args()

    quality.reference_classifier()  # trained once and cached, outside the timed run
    config = RunConfig(
        dataset="mnist-5k",
        architecture=arguments.architecture,
        style=arguments.style,
        optimizer=arguments.optimizer,
        learning_rate=arguments.learning_rate,
        discriminator_learning_rate=arguments.discriminator_learning_rate,
        batch_size=arguments.batch_size,
        discriminator_steps=arguments.discriminator_steps,
        image_every=arguments.image_every,
        seed=arguments.seed,
        epochs=10**4,
        minutes=arguments.minutes,
        validation_split=GAN_DEFAULTS["validation_split"],
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
