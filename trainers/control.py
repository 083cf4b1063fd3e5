"""Controls a person sends to a run from another thread: stop, pause, resume, change a setting.

A page thread only leaves requests here. The worker thread takes them between two batches and
applies them itself, so every TensorFlow call of a run stays on that one thread.

Runs that train together under one control, such as a race's contestants, each read it through
a `ControlView`: they share its stop, pause and resume, and each gets its own copy of every
request, handed out by whoever trains them (`hand_out`), so a new learning rate reaches all.
"""

from __future__ import annotations

import threading
from collections import deque


class RunControl:
    """A mailbox of requests for one run, written by any thread, read by its worker."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._requests: deque[tuple[str, object]] = deque()
        self._stop = False
        self._paused = False

    def stop(self) -> None:
        """Asks the run to stop after the batch it is training."""
        with self._changed:
            self._stop = True
            self._changed.notify_all()

    def pause(self) -> None:
        """Asks the run to wait after the batch it is training, until `resume()`."""
        with self._changed:
            self._paused = True
            self._changed.notify_all()

    def resume(self) -> None:
        """Lets a paused run go on."""
        with self._changed:
            self._paused = False
            self._changed.notify_all()

    def request(self, kind: str, value: object = None) -> None:
        """Leaves a request for the worker, e.g. `("learning_rate", 1e-4)` or `("step", "both")`.

        Kinds: `learning_rate`, `discriminator_learning_rate`, `discriminator_steps`, and, while
        paused, `step` with `"discriminator"`, `"generator"` or `"both"` (GANs).
        """
        with self._changed:
            self._requests.append((kind, value))
            self._changed.notify_all()

    def set_learning_rate(self, value: float) -> None:
        """Asks the run to continue with this learning rate."""
        if not value > 0:
            raise ValueError(f"A learning rate must be greater than 0. Received: {value!r}")
        self.request("learning_rate", float(value))

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def waiting(self) -> bool:
        """Whether anything waits for the run's worker: a request, a pause or a stop."""
        return bool(self._requests) or self.paused or self.stop_requested

    def take_requests(self) -> list[tuple[str, object]]:
        """Removes and returns the requests left so far (worker thread)."""
        with self._changed:
            requests = list(self._requests)
            self._requests.clear()
            return requests

    def wait(self, timeout: float) -> None:
        """Sleeps until something changes or `timeout` seconds pass (worker thread)."""
        with self._changed:
            if self.paused and not self.stop_requested and not self._requests:
                self._changed.wait(timeout)


class ControlView(RunControl):
    """One run's view of a control that several runs share: its own requests, the rest shared.

    Stop, pause and resume are the shared control's. Requests left on the shared control reach
    the view only when `hand_out` copies them to it.

    Args:
        shared: the control the runs share.
        pauses: whether the run pauses itself when the shared control is paused; False when
            its caller holds every run at once instead (a race, between two rounds).
    """

    def __init__(self, shared: RunControl, pauses: bool = True) -> None:
        super().__init__()
        self.shared = shared
        self.pauses = pauses
        self._changed = shared._changed  # a view waits for the shared control's changes too

    def stop(self) -> None:
        self.shared.stop()

    def pause(self) -> None:
        self.shared.pause()

    def resume(self) -> None:
        self.shared.resume()

    @property
    def stop_requested(self) -> bool:
        return self.shared.stop_requested

    @property
    def paused(self) -> bool:
        return self.pauses and self.shared.paused


def hand_out(shared: RunControl, views: list[ControlView]) -> None:
    """Takes the requests left on `shared` and leaves each of them on every view (worker thread)."""
    for kind, value in shared.take_requests():
        for view in views:
            view.request(kind, value)
