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

All contestants share the race's control: a stop or a pause reaches every one of them, at the
end of a round, so all of them stop or pause after the same step, each marking it on its chart.
A new learning rate does too: the race hands each request to every contestant at the end of a
round (or at once while it is paused), so each applies it after the same step.

A contestant that breaks, as it is built or as it trains, fails alone, as a single run would:
its log says `failed`, with the error and the traceback, and the others race on to their end.
The race names it in its `error`; its status is the one it reached.

This module loads TensorFlow only inside `execute()`, on the worker thread.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

from trainers import catalog, group, lockstep
from trainers.access import OPEN, Actor
from trainers.config import ConfigError, RunConfig
from trainers.control import ControlView, RunControl
from trainers.engine import guarded
from trainers.events import COMPLETED, FAILED, STOPPED
from trainers.group import GroupLog, GroupRunConfig
from trainers.settings import check_settings, setting

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
        if self.style in catalog.STYLES and self.style not in catalog.race_styles():
            raise ConfigError(
                f"A race steps optimizers on one network in lockstep: GAN styles train two, and "
                f"distributed styles own their loop. "
                f"Choose {catalog.choices(catalog.race_styles())}. "
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


def failed_contestants(snapshot: dict) -> dict[str, dict]:
    """The contestants of a race's snapshot that failed: label -> that contestant's snapshot."""
    return group.failed_runs(snapshot)


# Running the race (the worker thread).


@guarded
def execute(config: RaceConfig, log: GroupLog, control: RunControl) -> None:
    """Races the contestants in lockstep on this thread, each one's events to its own log.

    A contestant that breaks, as its network and optimizer are built or as it trains, fails
    alone (see `group.fail_run`): its log says `failed`, with the error and the traceback, and
    the others race on to their end. The race then ends `completed` (or `stopped`), its
    `error` naming each contestant that failed; a race whose every contestant failed has
    failed (see `GroupLog.end`).

    Never raises (see `engine.guarded`): a race that cannot start, such as one whose data do
    not load, ends with status `failed`, its runs too, and the error in `log.error`.
    """
    from trainers import engine  # TensorFlow loads here, on the worker thread

    runs = config.runs()
    data = engine.load_data(next(iter(runs.values())))
    racers = {}
    for label, run in runs.items():
        try:
            # Its own copy of each request, and no pause of its own: see `lockstep`.
            view = ControlView(control, pauses=False)
            racers[label] = lockstep.Racer(engine.prepare(run, data, log.runs[label], view))
        except Exception as error:  # this contestant's network or optimizer did not build
            group.fail_run(log.runs[label], error)
    if not racers:
        log.end(FAILED)
        return
    # One initialization, copied into every contestant's network.
    first, *others = racers.values()
    initial_weights = first.run.model.get_weights()
    for racer in others:
        racer.run.model.set_weights(initial_weights)
    fingerprints = {
        label: engine.fingerprint(racer.run.model.get_weights()) for label, racer in racers.items()
    }
    log.emit(
        "start",
        0,
        {"initial_weights": fingerprints, "steps_per_epoch": first.run.steps_per_epoch},
    )
    lockstep.train(list(racers.values()), config.run.epochs, control)
    status = STOPPED if control.stop_requested else COMPLETED
    log.end(status, max(racer.run.recorder.step for racer in racers.values()))
