"""A run's TensorBoard event files, written with TensorFlow's own `tf.summary`.

`tensorboard --logdir <data folder>` then shows every run: scalars per batch (`batch/loss`,
`batch/mean_loss`, ..., `batch/lr`, at the batch's step), per epoch (`epoch/loss`,
`epoch/val_loss`, ..., at the epoch's number) and images (`images/samples` of a GAN,
`images/predictions` of a classifier, at their step).

The store's writer thread hands every run's events to `Boards`, which writes them at most
every `INTERVAL` seconds (and at a run's end, and on `flush`), and writing must cost training
nothing: `tf.summary.scalar` takes about 100 µs a value eagerly, 10 µs in a graph loop. So
each step's scalars become one serialized `Summary` in Python, by filling a value into bytes
serialized once per tag (protobuf messages concatenate into one), and a `tf.function` writes
all the steps since the last write with `tf.summary.experimental.write_raw_pb`: a few µs a
step. Only a process that has imported TensorFlow to train writes these files: nothing here
imports it.
"""

from __future__ import annotations

import math
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from trainers.events import BATCH_FIELDS, Event

# Batch fields that are the batch's bookkeeping rather than what it learnt.
_BOOKKEEPING = {name for name in BATCH_FIELDS if name != "lr"}
MAX_QUEUE = 100_000  # events held before the file is written: the writer flushes each time
INTERVAL = 5.0  # the most seconds between two writes of a live run's event files
_DRAWN = ("batch", "epoch", "image")  # the events that have something for TensorBoard
_PLACEHOLDER = struct.pack("<f", 1.25)


def available() -> bool:
    """Whether this process trains with TensorFlow, and TensorBoard's package is installed."""
    if "tensorflow" not in sys.modules:
        return False
    try:
        import tensorboard.plugins.scalar.metadata  # noqa: F401
    except ImportError:
        return False
    return True


class Boards:
    """The event files of every run a writer follows, each written every `interval` seconds.

    Args:
        folder_of: the folder of a run's event files, from its id.
        interval: the most seconds between two writes of a live run's files.
    """

    def __init__(self, folder_of: Callable[[str], Path], interval: float = INTERVAL) -> None:
        self.folder_of = folder_of
        self.interval = interval
        self._files: dict[str, RunEvents] = {}
        self._pending: dict[str, list[Event]] = {}
        self._ended: set[str] = set()
        self._written_at = time.monotonic()

    def add(self, run_id: str, events: list[Event], ended: bool) -> None:
        """Holds a run's events for the next write; `ended` when its last event is among them."""
        self._pending.setdefault(run_id, []).extend(e for e in events if e.kind in _DRAWN)
        if ended:
            self._ended.add(run_id)

    def write(self, now: bool = False) -> None:
        """Writes what is held when `interval` has passed, a run has ended, or `now`."""
        due = time.monotonic() - self._written_at >= self.interval
        if not (now or due or self._ended):
            return
        self._written_at = time.monotonic()
        pending, self._pending = self._pending, {}
        for run_id, events in pending.items():
            if events and run_id not in self._files:
                self._files[run_id] = RunEvents(self.folder_of(run_id))
            if events:
                self._files[run_id].write(events)
        for run_id in self._ended:
            if run_id in self._files:
                self._files.pop(run_id).close()
        self._ended.clear()

    def close(self) -> None:
        """Writes what is held and closes every file."""
        self.write(now=True)
        for events in self._files.values():
            events.close()
        self._files.clear()


