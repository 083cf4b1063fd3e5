"""An optimizer race: several optimizers train one network, from one start, on the same batches.

A fair race changes one thing only. Every contestant gets a freshly built copy of the network,
set to the very same initial weights (one initialization, copied with `set_weights`), and sees
the same batches in the same order: the engine's seeded order, which every style shares. What
differs is the optimizer and its learning rate.

The contestants train in lockstep on the worker thread: one batch each in turn, so their
curves advance together on the page. A contestant trains in its style: the styles built on
`fit()` hand over their compiled model (a `CustomModel`, a `Trainer`...), which `train_on_batch`
steps with that model's own `train_step`; the loops from scratch hand over their step function.
Each contestant's clock runs during its own turns only, so its seconds and milliseconds per
step measure its own compute.

This module loads TensorFlow only inside `execute()`, on the worker thread.
"""

from __future__ import annotations

import csv
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trainers import catalog, datasets
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.events import COMPLETED, FAILED, STOPPED, RunLog

logger = logging.getLogger(__name__)

MIN_CONTESTANTS, MAX_CONTESTANTS = 2, 6
WARMUP_STEPS = 3  # first steps left out of the time per step: they trace the graphs
WINDOW = 10  # batches averaged for the current loss and accuracy, and for the target


@dataclass(frozen=True)
class Contestant:
    """An optimizer in the race, with its learning rate.

    Attributes:
        optimizer: a name from `catalog.OPTIMIZERS`.
        learning_rate: its learning rate.
    """

    optimizer: str
    learning_rate: float

    @property
    def label(self) -> str:
        """How charts and tables name it, e.g. `"adam 0.001"`."""
        return f"{self.optimizer} {self.learning_rate:g}"


def parse_contestants(text: str) -> list[Contestant]:
    """Reads contestants written as `"sgd:0.01,adam:0.001"`; a missing rate is the default one.

    Raises:
        ConfigError: for an unknown optimizer or a learning rate that is not a number.
    """
    contestants = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, rate = item.partition(":")
        if name not in catalog.OPTIMIZERS:
            raise ConfigError(
                f"Unknown optimizer. Choose {catalog.choices(catalog.OPTIMIZERS)}, each "
                f"optionally with ':learning_rate'. Received: {item!r}"
            )
        try:
            learning_rate = float(rate) if rate else catalog.OPTIMIZERS[name][2]
        except ValueError:
            raise ConfigError(
                f"A learning rate must be a number, as in 'adam:0.001'. Received: {item!r}"
            ) from None
        contestants.append(Contestant(name, learning_rate))
    return contestants


