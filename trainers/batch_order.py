"""Hands `fit()`'s batches to a recorder in the order they trained, from whichever thread.

Keras turns a batch's logs into Python numbers synchronously, on the training thread, for every
callback that defines `on_train_batch_end`: reading the step's results makes the thread wait
for them before it starts the next step. A callback that declares `async_safe = True` is called
from a pool of threads instead, while the training thread goes on; but then batches may arrive
out of order, and a recorder that derives a batch's own value from Keras' running means needs
them in order. `BatchOrder` puts them back in order: the training thread says which batch
begins (`begin`), the pool's threads hand in the ends (`end`), and each end is recorded once
every batch begun before it has been.
"""

from __future__ import annotations

import collections
import math
import threading
from collections.abc import Callable


class BatchOrder:
    """Records batch ends in the order their batches began.

    Args:
        record: called as `record(batch, logs)` for each batch, in order, one at a time, on
            the thread that handed in the end that completed the order.
    """

    def __init__(self, record: Callable[[int, dict], None]) -> None:
        self._record = record
        self._begun: collections.deque[int] = collections.deque()  # not yet recorded
        self._ended: dict[int, dict] = {}  # ends handed in, not yet recorded
        self._changed = threading.Condition()

    def begin(self, batch: int) -> None:
        """Says that this batch begins (on the training thread, in order)."""
        with self._changed:
            self._begun.append(batch)

    def end(self, batch: int, logs: dict) -> None:
        """Hands in a batch's end (its index is the last step it ran); records every end that
        is now next in order."""
        with self._changed:
            self._ended[batch] = logs
            while self._begun and self._ended:
                first = self._begun[0]
                following = self._begun[1] if len(self._begun) > 1 else math.inf
                match = next((end for end in self._ended if first <= end < following), None)
                if match is None:
                    break
                self._begun.popleft()
                self._record(match, self._ended.pop(match))
            self._changed.notify_all()

    def forget_unended(self) -> None:
        """Forgets the batches begun that never ended: a dataset that ran out at one."""
        with self._changed:
            self._begun.clear()
            self._ended.clear()

    def settle(self) -> None:
        """Returns once every batch begun so far is recorded (on the training thread, between
        two batches: every batch begun before then has its end on the way)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._begun)
