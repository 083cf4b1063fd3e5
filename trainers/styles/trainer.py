"""The Trainer pattern: one training step, shared by many models.

A `Trainer` is a `Model` that wraps another model and holds the custom `train_step` and
`test_step`. Any Sequential or Functional model can be handed to it, so one training algorithm
serves them all: `Trainer(model_a)` and `Trainer(model_b)` train the same way.
"""

import keras
import tensorflow as tf

from trainers.styles import ModelStepper
from trainers.styles.fit import fit


class Trainer(keras.Model):
    def __init__(self, model, loss_fn, metric):
        super().__init__()
        self.model = model
        # Create loss and metrics here.
        self.loss_fn = loss_fn
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.metric = metric

    @property
    def metrics(self):
        # List metrics here.
        return [self.loss_tracker, self.metric]

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self.model(x, training=True)  # Forward pass
            # Compute loss value, with the losses the wrapped model's layers added.
            loss = self.loss_fn(y, y_pred, sample_weight=sample_weight) + sum(self.model.losses)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))

        # Update metrics
        self.loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
        self.metric.update_state(y, y_pred, sample_weight=sample_weight)

        # Return a dict mapping metric names to current value.
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)

        # Inference step
        y_pred = self.model(x, training=False)
        loss = self.loss_fn(y, y_pred, sample_weight=sample_weight) + sum(self.model.losses)

        # Update metrics
        self.loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
        self.metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def call(self, x):
        # Equivalent to `call()` of the wrapped keras.Model
        return self.model(x)


def build(run):
    """A compiled Trainer that wraps the run's network."""
    # Create a Trainer object from the model, then compile it.
    trainer = Trainer(run.model, loss_fn=run.loss(), metric=run.metric())
    trainer.compile(optimizer=run.optimizer, jit_compile=False)
    return trainer


def train(run):
    # Compile and fit the Trainer as any model: the same fit() call as the `fit` style.
    fit(build(run), run)


def stepper(run):
    """One batch at a time, for a race: the compiled model steps with its own `train_step`."""
    return ModelStepper(build(run), run)
