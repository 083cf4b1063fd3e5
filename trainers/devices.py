"""The devices a run can spread over: GPUs, or logical CPU devices on a machine without one.

`tf.distribute.MirroredStrategy` keeps one copy of the model per device. A machine without a
GPU has a single CPU device, so Looplab splits it into `$LOOPLAB_CPU_DEVICES` logical devices
(2 unless set) when TensorFlow loads. They share the same cores: on a CPU, two replicas show how
distributed training works, not a speed-up. TensorFlow fixes its devices when it initializes,
so the split must happen before any tensor exists; `split_cpu()` is called where Looplab first
imports TensorFlow, and later calls change nothing.
"""

from __future__ import annotations

import contextlib
import os

import tensorflow as tf

CPU_DEVICES_VARIABLE = "LOOPLAB_CPU_DEVICES"
DEFAULT_CPU_DEVICES = 2


def split_cpu() -> None:
    """Splits the CPU into logical devices, once, before TensorFlow initializes.

    Raises:
        ValueError: for a `$LOOPLAB_CPU_DEVICES` that is not a whole number from 1 to 64.
    """
    given = os.environ.get(CPU_DEVICES_VARIABLE, str(DEFAULT_CPU_DEVICES))
    if not given.strip().isdigit() or not 1 <= int(given) <= 64:
        raise ValueError(
            f"{CPU_DEVICES_VARIABLE} must be a whole number from 1 to 64. Received: {given!r}"
        )
    cpu = tf.config.list_physical_devices("CPU")[0]
    if tf.config.list_physical_devices("GPU") or tf.config.get_logical_device_configuration(cpu):
        return
    # Once TensorFlow has initialized, its devices are fixed for this process: keep them.
    with contextlib.suppress(RuntimeError):
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * int(given)
        )


def replica_devices() -> list[str]:
    """The devices a mirrored run can use: every GPU, else every logical CPU device."""
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return [device.name for device in devices]