class RunEvents:
    """The TensorBoard event files of one run, in its own folder.

    Args:
        folder: where the event files go; created if missing.
    """

    def __init__(self, folder: Path) -> None:
        import tensorflow as tf

        folder.mkdir(parents=True, exist_ok=True)
        self._writer = tf.summary.create_file_writer(str(folder), max_queue=MAX_QUEUE)
        self._write_summaries = _summary_writer()
        self._scalars = _ScalarValues()

    def write(self, events: list[Event]) -> None:
        """Writes the scalars and images of these events, then flushes the file."""
        import tensorflow as tf

        summaries, steps = [], []
        for event in events:
            if event.kind == "batch":
                row = event.data
                values = {k: v for k, v in row.items() if k not in _BOOKKEEPING}
                summaries.append(self._scalars.summary("batch/", values))
                steps.append(row["step"])
            elif event.kind == "epoch":
                values = {k: v for k, v in event.data.items() if k != "epoch"}
                summaries.append(self._scalars.summary("epoch/", values))
                steps.append(event.data.get("epoch", 0))
        with self._writer.as_default():
            if summaries:
                self._write_summaries(tf.constant(summaries), tf.constant(steps, tf.int64))
            for event in events:
                if event.kind == "image":
                    self._image(event)
        self._writer.flush()

    def _image(self, event: Event) -> None:
        import tensorflow as tf

        pixels = np.asarray(event.data["pixels"], np.uint8)
        if pixels.ndim == 2:
            pixels = pixels[..., None]
        tag = "images/predictions" if "labels" in event.data else "images/samples"
        tf.summary.image(tag, pixels[None], step=event.step)

    def close(self) -> None:
        """Writes what is left and closes the file."""
        self._writer.close()


class _ScalarValues:
    """Serialized `Summary` messages of scalar values, as TensorBoard's scalar plugin reads.

    A tag's first value is a whole message with the plugin's metadata, as `tf.summary.scalar`
    writes it; each later one is the bytes of a one-value message serialized once for the tag,
    its float (the message's last field) swapped in.
    """

    def __init__(self) -> None:
        self._heads: dict[str, bytes] = {}

    def summary(self, prefix: str, values: dict) -> bytes:
        """One `Summary` with a float32 scalar per entry of `values` (non-numbers left out)."""
        parts = []
        for name, value in values.items():
            if isinstance(value, int | float):
                head = self._heads.get(prefix + name)
                if head is None:
                    parts.append(self._first(prefix + name, value))
                else:
                    parts.append(head + _float32(value))
        return b"".join(parts)

    def _first(self, tag: str, value: float) -> bytes:
        from tensorboard.compat.proto import summary_pb2, tensor_pb2, types_pb2
        from tensorboard.plugins.scalar import metadata

        def one(value: float, **extra) -> bytes:
            tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[value])
            message = summary_pb2.Summary(value=[{"tag": tag, "tensor": tensor, **extra}])
            return message.SerializeToString()

        template = one(struct.unpack("<f", _PLACEHOLDER)[0])
        if not template.endswith(_PLACEHOLDER):
            raise RuntimeError(
                f"A scalar Summary no longer ends with its float. Received: {template!r}"
            )
        self._heads[tag] = template[: -len(_PLACEHOLDER)]
        described = metadata.create_summary_metadata(display_name=None, description=None)
        return one(struct.unpack("<f", _float32(value))[0], metadata=described)


def _float32(value: float) -> bytes:
    """The 4 bytes of a float32; values beyond its range become infinite, as a cast does."""
    try:
        return struct.pack("<f", value)
    except OverflowError:
        return struct.pack("<f", math.copysign(math.inf, value))


def _summary_writer():
    """A `tf.function` that writes `summaries[i]` (serialized) at `steps[i]`.

    It writes into the default writer of its first call: summaries in a graph keep the writer
    they were traced with, so each run has its own function.
    """
    import tensorflow as tf

    @tf.function(
        input_signature=[tf.TensorSpec([None], tf.string), tf.TensorSpec([None], tf.int64)]
    )
    def write_summaries(summaries, steps):
        for index in tf.range(tf.shape(steps)[0]):
            tf.summary.experimental.write_raw_pb(summaries[index], step=steps[index])
        return tf.constant(True)

    return write_summaries
