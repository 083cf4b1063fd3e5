"""A loop over `train_on_batch()`, lowering the learning rate late in training.

`train_on_batch()` trains on one batch you hand it, with the loss and metrics of `compile()`,
and gives control back after every batch, without callbacks. That makes it easy to change
things between batches: here the learning rate is halved at a chosen epoch.

Keras 3 resets the metrics at every `train_on_batch()` and `test_on_batch()` call, so what they
return is the batch's own values; averages over an epoch are ours to compute.
"""

import numpy as np

from trainers.styles import ModelStepper


def build(run):
    """The run's network, compiled with the task's loss and metric."""
    model = run.model
    model.compile(
        optimizer=run.optimizer, loss=run.loss(), metrics=[run.metric()], jit_compile=False
    )
    return model


def train(run):
    model = build(run)
    for epoch in range(run.epochs):
        # Reduce the learning rate at the late stage of training.
        if epoch + 1 == run.config.halve_lr_epoch:
            model.optimizer.learning_rate = float(model.optimizer.learning_rate) / 2.0
            run.recorder.mark("learning_rate", float(model.optimizer.learning_rate))

        train_logs = []
        for step, (x, y, sample_weight) in enumerate(run.batches(epoch)):
            logs = model.train_on_batch(x, y, sample_weight=sample_weight, return_dict=True)
            train_logs.append((logs, len(x)))
            if not run.report_batch(epoch, step, own=logs):
                return

        valid_logs = []
        for x, y in run.validation_batches():
            valid_logs.append((model.test_on_batch(x, y, return_dict=True), len(x)))

        run.report_epoch(epoch, average(train_logs) | average(valid_logs, prefix="val_"))


def average(batch_logs, prefix=""):
    """Averages per-batch logs over the examples of all batches."""
    if not batch_logs:
        return {}
    sizes = [size for _, size in batch_logs]
    return {
        prefix + name: np.average([logs[name] for logs, _ in batch_logs], weights=sizes)
        for name in batch_logs[0][0]
    }


def stepper(run):
    """One batch at a time, for a race: the compiled model steps with its own `train_step`."""
    return ModelStepper(build(run), run)
