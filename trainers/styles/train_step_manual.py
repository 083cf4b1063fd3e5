"""Going lower-level: a `train_step` with its own loss and metric trackers.

Here `compile()` configures only the optimizer. The model computes its own loss and keeps its
own `Metric` objects, updated with `update_state()` and read with `result()`. Listing them in
the `metrics` property lets `fit()` call `reset_state()` on them at the start of every epoch
and of every `evaluate()`; otherwise you would reset them yourself.
"""

import keras
import tensorflow as tf

from trainers.styles import ModelStepper
from trainers.styles.fit import fit


class CustomModel(keras.Model):
    def __init__(self, *args, loss_fn, metric, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_fn = loss_fn
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.metric = metric

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute our own loss, plus any losses the layers added with `add_loss()`.
            loss = self.loss_fn(y, y_pred, sample_weight=sample_weight) + sum(self.losses)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply(gradients, trainable_vars)

        # Compute our own metrics
        self.loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
        self.metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {"loss": self.loss_tracker.result(), self.metric.name: self.metric.result()}

    def test_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.loss_fn(y, y_pred, sample_weight=sample_weight) + sum(self.losses)
        self.loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
        self.metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {"loss": self.loss_tracker.result(), self.metric.name: self.metric.result()}

    @property
    def metrics(self):
        # We list our `Metric` objects here so that `reset_state()` can be called
        # automatically at the start of each epoch or at the start of `evaluate()`.
        return [self.loss_tracker, self.metric]


def build(run):
    """The run's network as a compiled CustomModel with its own loss and metric."""
    model = CustomModel(
        inputs=run.model.inputs,
        outputs=run.model.outputs,
        loss_fn=run.loss(),
        metric=run.metric(),
    )
    # We don't pass a loss or metrics here.
    model.compile(optimizer=run.optimizer, jit_compile=False)
    return model


def train(run):
    # Just use `fit` as usual (the `fit` style's own call) -- you can use callbacks, etc.
    fit(build(run), run)


def stepper(run):
    """One batch at a time, for a race: the compiled model steps with its own `train_step`."""
    return ModelStepper(build(run), run)
