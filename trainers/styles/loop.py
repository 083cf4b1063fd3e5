"""A training loop written from scratch with `GradientTape`, eager or compiled.

For each epoch, for each batch: open a `GradientTape`, run the forward pass and compute the
loss inside it, then ask the tape for the gradients of the loss with respect to the weights,
and let the optimizer apply them. Metrics are updated with `update_state()`, read with
`result()` and cleared with `reset_state()` at the end of each epoch.

Eager execution runs one operation after another: easy to debug, but slow. Wrapping the steps
in `tf.function` compiles them into a graph that TensorFlow can optimize as a whole.
"""

import keras
import tensorflow as tf

from trainers.styles import Steps


def make_steps(run, use_tf_function=False):
    """Builds this run's training step and its end-of-epoch validation.

    Returns:
        `train_step(x, y, sample_weight)`, which trains on one batch and returns its loss
        and the training metric's running value; that metric; and `end_epoch()`, which
        validates, returns the epoch's metrics (the loss too) and resets them all.
    """
    model = run.model
    # Instantiate an optimizer, a loss function and the metrics.
    optimizer = run.optimizer
    loss_fn = run.loss()
    train_metric = run.metric()
    val_metric = run.metric(prefix="val_")
    val_loss_tracker = keras.metrics.Mean(name="val_loss")

    def train_step(x, y, sample_weight):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits, sample_weight=sample_weight)
            # Add any extra losses created during the forward pass.
            loss_value += sum(model.losses)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_metric.update_state(y, logits, sample_weight=sample_weight)
        # The running metric is read here, inside the compiled step, for the live charts.
        return loss_value, train_metric.result()

    def test_step(x, y):
        val_logits = model(x, training=False)
        val_loss = loss_fn(y, val_logits) + sum(model.losses)
        val_loss_tracker.update_state(val_loss, sample_weight=tf.shape(x)[0])
        val_metric.update_state(y, val_logits)

    if use_tf_function:
        # Compiled here, for this run's model and optimizer: a tf.function keeps the
        # variables it first traced, so it is never shared between runs.
        train_step = tf.function(train_step)
        test_step = tf.function(test_step)

    def end_epoch():
        loss = run.recorder.mean("loss")  # the mean over the epoch of the batches' own losses
        epoch_metrics = {"loss": loss, train_metric.name: train_metric.result()}

        # Run a validation loop at the end of each epoch.
        for x, y in run.validation_batches():
            test_step(x, y)
        if len(run.data.x_val):
            epoch_metrics[val_loss_tracker.name] = val_loss_tracker.result()
            epoch_metrics[val_metric.name] = val_metric.result()

        # Reset the metrics at the end of each epoch.
        for metric in (train_metric, val_metric, val_loss_tracker):
            metric.reset_state()
        return epoch_metrics

    return train_step, train_metric, end_epoch


def train(run, use_tf_function=False):
    train_step, train_metric, end_epoch = make_steps(run, use_tf_function)

    for epoch in range(run.epochs):
        # Iterate over the batches of the dataset.
        for step, (x, y, sample_weight) in enumerate(run.batches(epoch)):
            loss_value, metric_value = train_step(x, y, sample_weight)
            # The loss is this batch's own; the metric is a mean over the epoch so far.
            means = {train_metric.name: metric_value}
            if not run.report_batch(epoch, step, own={"loss": loss_value}, means=means):
                return

        run.report_epoch(epoch, end_epoch())


def stepper(run, use_tf_function=False):
    """One batch at a time, for a race: this loop's own steps."""
    train_step, train_metric, end_epoch = make_steps(run, use_tf_function)

    def train_batch(x, y, sample_weight):
        loss_value, metric_value = train_step(x, y, sample_weight)
        return {"loss": loss_value}, {train_metric.name: metric_value}

    return Steps(train_batch, end_epoch)