@dataclass
class RaceConfig:
    """Everything that decides what a race does.

    Attributes:
        contestants: 2 to 6 optimizers with their learning rates.
        dataset, architecture, style, epochs, batch_size, seed, validation_split,
            max_examples, max_steps: as in `RunConfig`, the same for every contestant.
        target_accuracy: the leader board counts the steps each contestant takes to reach it.
    """

    contestants: list[Contestant]
    dataset: str = catalog.DEFAULT_DATASET
    architecture: str = catalog.DEFAULT_ARCHITECTURE
    style: str = catalog.DEFAULT_STYLE
    epochs: int = 1
    batch_size: int = 64
    seed: int = 0
    validation_split: float = 0.1
    max_examples: int = 0
    max_steps: int = 0
    target_accuracy: float = 0.9

    @property
    def labels(self) -> list[str]:
        """One name per contestant; a contestant entered twice gets `#2`, `#3`..."""
        labels = []
        for contestant in self.contestants:
            label = contestant.label
            repeats = sum(other.label == label for other in self.contestants[: len(labels)])
            labels.append(f"{label} #{repeats + 1}" if repeats else label)
        return labels

    def run_config(self, contestant: Contestant) -> RunConfig:
        """The configuration of one contestant's run."""
        return RunConfig(
            dataset=self.dataset,
            architecture=self.architecture,
            style=self.style,
            optimizer=contestant.optimizer,
            learning_rate=contestant.learning_rate,
            batch_size=self.batch_size,
            epochs=self.epochs,
            seed=self.seed,
            validation_split=self.validation_split,
            max_examples=self.max_examples,
            max_steps=self.max_steps,
        )

    def check(self) -> None:
        """Raises `ConfigError` if this race cannot work, saying what would."""
        count = len(self.contestants)
        if not MIN_CONTESTANTS <= count <= MAX_CONTESTANTS:
            raise ConfigError(
                f"A race needs {MIN_CONTESTANTS} to {MAX_CONTESTANTS} contestants. "
                f"Received: {count} ({', '.join(self.labels)})"
            )
        if self.style in catalog.STYLES and catalog.STYLES[self.style].gan:
            racing = [name for name, info in catalog.STYLES.items() if not info.gan]
            raise ConfigError(
                f"A race compares optimizers on one network; GAN styles train two. "
                f"Choose {catalog.choices(racing)}. Received: style={self.style!r}"
            )
        if not 0 < self.target_accuracy <= 1:
            raise ConfigError(
                "target_accuracy must be greater than 0 and at most 1. "
                f"Received: target_accuracy={self.target_accuracy!r}"
            )
        for contestant in self.contestants:
            self.run_config(contestant).check()

    def to_dict(self) -> dict:
        """The configuration as plain JSON-ready data, each contestant under its label."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values["contestants"] = {
            label: {"optimizer": c.optimizer, "learning_rate": c.learning_rate}
            for label, c in zip(self.labels, self.contestants, strict=True)
        }
        return values


# The Trainer-pattern guide's optimizers (Keras' defaults: SGD at 0.01, Adam at 0.001).
_GUIDE_PAIR = [Contestant("sgd", 0.01), Contestant("adam", 0.001)]
PRESETS: dict[str, RaceConfig] = {
    "SGD vs Adam, Trainer pattern": RaceConfig(
        list(_GUIDE_PAIR), "mnist-5k", "mlp", "trainer", epochs=5, batch_size=64
    ),
    "SGD vs Adam on the same model": RaceConfig(
        list(_GUIDE_PAIR), "mnist-5k", "mlp", "train_step", epochs=3, batch_size=64
    ),
}


@dataclass
class RaceLog(RunLog):
    """The events of a job of several runs, and one `RunLog` per run (per contestant).

    The race's own events are its `start` (the fingerprints of the initial weights) and its
    `end`; the batches and epochs are in each contestant's log, so every chart of a single run
    draws a contestant too. The style lab uses it the same way, one run per style.

    Attributes:
        contestants: each run's log, under its label, in the order of the race.
    """

    contestants: dict[str, RunLog] = field(default_factory=dict)

    @classmethod
    def create(cls, race_id: str, config: dict, runs: dict[str, RunConfig]) -> RaceLog:
        """A log for `runs` (label -> configuration), each run's log named `race_id/label`."""
        logs = {label: RunLog(f"{race_id}/{label}", run.to_dict()) for label, run in runs.items()}
        return cls(race_id, config, contestants=logs)

    def fail(self, error: str) -> None:
        """Ends the job and each of its runs that has not ended, as failed with this error."""
        for log in self.contestants.values():
            if not log.finished:
                log.emit("end", log.steps, {"status": FAILED, "error": error})
        self.emit("end", 0, {"status": FAILED, "error": error})

    def snapshot(self) -> dict:
        """As `RunLog.snapshot()`, plus `contestants`: label -> that run's snapshot."""
        snapshot = super().snapshot()
        snapshot["contestants"] = {label: log.snapshot() for label, log in self.contestants.items()}
        return snapshot


def new_log(race_id: str, config: RaceConfig) -> RaceLog:
    """The log of a race, one `RunLog` per contestant."""
    runs = {
        label: config.run_config(contestant)
        for label, contestant in zip(config.labels, config.contestants, strict=True)
    }
    return RaceLog.create(race_id, config.to_dict(), runs)


def submit(worker, config: RaceConfig):
    """Queues a race on a `trainers.worker.Worker`; returns its `Job` (`job.log` a `RaceLog`).

    Raises:
        ConfigError: when the race cannot work (nothing is queued then).
    """
    return worker.submit_job(config, lambda race_id: new_log(race_id, config), execute, "race")


# Running the race (the worker thread).


