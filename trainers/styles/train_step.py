"""`fit()` with an overridden `train_step` and `test_step`.

When you need your own training algorithm but still want `fit()`'s conveniences (callbacks,
validation, progress), override the training step of the `Model` class. `fit()` calls
`train_step(data)` for every batch, and `evaluate()` calls `test_step(data)`.

The loss is the one configured in `compile()`, computed by `self.compute_loss()`, which also
adds the losses that layers create with `add_loss()`. The metrics are those of `self.metrics`:
the loss tracker and the compiled metrics.
"""

import keras
import tensorflow as tf

from trainers.styles import ModelStepper
from trainers.styles.fit import fit


class CustomModel(keras.Model):
    def train_step(self, data):
        # Unpack the data. Its structure depends on your model and on what you pass to
        # `fit()`; a third element, when present, holds per-example weights.
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute the loss value (the loss function is configured in `compile()`).
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply(gradients, trainable_vars)

        # Update metrics (includes the metric that tracks the loss)
        self.update_metrics(x, y, y_pred, loss, sample_weight)

        # Return a dict mapping metric names to current value
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        # Compute predictions
        y_pred = self(x, training=False)
        # Compute the loss and update the metrics that track it and the others
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        self.update_metrics(x, y, y_pred, loss, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def update_metrics(self, x, y, y_pred, loss, sample_weight):
        for metric in self.metrics:
            if metric.name == "loss":
                # Weigh the batch by its size, as fit() does, so the epoch's loss is a mean
                # over examples even when the last batch is smaller.
                metric.update_state(loss, sample_weight=tf.shape(x)[0])
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)


def build(run):
    """The run's network as a compiled CustomModel."""
    # Any Sequential or Functional network becomes a CustomModel with the same layers.
    model = CustomModel(inputs=run.model.inputs, outputs=run.model.outputs)
    model.compile(
        optimizer=run.optimizer, loss=run.loss(), metrics=[run.metric()], jit_compile=False
    )
    return model


def train(run):
    # Just use `fit` as usual (the `fit` style's own call).
    fit(build(run), run)


def stepper(run):
    """One batch at a time, for a race: the compiled model steps with its own `train_step`."""
    return ModelStepper(build(run), run)
