"""The race's leader board: who leads, and who cannot lead whatever its last batches say.

A contestant whose loss stopped being a number, or whose training broke, ranks after every
contestant that trained normally; a contestant without a batch yet gets the race's columns.
The snapshots are written here in the shape `GroupLog.snapshot()` gives, so each case is exact.
"""

from trainers import summaries
from trainers.events import COMPLETED, DIVERGED, FAILED, QUEUED, STOPPED


def contestant(status: str, accuracy: list[float], loss: float = 0.5) -> dict:
    """A contestant's snapshot with one batch per accuracy value."""
    count = len(accuracy)
    batches = {
        "step": list(range(count)),
        "size": [64] * count,
        "seconds": [0.01 * (step + 1) for step in range(count)],
        "loss": [loss] * count,
        "accuracy": accuracy,
    } if count else {}  # fmt: skip
    return {"status": status, "batches": batches, "epochs": []}


def race(**contestants: dict) -> dict:
    return {"config": {"target_accuracy": 0.9}, "contestants": contestants}


def test_a_diverged_or_failed_contestant_ranks_after_every_healthy_one():
    snapshot = race(
        wild=contestant(DIVERGED, [0.99] * 10, loss=float("nan")),
        broken=contestant(FAILED, [0.95] * 10),
        steady=contestant(COMPLETED, [0.7] * 10),
        stopped=contestant(STOPPED, [0.6] * 10),
    )

    board = summaries.leaderboard(snapshot)

    ranked = [row["contestant"] for row in board]
    assert ranked[:2] == ["steady", "stopped"] and set(ranked[2:]) == {"wild", "broken"}
    wild = board[ranked.index("wild")]
    assert wild["status"] == DIVERGED and wild["accuracy"] == 0.99  # shown, just not ranked up


def test_a_contestant_without_a_batch_gets_accuracy_columns_and_comes_last():
    snapshot = race(waiting=contestant(QUEUED, []), trained=contestant(COMPLETED, [0.8] * 10))

    board = summaries.leaderboard(snapshot)

    assert [row["contestant"] for row in board] == ["trained", "waiting"]
    assert board[0].keys() == board[1].keys()
    waiting = board[1]
    assert waiting["accuracy"] is None and waiting["best val accuracy"] is None
    assert not any("mae" in column for column in waiting)
