"""Contestants trained in lockstep: one batch each in turn, stopped and paused together.

An optimizer race (`trainers.race`) hands its contestants here, each a `Racer`: a `Run` trained
one batch at a time through its style's `Stepper`. Each round trains the same batch on every
contestant, in turn. Between two rounds the race hands every contestant what was asked meanwhile
(a new learning rate), so each applies it after the same step; a pause holds them all there,
and a stop ends them all on the same step.
"""

from __future__ import annotations

from trainers import group
from trainers.control import RunControl, hand_out
from trainers.events import STOPPED
from trainers.styles import stepper_for


def train(racers: list[Racer], epochs: int, control: RunControl) -> None:
    """Trains the contestants in lockstep, one batch each in turn, to their end or a stop."""
    running = list(racers)
    for epoch in range(epochs):
        # The batches of the first contestant's run: the same seeded order as every other's.
        for batch, (x, y, sample_weight) in enumerate(racers[0].run.batches(epoch)):
            for racer in list(running):
                if not racer.step(epoch, batch, x, y, sample_weight):
                    # Diverged, failed or at max_steps; the others race on.
                    running.remove(racer)
                    racer.finish()
            if not running:
                return
            # Requests left during this round reach every contestant now, so each applies them
            # after the same step: none takes a new learning rate from the others.
            hand_out(control, [racer.run.recorder.control for racer in running])
            _hold(running, control)
            if control.stop_requested:
                # A stop that came mid-round also ends the contestants that had trained this
                # round's batch before it came: all of them end on the same step.
                for racer in running:
                    racer.stop()
                return
        for racer in list(running):
            if not racer.end_epoch(epoch):  # its validation failed
                running.remove(racer)
    for racer in running:
        racer.finish()


def _hold(racers: list[Racer], control: RunControl) -> None:
    """While the race is paused, holds every contestant between two rounds, each marking the
    pause and the resume on its chart, and applying what is asked meanwhile."""
    if not control.paused or control.stop_requested:
        return
    recorders = [racer.run.recorder for racer in racers]
    for recorder in recorders:
        recorder.restart_clock()  # the others' turns since its batch are not its time
        recorder.mark("pause")
    while control.paused and not control.stop_requested:
        control.wait(0.1)
        hand_out(control, [recorder.control for recorder in recorders])
        for recorder in recorders:
            recorder.restart_clock()  # the pause is no training time, for marks made in it too
            recorder.apply_requests()
    for recorder in recorders:
        recorder.mark("resume")


class Racer:
    """One contestant: its `Run`, trained one batch at a time through its style's `Stepper`.

    A contestant whose training raises ends as failed, alone (`fail`): `step` and `end_epoch`
    then answer False, and the race goes on without it.
    """

    def __init__(self, run) -> None:
        self.run = run
        self.stepper = stepper_for(run.config.style, run)

    def step(self, epoch: int, batch: int, x, y, sample_weight) -> bool:
        """Trains on one batch and reports it; False when this contestant is done."""
        self.run.recorder.restart_clock()  # the others' turns are not this contestant's time
        try:
            own, means = self.stepper.train_batch(x, y, sample_weight)
            return self.run.report_batch(epoch, batch, own=own, means=means)
        except Exception as error:
            self.fail(error)
            return False

    def end_epoch(self, epoch: int) -> bool:
        """Reports the epoch's training means and its validation metrics; False if it failed."""
        try:
            self.run.report_epoch(epoch, self.stepper.end_epoch())
        except Exception as error:
            self.fail(error)
            return False
        return True

    def stop(self) -> None:
        """Ends this contestant as stopped, marking the stop unless its last batch did."""
        recorder = self.run.recorder
        if recorder.outcome != STOPPED:
            recorder.outcome = STOPPED
            recorder.mark("stop")
        self.finish()

    def finish(self) -> None:
        """Ends this contestant's log with its outcome and its test results, unless it failed."""
        if self.run.recorder.log.finished:
            return
        try:
            self.run.finish()
        except Exception as error:
            self.fail(error)

    def fail(self, error: Exception) -> None:
        """Ends this contestant as failed with `error`; the race goes on without it."""
        group.fail_run(self.run.recorder.log, error)
