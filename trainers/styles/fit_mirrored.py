"""`fit()` on several devices of one machine, with `tf.distribute.MirroredStrategy`.

The strategy keeps one copy (replica) of the model on each device. Every step it splits the
global batch into one slice per replica, each replica computes its gradients on its slice, and
the strategy adds them up across replicas (an all-reduce) so that every copy applies the same
update and the copies stay identical. The global batch is the per-replica batch times the
number of replicas.

Everything that creates variables (the model, the optimizer, the metrics) is created inside
`strategy.scope()`; `fit()` itself needs no change. Without a GPU, the replicas are logical
CPU devices (`trainers.devices`): the same arithmetic, on the same cores.
"""

import keras
import tensorflow as tf

from trainers.devices import replica_devices
from trainers.styles.fit import fit


def train(run):
    devices = replica_devices()[: run.config.replicas]
    if len(devices) < run.config.replicas:
        raise RuntimeError(
            f"This process has {len(devices)} device(s) for {run.config.replicas} replicas: "
            "set LOOPLAB_CPU_DEVICES (or add GPUs) before Looplab starts. "
            f"Received: replicas={run.config.replicas}"
        )
    strategy = tf.distribute.MirroredStrategy(devices)

    # Open a strategy scope: the variables created inside are mirrored on every device.
    with strategy.scope():
        # The run's network, copied with its initial weights: every style starts the same.
        model = run.model_copy()
        optimizer = keras.optimizers.get(keras.optimizers.serialize(run.optimizer))
        model.compile(
            optimizer=optimizer,
            loss=run.loss(),
            metrics=[run.metric()],
            jit_compile=False,
        )
    run.model, run.optimizer = model, optimizer  # what the run previews, steers and keeps

    # Each batch of `run.train_dataset()` is a global batch: `run.batch_size` examples, split
    # into `strategy.num_replicas_in_sync` slices of the per-replica batch size.
    fit(model, run)
