"""A run's TensorBoard event files, in the format `tf.summary` writes, written from the store.

`python -m trainers tensorboard` (or `export --format tensorboard`) writes them; then
`tensorboard --logdir <data folder>/tensorboard` shows every run: scalars per batch
(`batch/loss`, `batch/mean_loss`, ..., `batch/lr`, at the batch's step), per epoch
(`epoch/loss`, `epoch/val_loss`, ..., at the epoch's number) and images (`images/samples` of a
GAN, `images/predictions` of a classifier, at their step).

They are written on demand, not while a run trains: the store already keeps every value, in a
few bytes a batch, and event files repeat every tag's name with every value (hundreds of bytes a
batch), so writing them live would cost a run's training time and most of its disk for what a
person may never open. A run's files are written anew when it has more steps, or another status,
than when they were last written (`written.json` beside them says).

Each step's scalars become one serialized `Summary` in Python, by filling a value into bytes
serialized once per tag (protobuf messages concatenate into one), wrapped in TensorBoard's own
`Event` message and appended by TensorFlow's record writer: about 10 µs a step, where
`tf.summary.scalar` takes about 100 µs a value.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
import struct
import time
from pathlib import Path

import numpy as np
import orjson

from trainers.events import BATCH_FIELDS, Event
from trainers.store import codec
from trainers.store.database import Store

# Batch fields that are the batch's bookkeeping rather than what it learnt.
_BOOKKEEPING = {name for name in BATCH_FIELDS if name != "lr"}
_PLACEHOLDER = struct.pack("<f", 1.25)
WRITTEN = "written.json"  # beside a run's event files: the steps and status they hold


def write_all(store: Store) -> list[str]:
    """Brings the event files of every run of the store up to date (`write_run`).

    Returns:
        The ids of the runs whose files were written now.
    """
    written = []
    for run in store.runs():
        if run["kind"] in ("race", "lab"):  # a group's runs have their own files
            continue
        marker = store.tensorboard_dir(run["run_id"]) / WRITTEN
        held = orjson.loads(marker.read_bytes()) if marker.exists() else None
        if held != {"steps": run["steps"], "status": run["status"]}:
            write_run(store, run["run_id"])
            written.append(run["run_id"])
    return written


def write_run(store: Store, run_id: str) -> None:
    """Writes a run's event files anew from the store, each of a group's runs in its folder."""
    children = [run["run_id"] for run in store.runs() if run["parent"] == run_id]
    for target in children or [run_id]:
        snapshot, row = store.snapshot(target), store.run(target)
        folder = store.tensorboard_dir(target)
        shutil.rmtree(folder, ignore_errors=True)
        batches = snapshot["batches"]
        events = [
            Event("batch", step, {name: values[index] for name, values in batches.items()})
            for index, step in enumerate(batches.get("step", ()))
        ]
        events += [Event("epoch", 0, epoch) for epoch in snapshot["epochs"]]
        events += [Event("image", image["step"], image) for image in snapshot["images"]]
        files = RunEvents(folder)
        files.write(events)
        files.close()
        marker = {"steps": row["steps"], "status": row["status"]}
        (folder / WRITTEN).write_bytes(orjson.dumps(marker))


class RunEvents:
    """The TensorBoard event file of one run, in its own folder.

    Each step's values are one `Event` record, as `tf.summary`'s file writer writes them, put
    into the file by TensorFlow's own record writer (`tf.io.TFRecordWriter`: the same framing and
    checksums, in C++), which loads TensorFlow.

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