def execute(config: RaceConfig, log: RaceLog, control: RunControl) -> None:
    """Races the contestants in lockstep on this thread, each one's events to its own log.

    Never raises: a race that cannot start or that breaks ends with status `failed`, its runs
    that had not ended too, and the error in `log.error`.
    """
    try:
        config.check()
        from trainers import engine  # TensorFlow loads here, on the worker thread

        data = engine.load_data(config.run_config(config.contestants[0]))
        racers = [
            _Racer(engine.prepare(config.run_config(contestant), data, run_log, control))
            for contestant, run_log in zip(config.contestants, log.contestants.values())
        ]
        # One initialization, copied into every contestant's network.
        initial_weights = racers[0].run.model.get_weights()
        for racer in racers[1:]:
            racer.run.model.set_weights(initial_weights)
        fingerprints = {
            label: engine.fingerprint(racer.run.model.get_weights())
            for label, racer in zip(log.contestants, racers)
        }
        log.emit(
            "start",
            0,
            {"initial_weights": fingerprints, "steps_per_epoch": racers[0].run.steps_per_epoch},
        )
        _race(racers, config.epochs)
        status = STOPPED if control.stop_requested else COMPLETED
        log.emit("end", max(racer.run.recorder.step for racer in racers), {"status": status})
    except (ConfigError, datasets.DatasetError) as error:
        log.fail(str(error))
    except Exception as error:
        logger.error("Race %s failed:\n%s", log.run_id, traceback.format_exc())
        log.fail(f"{type(error).__name__}: {error}")


def _race(racers: list[_Racer], epochs: int) -> None:
    running = list(racers)
    for epoch in range(epochs):
        # The batches of the first contestant's run: the same seeded order as every other's.
        for batch, (x, y, sample_weight) in enumerate(racers[0].run.batches(epoch)):
            for racer in list(running):
                if not racer.step(epoch, batch, x, y, sample_weight):
                    # Diverged or at max_steps; the others race on.
                    running.remove(racer)
                    racer.finish()
            if running and running[0].run.recorder.control.stop_requested:
                # A stop that came mid-round also ends the contestants that had trained this
                # round's batch before it came: all of them end on the same step.
                for racer in running:
                    if racer.run.recorder.outcome != STOPPED:
                        racer.run.recorder.outcome = STOPPED
                        racer.run.recorder.mark("stop")
                    racer.finish()
                return
            if not running:
                return
        for racer in running:
            racer.end_epoch(epoch)
    for racer in running:
        racer.finish()


class _Racer:
    """One contestant: its `Run`, trained one batch at a time in the run's style."""

    def __init__(self, run) -> None:
        self.run = run
        info = catalog.STYLES[run.config.style]
        style = importlib.import_module(f"trainers.styles.{info.module}")
        self.model = None
        if info.module == "loop":
            self.train_step, self.train_metric, self.validate = style.make_steps(
                run, **info.options
            )
        else:
            self.model = style.build(run)  # stepped with its own train_step

    def step(self, epoch: int, batch: int, x, y, sample_weight) -> bool:
        """Trains on one batch and reports it; False when this contestant is done."""
        recorder = self.run.recorder
        recorder.restart_clock()  # the others' turns are not this contestant's time
        if self.model is None:
            loss = self.train_step(x, y, sample_weight)
            means = {self.train_metric.name: self.train_metric.result()}
            return self.run.report_batch(epoch, batch, own={"loss": loss}, means=means)
        # train_on_batch resets the metrics first: the logs are this batch's own values.
        logs = self.model.train_on_batch(x, y, sample_weight=sample_weight, return_dict=True)
        self.metric_names = list(logs)
        return self.run.report_batch(epoch, batch, own=logs)

    def end_epoch(self, epoch: int) -> None:
        """Reports the epoch's training means and its validation metrics."""
        run = self.run
        if self.model is None:
            metrics = {"loss": run.recorder.mean("loss")} | self.validate()
        else:
            metrics = {name: run.recorder.mean(name) for name in self.metric_names}
            if run.validation_data():
                validation = self.model.evaluate(
                    *run.validation_data(), batch_size=run.batch_size, verbose=0, return_dict=True
                )
                metrics |= {f"val_{name}": value for name, value in validation.items()}
        run.report_epoch(epoch, metrics)

    def finish(self) -> None:
        """Ends this contestant's log with its outcome and its test results."""
        from trainers import engine

        recorder = self.run.recorder
        result = engine.results(self.run)
        recorder.log.emit("end", recorder.step, {"status": recorder.outcome, "result": result})


# The leader board and the series the page draws (plain NumPy, any thread).


