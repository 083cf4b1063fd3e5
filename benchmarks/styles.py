"""What the live view costs each training style: the style's own code with and without reporting.

Every classifier style reaches the charts in one of two ways. The styles built on `fit()`
(`fit`, `train_step`, `train_step_manual`, `trainer`) hand their batches to `Run.callback()`;
the loops (`train_on_batch`, and the `GradientTape` loop eager and compiled) call
`run.report_batch()` themselves after each step, which turns the batch's loss into a Python
number. This benchmark trains each style's own network in both ways, in turns:

- the `fit()` styles: their compiled model's `fit(verbose=0)` with no callback, against the
  same call with the run's callback;
- `train_on_batch`: the loop over `train_on_batch()` alone, against the loop that reports;
- the `GradientTape` loop, eager and in `tf.function`: the loop over its `train_step` alone,
  against the loop that reports each batch's loss and the running accuracy the step returns.

The figures are the slowdowns in wall time, what a person waits for (the goal: at most 5 %),
and in this process's CPU time beside it, each a median of each round's own ratio, the variants
of a round back to back. The distributed styles report through the same callback
(`fit_mirrored`) and the same `report_batch` (`loop_multiworker`, on its chief only); their
speed is in `benchmarks.distributed`.

    python -m benchmarks --only styles
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

GOAL = 0.05  # the largest acceptable slowdown in wall time, as for the callback (instrumentation)
FIT_STYLES = ("fit", "train_step", "train_step_manual", "trainer")
LOOP_STYLES = ("train_on_batch", "loop_eager", "loop_function")


def variants(style: str, epochs: int) -> tuple[Callable[[], None], Callable[[], None], int]:
    """The style's uninstrumented and instrumented training of its own network, for `epochs`.

    Returns:
        `(plain, looplab, batches)`: two functions that each train `epochs` epochs of
        mnist-5k in batches of 64, and the batches each trains.
    """
    from trainers import catalog, engine, styles
    from trainers.config import RunConfig
    from trainers.control import RunControl
    from trainers.events import RunLog
    from trainers.styles import loop

    config = RunConfig(dataset="mnist-5k", architecture="mlp", style=style, epochs=epochs)
    run = engine.prepare(config, engine.load_data(config), RunLog(style, {}), RunControl())
    batches = epochs * run.steps_per_epoch

    if style in FIT_STYLES:
        model, dataset = styles.module_of(style).build(run), run.train_dataset()

        def train_with(callbacks: list) -> None:
            model.fit(
                dataset,
                epochs=epochs,
                steps_per_epoch=run.steps_per_epoch,
                callbacks=callbacks,
                shuffle=False,
                verbose=0,
            )

        return (lambda: train_with([])), (lambda: train_with([run.callback()])), batches

    stepper = styles.stepper_for(style, run)
    if style == "train_on_batch":
        plain_step = stepper.train_batch  # train_on_batch() alone
    else:  # the guide's loop: its train_step alone
        plain_step = loop.make_steps(run, **catalog.STYLES[style].options)[0]

    def plain() -> None:
        for epoch in range(epochs):
            for x, y, sample_weight in run.batches(epoch):
                plain_step(x, y, sample_weight)

    def looplab() -> None:
        for epoch in range(epochs):
            for step, (x, y, sample_weight) in enumerate(run.batches(epoch)):
                own, means = stepper.train_batch(x, y, sample_weight)
                run.report_batch(epoch, step, own=own, means=means)

    return plain, looplab, batches


def seconds(train: Callable[[], None]) -> tuple[float, float]:
    """The wall time, and the CPU time of this process (every thread), while `train()` runs."""
    wall, cpu = time.perf_counter(), time.process_time()
    train()
    return time.perf_counter() - wall, time.process_time() - cpu


def slowdown(
    style: str, rounds: int, epochs: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The style's instrumented wall and CPU times over its plain ones, medians of `rounds`
    rounds' ratios.

    Returns:
        `((wall slowdown, CPU slowdown), (plain wall seconds, plain CPU seconds) per batch)`.
    """
    plain, looplab, batches = variants(style, epochs)
    plain(), looplab()  # tracing and first calls, not measured
    ratios, plain_times = [], []
    for round_number in range(rounds):
        order = (plain, looplab) if round_number % 2 == 0 else (looplab, plain)
        measured = {train: seconds(train) for train in order}
        ratios.append(
            [mine / base for mine, base in zip(measured[looplab], measured[plain], strict=True)]
        )
        plain_times.append(measured[plain])
    return (
        tuple(statistics.median(column) - 1 for column in zip(*ratios, strict=True)),
        tuple(statistics.median(column) / batches for column in zip(*plain_times, strict=True)),
    )


def measure(quick: bool) -> list[dict]:
    """Each classifier style's slowdown: 5 rounds of 2 epochs when `quick`, else 15 of 4 (a
    round of the quickest style lasts about a second: single rounds here swing by 10 %)."""
    rounds, epochs = (5, 2) if quick else (15, 4)
    figures = []
    for style in FIT_STYLES + LOOP_STYLES:
        (wall, cpu), (wall_batch, cpu_batch) = slowdown(style, rounds, epochs)
        baseline = "fit(verbose=0)" if style in FIT_STYLES else "the loop without reports"
        print(
            f"{style:<20}{wall:+8.1%} wall {cpu:+8.1%} CPU   plain {wall_batch * 1e3:.2f} ms "
            f"({cpu_batch * 1e3:.2f} ms CPU) a batch"
        )
        rounds_text = f"median of {rounds} interleaved rounds"
        figures += [
            {
                "name": f"instrumentation overhead, {style}, wall time",
                "value": 100 * wall,
                "unit": "%",
                "goal": f"≤ {GOAL:.0%}",
                "met": wall <= GOAL,
                "detail": (
                    f"wall time against {baseline} ({wall_batch * 1e3:.2f} ms a batch), "
                    f"{rounds_text}"
                ),
            },
            {
                "name": f"instrumentation overhead, {style}, CPU time",
                "value": 100 * cpu,
                "unit": "%",
                "goal": None,
                "met": None,
                "detail": (
                    f"CPU time against {baseline} ({cpu_batch * 1e3:.2f} ms a batch), {rounds_text}"
                ),
            },
        ]
    return figures
