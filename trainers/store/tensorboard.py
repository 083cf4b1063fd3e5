"""A run's TensorBoard event files, in the format `tf.summary` writes.

`tensorboard --logdir <data folder>` then shows every run: scalars per batch (`batch/loss`,
`batch/mean_loss`, ..., `batch/lr`, at the batch's step), per epoch (`epoch/loss`,
`epoch/val_loss`, ..., at the epoch's number) and images (`images/samples` of a GAN,
`images/predictions` of a classifier, at their step).

The store's writer thread hands every run's events to `Boards`, which writes them at most
every `INTERVAL` seconds (and at a run's end, and on `flush`), and writing must cost training
nothing: `tf.summary.scalar` takes about 100 µs a value eagerly, and even
`tf.summary.experimental.write_raw_pb` in a graph loop 15 µs a step. So each step's scalars
become one serialized `Summary` in Python, by filling a value into bytes serialized once per
tag (protobuf messages concatenate into one), wrapped in TensorBoard's own `Event` message and
appended by TensorFlow's record writer: about 10 µs a step in all. Only a process that has
imported TensorFlow to train writes these files: nothing here imports it.
"""

from __future__ import annotations

import math
import os
import socket
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from trainers.events import BATCH_FIELDS, Event
from trainers.store import codec

# Batch fields that are the batch's bookkeeping rather than what it learnt.
_BOOKKEEPING = {name for name in BATCH_FIELDS if name != "lr"}
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
    """The TensorBoard event file of one run, in its own folder.

    Each step's values are one `Event` record, as `tf.summary`'s file writer writes them, put
    into the file by TensorFlow's own record writer (`tf.io.TFRecordWriter`: the same framing and
    checksums, in C++). Building the records here in Python rather than through `tf.summary`
    ops spares a graph call per step: about 2 µs a step instead of 15.

    Args:
        folder: where the event file goes; created if missing.
    """

    def __init__(self, folder: Path) -> None:
        import tensorflow as tf

        folder.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{time.time():.0f}.{socket.gethostname()}.{os.getpid()}.v2"
        self._file = tf.io.TFRecordWriter(str(folder / name))
        self._record(file_version="brain.Event:2")
        self._scalars = _ScalarValues()

    def write(self, events: list[Event]) -> None:
        """Writes the scalars and images of these events, then flushes the file."""
        for event in events:
            if event.kind == "batch":
                row = event.data
                values = {k: v for k, v in row.items() if k not in _BOOKKEEPING}
                self._record(self._scalars.summary("batch/", values), step=row["step"])
            elif event.kind == "epoch":
                values = {k: v for k, v in event.data.items() if k != "epoch"}
                self._record(self._scalars.summary("epoch/", values), event.data.get("epoch", 0))
            elif event.kind == "image":
                self._record(_image(event.data), step=event.step)
        self._file.flush()

    def _record(self, summary: bytes = b"", step: int = 0, **fields) -> None:
        from tensorboard.compat.proto import event_pb2

        event = event_pb2.Event(wall_time=time.time(), step=step, **fields)
        if summary:
            event.summary.MergeFromString(summary)
        self._file.write(event.SerializeToString())

    def close(self) -> None:
        """Writes what is left and closes the file."""
        self._file.close()


def _image(data: dict) -> bytes:
    """A serialized `Summary` of one image as `tf.summary.image` writes it: a string tensor of
    width, height and PNG bytes, for TensorBoard's image plugin."""
    from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
    from tensorboard.plugins.image import metadata

    pixels = np.asarray(data["pixels"], np.uint8)
    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    height, width = pixels.shape[:2]
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[{"size": 3}]),
        string_val=[str(width).encode(), str(height).encode(), codec.to_png(pixels)],
    )
    tag = "images/predictions" if "labels" in data else "images/samples"
    described = metadata.create_summary_metadata(display_name=None, description=None)
    value = summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=described)
    return summary_pb2.Summary(value=[value]).SerializeToString()


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