def ms_per_step(batches: dict, warmup: int = WARMUP_STEPS) -> float | None:
    """The median milliseconds a step took, leaving out the first `warmup` steps (tracing).

    The median also leaves out the odd step that waited for something else, such as the
    validation at the end of an epoch. Short runs keep at least their last step.

    Args:
        batches: a snapshot's `batches` columns; `seconds` is the run's training time.
    """
    seconds = np.asarray(batches.get("seconds", ()), dtype=float)
    if not seconds.size:
        return None
    durations = np.diff(seconds, prepend=0.0)
    return float(np.median(durations[min(warmup, seconds.size - 1) :]) * 1000)


def columns(batches: dict) -> dict[str, np.ndarray]:
    """A contestant's per-batch series: `step`, `examples` seen, `seconds` of its own compute,
    `ms_per_step`, and each metric's own value (e.g. `loss`, `accuracy`)."""
    if not batches.get("step"):
        return {}
    seconds = np.asarray(batches["seconds"], dtype=float)
    series = {
        "step": np.asarray(batches["step"]) + 1,  # steps trained so far
        "examples": np.cumsum(batches["size"]),
        "seconds": seconds,
        "ms_per_step": np.diff(seconds, prepend=0.0) * 1000,
    }
    skip = {"step", "epoch", "batch", "size", "lr", "examples_per_second", "seconds"}
    for name, values in batches.items():
        if name not in skip and not name.startswith("mean_"):
            series[name] = np.asarray(values, dtype=float)
    return series


def accuracy_name(batches: dict) -> str:
    """The metric the leader board ranks by: `accuracy`, or `mae` for regression."""
    return "accuracy" if "accuracy" in batches else "mae"


def leaderboard(snapshot: dict, target: float = 0.9, window: int = WINDOW) -> list[dict]:
    """One row per contestant, the leader first.

    Args:
        snapshot: a `RaceLog.snapshot()`.
        target: the accuracy whose steps to reach are counted.
        window: the batches averaged for the current loss and accuracy.

    Returns:
        Rows of `contestant`, `status`, `steps`, `loss` and `accuracy` (means of the last
        `window` batches; `mae` instead of accuracy for regression), `best val accuracy`,
        `steps to target` (the first step where the `window`-batch mean accuracy reaches
        `target`; None before) and `ms per step`. Ranked by accuracy (lowest mae for
        regression); contestants without a batch yet come last.
    """
    rows = []
    for label, run in snapshot["contestants"].items():
        batches = run["batches"]
        metric = accuracy_name(batches)
        row = {"contestant": label, "status": run["status"], "steps": len(batches.get("step", ()))}
        for name in ("loss", metric):
            values = batches.get(name, [])[-window:]
            row[name] = float(np.mean(values)) if values else None
        validation = [e[f"val_{metric}"] for e in run["epochs"] if f"val_{metric}" in e]
        if metric == "accuracy":
            row["best val accuracy"] = max(validation) if validation else None
            row["steps to target"] = steps_to(batches.get(metric, []), target, window)
        else:
            row[f"best val {metric}"] = min(validation) if validation else None
        row["ms per step"] = ms_per_step(batches)
        rows.append(row)

    def rank(row):
        value = row.get("accuracy", row.get("mae"))
        if value is None or not np.isfinite(value):
            return (1, 0.0)
        return (0, -value if "accuracy" in row else value)

    return sorted(rows, key=rank)


def steps_to(accuracy: Sequence[float], target: float, window: int = WINDOW) -> int | None:
    """The first step at which the mean accuracy of the last `window` batches reaches `target`."""
    if len(accuracy) < window:
        return None
    means = np.convolve(np.asarray(accuracy, dtype=float), np.ones(window) / window, "valid")
    reached = np.flatnonzero(means >= target)
    return int(reached[0]) + window if reached.size else None


# The command line: `python -m trainers race ...`.


def slug(label: str) -> str:
    """A file name for a contestant's label: `"adam 0.001"` -> `"adam-0.001"`."""
    return label.replace(" #", "-").replace(" ", "-")


