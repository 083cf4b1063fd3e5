"""A job of several runs: an optimizer race (one run per optimizer) or a style lab (per style).

A group's configuration holds one `RunConfig` that every run shares and says how each run
differs (`runs()`: label -> that run's configuration). Its log is a `GroupLog`: the group's own
`start` and `end` events, and one `RunLog` per run, so every chart of a single run draws a run
of a group too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from trainers.access import OPEN, Actor
from trainers.config import RunConfig
from trainers.events import FAILED, RunLog
from trainers.settings import settings_of


def _default(name: str, value: Any) -> dataclasses.Field:
    """`RunConfig`'s setting `name` as it is described there, with another default."""
    described = dataclasses.replace(settings_of(RunConfig)[name], default=value)
    return dataclasses.field(default=value, metadata={"setting": described})


@dataclass
class GroupRunConfig(RunConfig):
    """The configuration each run of a group shares: a `RunConfig` with a group's defaults.

    A group trains several runs one after another (a race: in lockstep), so each trains one
    epoch unless told otherwise. The pages' widgets and `--help` show these defaults.
    """

    epochs: int = _default("epochs", 1)


class GroupConfig(Protocol):
    """What a group's configuration offers besides what every job's does."""

    def runs(self) -> dict[str, RunConfig]:
        """Each run's configuration under its label, in the order they train."""

    def to_dict(self) -> dict:
        """The configuration as plain JSON-ready data."""


@dataclass
class GroupLog(RunLog):
    """The events of a job of several runs, and one `RunLog` per run.

    The group's own events are its `start` and its `end`; the batches and epochs are in each
    run's log.

    Attributes:
        runs: each run's log, under its label, in the order of the group.
    """

    runs: dict[str, RunLog] = field(default_factory=dict)

    @classmethod
    def create(cls, group_id: str, config: GroupConfig) -> GroupLog:
        """A log for `config`'s runs, each run's log named `group_id/label`."""
        logs = {
            label: RunLog(f"{group_id}/{label}", run.to_dict())
            for label, run in config.runs().items()
        }
        return cls(group_id, config.to_dict(), runs=logs)

    def release(self, stored: Callable[[str], dict]) -> None:
        """Frees the rows of the group's runs too, once a store holds them (see `RunLog`)."""
        for log in self.runs.values():
            log.release(stored)
        super().release(stored)

    def fail(self, error: str, traceback: str | None = None) -> None:
        """Ends the job and each of its runs that has not ended, as failed with this error."""
        for log in self.runs.values():
            if not log.finished:
                log.fail(error, traceback)
        result = {"traceback": traceback} if traceback else {}
        self.emit("end", 0, {"status": FAILED, "error": error, "result": result})

    def snapshot(self) -> dict:
        """As `RunLog.snapshot()`, plus `contestants`: label -> that run's snapshot.

        The key keeps the name the pages read, for a race's contestants and a lab's styles.
        """
        snapshot = super().snapshot()
        snapshot["contestants"] = {label: log.snapshot() for label, log in self.runs.items()}
        return snapshot


def submit(worker, config: GroupConfig, execute, by: Actor = OPEN, session: str | None = None):
    """Queues a group on a `trainers.worker.Worker`; returns its `Job` (`job.log` a `GroupLog`).

    Args:
        worker: the worker.
        config: the group's configuration (a `JobConfig` too).
        execute: trains the group, as `execute(config, log, control)`.
        by: who asks; only an operator may (see `Worker.submit`).
        session: the browser session that asks (see `Worker.submit`).

    Raises:
        ConfigError: when the group cannot work (nothing is queued then).
    """
    new_log = lambda group_id: GroupLog.create(group_id, config)  # noqa: E731
    return worker.submit(config, new_log, execute, by=by, session=session)
