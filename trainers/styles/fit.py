"""Built-in training: `compile()`, then `fit()`.

The shortest way to train a Keras model. `fit()` runs the loop, computes the loss and the
metrics, and calls its callbacks after every batch: Looplab's callback is how the batches
reach the live charts.
"""

from trainers.styles import ModelStepper


def build(run):
    """The run's network, compiled with the task's loss and metric."""
    model = run.model
    model.compile(
        optimizer=run.optimizer,
        loss=run.loss(),
        metrics=[run.metric()],
        jit_compile=False,  # the same arithmetic as the other styles, for a fair comparison
    )
    return model


def train(run):
    fit(build(run), run)


def fit(model, run):
    """Calls `model.fit()` on the run's batches, with its validation data and live callback.

    The styles that override `train_step` train through this same call.
    """
    model.fit(
        # One dataset holds every epoch's batches, in Looplab's seeded order,
        # so fit() reads `steps_per_epoch` batches per epoch and never reshuffles.
        run.train_dataset(),
        epochs=run.epochs,
        steps_per_epoch=run.steps_per_epoch,
        validation_data=run.validation_data(),
        callbacks=[run.callback()],
        shuffle=False,  # the order is already Looplab's own
        verbose=0,
    )


def stepper(run):
    """One batch at a time, for a race: the compiled model steps with its own `train_step`."""
    return ModelStepper(build(run), run)