def write_outputs(snapshot: dict, folder: str | Path, target: float = 0.9) -> dict:
    """Writes a finished race's `summary.json` and one per-batch CSV per contestant.

    Args:
        snapshot: the race's `RaceLog.snapshot()`.
        folder: where the files go; created if missing.
        target: the target accuracy of the leader board.

    Returns:
        The summary: the race's `status`, `error` and `config`; per contestant its `status`,
        final `train`, `validation` and `test` metrics, `steps`, `ms_per_step`, the
        `initial_weights` fingerprint and its `metrics_csv` file; the `leaderboard`; and
        `same_initial_weights`, whether every fingerprint is the same.
    """
    from trainers.store import summarize

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fingerprints = snapshot["info"].get("initial_weights", {})
    contestants = {}
    for label, run in snapshot["contestants"].items():
        name = f"{slug(label)}.csv"
        series = columns(run["batches"])
        with open(folder / name, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(series)
            writer.writerows(zip(*series.values()))
        final = summarize(run)
        contestants[label] = {
            **snapshot["config"]["contestants"][label],
            **{key: final[key] for key in ("status", "train", "validation", "test", "steps")},
            "ms_per_step": ms_per_step(run["batches"]),
            "initial_weights": fingerprints.get(label),
            "metrics_csv": name,
        }
    summary = {
        "status": snapshot["status"],
        "error": snapshot["error"],
        "config": snapshot["config"],
        "contestants": contestants,
        "same_initial_weights": len(set(fingerprints.values())) == 1,
        "leaderboard": leaderboard(snapshot, target),
    }
    with open(folder / "summary.json", "w") as file:
        json.dump(summary, file, indent=2)
    return summary


def add_command(subparsers) -> None:
    """Adds the `race` command to the command line's subparsers."""
    parser = subparsers.add_parser(
        "race",
        help="race optimizers on one network, from the same weights, on the same batches",
        description="Train one network per optimizer in lockstep, each from the same initial "
        "weights on the same batches; write summary.json and one per-batch CSV per optimizer "
        "into --out. Names: see `list`.",
    )
    parser.set_defaults(refuse=parser.error)
    racing = [name for name, info in catalog.STYLES.items() if not info.gan]
    add = parser.add_argument
    add("--out", type=Path, metavar="DIR", required=True, help="the folder for the files")
    add("--dataset", metavar="NAME_OR_NPZ", default=catalog.DEFAULT_DATASET)
    add(
        "--arch",
        dest="architecture",
        choices=catalog.ARCHITECTURES,
        metavar="NAME",
        default=catalog.DEFAULT_ARCHITECTURE,
        help="the architecture (default: %(default)s)",
    )
    add(
        "--style",
        choices=racing,
        metavar="NAME",
        default=catalog.DEFAULT_STYLE,
        help=f"the training style, one of {', '.join(racing)} (default: %(default)s)",
    )
    add(
        "--optimizers",
        metavar="NAME:LR,...",
        default="sgd:0.01,adam:0.001",
        help=f"{MIN_CONTESTANTS} to {MAX_CONTESTANTS} of {', '.join(catalog.OPTIMIZERS)}, "
        "each with an optional learning rate (default: %(default)s)",
    )
    add("--epochs", type=int, metavar="N", default=1, help="default: %(default)s")
    add("--batch-size", type=int, metavar="N", default=64, help="default: %(default)s")
    add("--seed", type=int, metavar="N", default=0, help="default: %(default)s")
    add("--max-examples", type=int, metavar="N", default=0, help="train on at most N examples")
    add("--max-steps", type=int, metavar="N", default=0, help="stop after N batches each")
    add(
        "--target-accuracy",
        type=float,
        metavar="ACC",
        default=0.9,
        help="the leader board counts the steps to reach it (default: %(default)s)",
    )


def command(args) -> int:
    """Runs the `race` command on this thread and writes its files into `args.out`.

    Options that cannot work exit with status 2 through `args.refuse`, saying what would.

    Returns:
        The exit status: 0 for a race that ran to its end, 1 for one that failed.
    """
    try:
        config = RaceConfig(
            parse_contestants(args.optimizers),
            dataset=args.dataset,
            architecture=args.architecture,
            style=args.style,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
            max_examples=args.max_examples,
            max_steps=args.max_steps,
            target_accuracy=args.target_accuracy,
        )
        config.check()
    except ConfigError as error:
        args.refuse(str(error))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    log = new_log(args.out.name or "race", config)
    execute(config, log, RunControl())
    summary = write_outputs(log.snapshot(), args.out, config.target_accuracy)
    for row in summary["leaderboard"]:
        print(" · ".join(f"{key} {_short(value)}" for key, value in row.items()))
    if summary["error"]:
        print(f"error: {summary['error']}", file=sys.stderr)
    print(f"files in {args.out}")
    return 1 if summary["status"] == FAILED else 0


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
