"""A `GradientTape` loop that trains one model in several processes at once.

`tf.distribute.MultiWorkerMirroredStrategy` keeps a copy of the model in every worker process.
Each worker reads its own share of every global batch from a distributed dataset, computes its
gradients, and the strategy adds them up across all workers (an all-reduce over the network),
so every copy applies the same update. The workers find each other through the `TF_CONFIG`
environment variable, which lists the cluster's addresses and says which task this process
is; one of them, the chief, reports the run. Without `TF_CONFIG` the strategy trains in this
one process.

The loop is the guide's custom training loop, with two changes for distribution:
`strategy.run()` calls the step on every replica, and each replica averages its per-example
losses over the *global* batch (`tf.nn.compute_average_loss`), so that adding the replicas'
gradients gives the gradient of the global batch's mean loss.
"""

import keras
import tensorflow as tf

from trainers import cluster


def train(run):
    # A worker of a cluster made its strategy before TensorFlow ran anything (TensorFlow
    # wants it so); a run in one process makes its own.
    strategy = cluster.joined or tf.distribute.MultiWorkerMirroredStrategy()

    # Everything that creates variables goes inside the strategy's scope.
    with strategy.scope():
        # The run's network, copied with its initial weights: every style starts the same.
        model = run.model_copy()
        optimizer = keras.optimizers.get(keras.optimizers.serialize(run.optimizer))
        train_metric = run.metric()
        val_metric = run.metric(prefix="val_")
        val_loss_tracker = keras.metrics.Mean(name="val_loss")
    run.model, run.optimizer = model, optimizer  # what the run previews, steers and keeps
    loss_fn = run.loss(reduction=None)  # one loss per example: averaged below

    # Each worker reads its share of every global batch (sharded by data, not by file).
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    train_batches = strategy.experimental_distribute_dataset(
        run.train_dataset().with_options(options)
    )

    def train_step(inputs):
        x, y, *sample_weight = inputs
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            per_example_loss = loss_fn(y, predictions)
            # The mean over the global batch: the replicas' losses add up to it.
            loss = tf.nn.compute_average_loss(per_example_loss, *sample_weight)
            if model.losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        gradients = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(gradients, model.trainable_weights))
        train_metric.update_state(y, predictions, *sample_weight)
        return loss

    def test_step(inputs):
        x, y = inputs
        predictions = model(x, training=False)
        val_loss_tracker.update_state(loss_fn(y, predictions))
        val_metric.update_state(y, predictions)

    @tf.function
    def distributed_train_step(inputs):
        per_replica_losses = strategy.run(train_step, args=(inputs,))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

    @tf.function
    def distributed_test_step(inputs):
        strategy.run(test_step, args=(inputs,))

    batches = iter(train_batches)
    for epoch in range(run.epochs):
        for step in range(run.steps_per_epoch):
            loss = distributed_train_step(next(batches))
            means = {train_metric.name: train_metric.result()}
            if not run.report_batch(epoch, step, own={"loss": loss}, means=means):
                return

        # Validate at the end of each epoch, spread over the workers too.
        epoch_metrics = {
            "loss": run.recorder.mean("loss"),
            train_metric.name: train_metric.result(),
        }
        if run.validation_data():
            validation = tf.data.Dataset.from_tensor_slices(run.validation_data())
            validation = validation.batch(run.batch_size).with_options(options)
            for inputs in strategy.experimental_distribute_dataset(validation):
                distributed_test_step(inputs)
            epoch_metrics[val_loss_tracker.name] = val_loss_tracker.result()
            epoch_metrics[val_metric.name] = val_metric.result()
        for metric in (train_metric, val_metric, val_loss_tracker):
            metric.reset_state()
        run.report_epoch(epoch, epoch_metrics)
