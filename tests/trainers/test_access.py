"""Viewers watch; only operators start, steer and cancel runs, checked where the action is done."""

import threading

import numpy as np
import pytest

from trainers.access import OPEN, WATCHING, Refused, inside, password_matches
from trainers.config import RunConfig
from trainers.events import COMPLETED, STOPPED
from trainers.worker import Worker

QUICK = RunConfig(max_examples=128, epochs=1)


def test_a_viewer_is_refused_by_the_worker_itself_and_an_operator_is_not(wait_until):
    worker = Worker(name="looplab-access-worker")
    with pytest.raises(Refused, match="Only an operator may start a run.*a viewer session"):
        worker.submit(QUICK, by=WATCHING)
    assert worker.jobs() == []  # nothing was queued

    endless = worker.submit(RunConfig(max_examples=1024, epochs=100), by=OPEN)
    queued = worker.submit(QUICK, by=OPEN)
    for forged in (
        lambda: worker.steer(endless, WATCHING),
        lambda: worker.cancel(queued, WATCHING),
    ):
        with pytest.raises(Refused, match="Only an operator may"):
            forged()
    assert not endless.control.stop_requested and not queued.control.stop_requested

    worker.cancel(queued, OPEN)  # an operator takes a queued run out of the queue
    worker.steer(endless, OPEN).stop()
    wait_until(lambda: queued.log.finished, "the queue to empty")
    assert endless.log.status == STOPPED and queued.log.status == STOPPED
    assert queued.log.steps == 0


def test_the_command_line_and_scripts_act_as_operators(wait_until):
    worker = Worker(name="looplab-open-worker")
    job = worker.submit(QUICK)  # no actor given: a process of one's own is open
    wait_until(lambda: job.log.finished, "the run to end")
    assert job.log.status == COMPLETED


def test_server_paths_outside_the_data_folder_are_refused_alike_whether_they_exist(tmp_path):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    assert inside(home, "data/digits.npz") == (home / "data" / "digits.npz").resolve()
    assert inside(home, str(home / "data" / "x.npz")) == (home / "data" / "x.npz").resolve()
    (home / "escape").symlink_to("/etc")
    messages = set()
    for outside in ("/etc/passwd", "/no/such/file.npz", "../secret.npz", "escape/passwd"):
        with pytest.raises(Refused) as refused:
            inside(home, outside)
        messages.add(str(refused.value).replace(repr(outside), "<path>"))
    assert len(messages) == 1  # the same words for a file that exists and one that does not
    assert "inside the data folder" in messages.pop()


def test_passwords_are_compared_exactly():
    assert password_matches("s3cret", "s3cret")
    assert not password_matches("s3cre", "s3cret") and not password_matches("", "s3cret")


def test_the_queue_is_bounded_in_all_and_per_session_and_says_which_limit():
    from trainers.worker import QueueFull, QueueLimits

    release = threading.Event()
    worker = Worker(name="looplab-queue-worker", limits=QueueLimits(total=3, per_session=2))

    def hold(config, log, control):  # holds the worker; its log never starts, so it waits too
        release.wait(60)

    try:
        worker.submit(QUICK, execute=hold, session="a")
        worker.submit(QUICK, execute=hold, session="a")
        with pytest.raises(QueueFull, match=r"already has 2 runs waiting.*\(2\)"):
            worker.submit(QUICK, execute=hold, session="a")
        worker.submit(QUICK, execute=hold, session="b")
        with pytest.raises(QueueFull, match=r"at most 3 runs may wait, and 3 do"):
            worker.submit(QUICK, execute=hold, session="c")
        assert len(worker.jobs()) == 3
    finally:
        release.set()


def test_a_run_that_would_train_too_long_is_refused_saying_the_cap(tmp_path):
    from trainers.budget import planned_examples
    from trainers.group import GroupRunConfig
    from trainers.race import Contestant, RaceConfig
    from trainers.worker import QueueLimits, TooLarge

    assert planned_examples(RunConfig(dataset="digits", epochs=10)) == 17_970
    assert planned_examples(RunConfig(dataset="digits", epochs=10, max_examples=100)) == 1_000
    assert planned_examples(RunConfig(dataset="digits", epochs=10, max_steps=2)) == 2 * 64
    assert planned_examples(RunConfig(dataset=str(tmp_path / "none.npz"))) is None  # no file
    mine = tmp_path / "mine.npz"
    np.savez(mine, x_train=np.zeros((300, 4), np.float32), y_train=np.arange(300) % 2)
    assert planned_examples(RunConfig(dataset=str(mine), epochs=5)) == 1_500
    contestants = [Contestant("sgd", 0.01), Contestant("adam", 0.001)]
    race = RaceConfig(contestants, GroupRunConfig(dataset="digits", epochs=2))
    assert planned_examples(race) == 2 * 2 * 1797  # each contestant trains

    worker = Worker(name="looplab-size-worker", limits=QueueLimits(examples=10_000), load_now=False)
    with pytest.raises(TooLarge, match=r"17,970 examples .* the 10,000 one run may"):
        worker.submit(RunConfig(dataset="digits", epochs=10))
    assert worker.jobs() == []
