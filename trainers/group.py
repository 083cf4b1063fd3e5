"""A job of several runs: an optimizer race (one run per optimizer) or a style lab (per style).

A group's configuration holds one `RunConfig` that every run shares and says how each run
differs (`runs()`: label -> that run's configuration). Its log is a `GroupLog`: the group's own
`start` and `end` events, and one `RunLog` per run, so every chart of a single run draws a run
of a group too.

A run of a group that breaks fails alone, as a single run would (`fail_run`): its log says
`failed`, with the error and its traceback, and the group goes on with its other runs. The
group then ends with the status it reached, its `error` naming each run that failed (`end`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from trainers.access import OPEN, Actor
from trainers.config import RunConfig
from trainers.engine import failure
from trainers.events import FAILED, RunLog
from trainers.settings import settings_of

logger = logging.getLogger(__name__)


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
        """Ends the job and each of its runs that has not ended, as failed with this error.

        For a group that breaks as a whole (its data do not load, say); a run that breaks
        alone ends through `fail_run`.
        """
        for log in self.runs.values():
            if not log.finished:
                log.fail(error, traceback)
        result = {"traceback": traceback} if traceback else {}
        self.emit("end", 0, {"status": FAILED, "error": error, "result": result})

    def end(self, status: str, step: int = 0, result: dict | None = None) -> None:
        """Ends the group with `status`, its `error` naming each of its runs that failed.

        A run that failed is that run's outcome, as a diverged one is: the others trained to
        their end and compare, so the group keeps the status it reached. Only a group whose
        every run failed has failed itself: nothing of it is left to compare.

        Args:
            status: how the group ran: `completed` or `stopped` (`failed` when none of its
                runs could).
            step: the group's last step.
            result: what the group leaves besides its runs' own results.
        """
        failed = {label: log.error for label, log in self.runs.items() if log.status == FAILED}
        data = {"status": status, "result": result or {}}
        if failed:
            data["error"] = "; ".join(f"{label} failed: {error}" for label, error in failed.items())
            if len(failed) == len(self.runs):
                data["status"] = FAILED
        self.emit("end", step, data)

    def snapshot(self) -> dict:
        """As `RunLog.snapshot()`, plus `contestants`: label -> that run's snapshot.

        The key keeps the name the pages read, for a race's contestants and a lab's styles.
        """
        snapshot = super().snapshot()
        snapshot["contestants"] = {label: log.snapshot() for label, log in self.runs.items()}
        return snapshot


def fail_run(log: RunLog, error: Exception) -> None:
    """Ends one run of a group as failed, as `engine.guarded` ends a single run that breaks
    (see `engine.failure`).

    The group goes on with its other runs. A run that has already ended keeps its end: the
    error is logged.

    Args:
        log: the run's log.
        error: what the run raised.
    """
    message, where = failure(error, log.run_id)
    if log.finished:
        logger.error("%s had ended (%s) when it failed: %s", log.run_id, log.status, message)
        return
    log.fail(message, where)


def failed_runs(snapshot: dict) -> dict[str, dict]:
    """The runs of a group's snapshot that failed: label -> that run's snapshot."""
    return {label: run for label, run in snapshot["contestants"].items() if run["status"] == FAILED}


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
