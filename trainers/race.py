"""An optimizer race: several optimizers train one network, from one start, on the same batches.

A fair race changes one thing only. Every contestant gets a freshly built copy of the network,
set to the very same initial weights (one initialization, copied with `set_weights`), and sees
the same batches in the same order: the engine's seeded order, which every style shares. What
differs is the optimizer and its learning rate.

The contestants train in lockstep on the worker thread: one batch each in turn, so their
curves advance together on the page. A contestant trains in its style, through the
`trainers.styles.Stepper` the style offers. Each contestant's clock runs during its own turns
only, so its seconds and milliseconds per step measure its own compute. The leader board and
the other summaries are in `trainers.summaries`.

This module loads TensorFlow only inside `execute()`, on the worker thread.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

from trainers import catalog, group
from trainers.access import OPEN, Actor
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.engine import guarded
from trainers.events import COMPLETED, STOPPED
from trainers.group import GroupLog, GroupRunConfig
from trainers.settings import check_settings, setting
from trainers.styles import stepper_for

MIN_CONTESTANTS, MAX_CONTESTANTS = 2, 6


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
            learning_rate = float(rate) if rate else catalog.OPTIMIZERS[name].learning_rate
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
        run: what every contestant trains: dataset, architecture, style, epochs, batch size,
            seed...; its own optimizer and learning rate are not used.
        target_accuracy: the leader board counts the steps each contestant takes to reach it.
    """

    kind: ClassVar[str] = "race"

    contestants: list[Contestant]
    run: RunConfig = field(default_factory=GroupRunConfig)
    target_accuracy: float = setting(
        "Target accuracy",
        "the leader board counts the steps each contestant takes to reach it",
        0.9,
        low=0,
        low_open=True,
        high=1,
        metavar="ACC",
        step=0.01,
    )

    @property
    def style(self) -> str:
        """The style every contestant trains in."""
        return self.run.style

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
        return dataclasses.replace(
            self.run, optimizer=contestant.optimizer, learning_rate=contestant.learning_rate
        )

    def runs(self) -> dict[str, RunConfig]:
        """Each contestant's run configuration, under its label."""
        return {
            label: self.run_config(contestant)
            for label, contestant in zip(self.labels, self.contestants, strict=True)
        }

    def check(self) -> None:
        """Raises `ConfigError` if this race cannot work, saying what would."""
        count = len(self.contestants)
        if not MIN_CONTESTANTS <= count <= MAX_CONTESTANTS:
            raise ConfigError(
                f"A race needs {MIN_CONTESTANTS} to {MAX_CONTESTANTS} contestants. "
                f"Received: {count} ({', '.join(self.labels)})"
            )
        if self.style in catalog.STYLES and self.style not in catalog.classifier_styles():
            raise ConfigError(
                f"A race compares optimizers on one network; GAN styles train two. "
                f"Choose {catalog.choices(catalog.classifier_styles())}. "
                f"Received: style={self.style!r}"
            )
        check_settings(self)
        for run in self.runs().values():
            run.check()

    def to_dict(self) -> dict:
        """The configuration as plain JSON-ready data, each contestant under its label."""
        values = self.run.to_dict()
        del values["optimizer"], values["learning_rate"]  # each contestant's own
        values["target_accuracy"] = self.target_accuracy
        values["contestants"] = {
            label: {"optimizer": c.optimizer, "learning_rate": c.learning_rate}
            for label, c in zip(self.labels, self.contestants, strict=True)
        }
        return values


# The Trainer-pattern guide's optimizers (Keras' defaults: SGD at 0.01, Adam at 0.001).
_GUIDE_PAIR = [Contestant("sgd", 0.01), Contestant("adam", 0.001)]
PRESETS: dict[str, RaceConfig] = {
    "SGD vs Adam, Trainer pattern": RaceConfig(
        list(_GUIDE_PAIR),
        GroupRunConfig(dataset="mnist-5k", architecture="mlp", style="trainer", epochs=5),
    ),
    "SGD vs Adam on the same model": RaceConfig(
        list(_GUIDE_PAIR),
        GroupRunConfig(dataset="mnist-5k", architecture="mlp", style="train_step", epochs=3),
    ),
}


def submit(worker, config: RaceConfig, by: Actor = OPEN, session: str | None = None):
    """Queues a race on a `trainers.worker.Worker`; returns its `Job` (`job.log` a `GroupLog`).

    Raises:
        ConfigError: when the race cannot work (nothing is queued then).
    """
    return group.submit(worker, config, execute, by, session)


# Running the race (the worker thread).


@guarded
def execute(config: RaceConfig, log: GroupLog, control: RunControl) -> None:
    """Races the contestants in lockstep on this thread, each one's events to its own log.

    Never raises (see `engine.guarded`): a race that cannot start or that breaks ends with
    status `failed`, its runs that had not ended too, and the error in `log.error`.
    """
    from trainers import engine  # TensorFlow loads here, on the worker thread

    runs = config.runs()
    data = engine.load_data(next(iter(runs.values())))
    racers = [
        _Racer(engine.prepare(run, data, log.runs[label], control)) for label, run in runs.items()
    ]
    # One initialization, copied into every contestant's network.
    initial_weights = racers[0].run.model.get_weights()
    for racer in racers[1:]:
        racer.run.model.set_weights(initial_weights)
    fingerprints = {
        label: engine.fingerprint(racer.run.model.get_weights())
        for label, racer in zip(runs, racers, strict=True)
    }
    log.emit(
        "start",
        0,
        {"initial_weights": fingerprints, "steps_per_epoch": racers[0].run.steps_per_epoch},
    )
    _race(racers, config.run.epochs)
    status = STOPPED if control.stop_requested else COMPLETED
    log.emit("end", max(racer.run.recorder.step for racer in racers), {"status": status})


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
            if running and running[0].run.recorder.stop_requested:
                # A stop that came mid-round also ends the contestants that had trained this
                # round's batch before it came: all of them end on the same step.
                for racer in running:
                    racer.stop()
                return
            if not running:
                return
        for racer in running:
            racer.end_epoch(epoch)
    for racer in running:
        racer.finish()


class _Racer:
    """One contestant: its `Run`, trained one batch at a time through its style's `Stepper`."""

    def __init__(self, run) -> None:
        self.run = run
        self.stepper = stepper_for(run.config.style, run)

    def step(self, epoch: int, batch: int, x, y, sample_weight) -> bool:
        """Trains on one batch and reports it; False when this contestant is done."""
        self.run.recorder.restart_clock()  # the others' turns are not this contestant's time
        own, means = self.stepper.train_batch(x, y, sample_weight)
        return self.run.report_batch(epoch, batch, own=own, means=means)

    def end_epoch(self, epoch: int) -> None:
        """Reports the epoch's training means and its validation metrics."""
        self.run.report_epoch(epoch, self.stepper.end_epoch())

    def stop(self) -> None:
        """Ends this contestant as stopped, marking the stop unless its last batch did."""
        recorder = self.run.recorder
        if recorder.outcome != STOPPED:
            recorder.outcome = STOPPED
            recorder.mark("stop")
        self.finish()

    def finish(self) -> None:
        """Ends this contestant's log with its outcome and its test results."""
        self.run.finish()
