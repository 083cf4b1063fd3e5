"""A run that trains one network to classify or regress: what its style is handed.

Besides the batches and reports every run has (`trainers.run.Run`), a classifier run offers
the task's loss and metric, fresh for each caller, shows a few validation predictions at each
epoch's end, and leaves test results: metrics, a confusion matrix, the misclassified examples.
"""

from __future__ import annotations

from functools import partial

import keras
import numpy as np

from trainers.architectures import Classifier
from trainers.config import RunConfig
from trainers.control import RunControl
from trainers.datasets import Dataset
from trainers.events import RunLog
from trainers.images import tile, to_pixels
from trainers.records_aside import RecordsAside
from trainers.run import Run

PREVIEW_SIZE = 8  # validation examples shown with their predictions at each epoch end
GALLERY_SIZE = 24  # misclassified test examples kept for the gallery
SCATTER_SIZE = 500  # regression points kept for the predicted-against-true plot


class ClassifierRun(Run):
    """A run of one network that classifies (or regresses).

    Attributes:
        model: the network to train.
        from_logits: whether it outputs logits rather than probabilities.
    """

    def __init__(
        self,
        config: RunConfig,
        data: Dataset,
        networks: Classifier,
        log: RunLog,
        control: RunControl,
    ) -> None:
        self.model = networks.model
        self.from_logits = networks.from_logits
        super().__init__(config, data, log, control)

    @property
    def networks(self) -> list[keras.Model]:
        return [self.model]

    def model_copy(self) -> keras.Model:
        """The run's network built again, in the current scope (a distribution strategy's),
        with its weights and the state of its random layers: it trains as the original would.
        """
        copy = keras.models.clone_model(self.model)
        copy.set_weights(self.model.get_weights())
        for layer, copied in zip(self.model.layers, copy.layers, strict=True):
            if hasattr(layer, "seed_generator"):  # Dropout draws its masks from this state
                copied.seed_generator.state.assign(layer.seed_generator.state)
        return copy

    def callback(self, reports: str = "means") -> keras.callbacks.Callback:
        """A Keras callback that reports `fit()`'s batches and epochs to this run, recording
        each batch from Keras' own threads while the next one trains (`RecordsAside`)."""
        return RecordsAside(self, reports)

    # The loss and metrics of the task, fresh for each caller.

    @property
    def is_regression(self) -> bool:
        return self.data.task == "regression"

    def loss(self, reduction: str | None = "sum_over_batch_size") -> keras.losses.Loss:
        """The task's loss: cross-entropy for classes, mean squared error for regression.

        Args:
            reduction: the batch's mean by default; None for one loss per example, which a
                distributed loop averages over the global batch itself.
        """
        if self.is_regression:
            return keras.losses.MeanSquaredError(reduction=reduction)
        return keras.losses.SparseCategoricalCrossentropy(
            from_logits=self.from_logits, reduction=reduction
        )

    def metric(self, prefix: str = "") -> keras.metrics.Metric:
        """The task's metric: accuracy for classes, mean absolute error for regression."""
        if self.is_regression:
            return keras.metrics.MeanAbsoluteError(name=prefix + "mae")
        return keras.metrics.SparseCategoricalAccuracy(name=prefix + "accuracy")

    def report_epoch(self, epoch: int, metrics: dict) -> None:
        """Records an epoch's metrics, then previews the model's predictions."""
        super().report_epoch(epoch, metrics)
        self.preview_predictions(epoch)

    def preview_predictions(self, epoch: int) -> None:
        """Emits a few validation examples with what the model now predicts for them."""
        if self.is_regression or self.data.kind != "image" or not len(self.data.x_val):
            return
        x, y = self.data.x_val[:PREVIEW_SIZE], self.data.y_val[:PREVIEW_SIZE]
        probabilities = self.probabilities(x)
        self.recorder.emit(
            "image",
            {
                "step": self.recorder.step,
                "epoch": epoch + 1,
                "title": f"epoch {epoch + 1}",
                "pixels": tile(x),
                "labels": [
                    {"true": int(t), "predicted": int(p.argmax()), "confidence": float(p.max())}
                    for t, p in zip(y, probabilities, strict=True)
                ],
            },
        )

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (or regression outputs) of the model, batched.

        The model runs on batches of 256 through `predict_on_batch`, Keras' compiled predict
        step: `predict()` builds an input pipeline at every call, which costs more than an
        epoch of mnist-5k for an epoch's preview, and an eager call of the model takes 2.8 ms
        for it, 1.5% of a 70-batch epoch, against 0.8 ms. On several replicas, though, the
        predict step hands each replica the whole batch, so there the model is called eagerly.
        """
        if self.model.distribute_strategy.num_replicas_in_sync == 1:
            predict = self.model.predict_on_batch
        else:
            predict = partial(self.model, training=False)
        outputs = np.concatenate(
            [
                keras.ops.convert_to_numpy(predict(x[start : start + 256]))
                for start in range(0, len(x), 256)
            ]
        )
        if not self.is_regression and self.from_logits:
            outputs = keras.ops.convert_to_numpy(keras.ops.softmax(outputs))
        return outputs

    def results(self) -> dict:
        """Test metrics, and what the test predictions show.

        Measured on the dataset's own test split, or on the validation split when it has
        none; regression leaves points for a predicted-against-true plot, classification a
        confusion matrix and the first misclassified examples.
        """
        data = self.data
        has_test = data.x_test is not None
        x, y = (data.x_test, data.y_test) if has_test else (data.x_val, data.y_val)
        if not len(x):
            return {}
        outputs = self.probabilities(x)
        split = "test" if has_test else "validation"
        if self.is_regression:
            errors = outputs - y
            keep = slice(0, SCATTER_SIZE)
            return {
                "split": split,
                "test": {"loss": float(np.mean(errors**2)), "mae": float(np.mean(np.abs(errors)))},
                "regression": {"true": y[keep, 0].tolist(), "predicted": outputs[keep, 0].tolist()},
            }
        predicted = outputs.argmax(axis=1)
        picked = outputs[np.arange(len(y)), y]
        confusion = np.zeros((data.num_classes, data.num_classes), dtype=int)
        np.add.at(confusion, (y, predicted), 1)
        return {
            "split": split,
            "test": {
                "loss": float(-np.mean(np.log(np.clip(picked, 1e-7, 1)))),
                "accuracy": float(np.mean(predicted == y)),
            },
            "confusion": confusion.tolist(),
            "class_names": data.class_names,
            "misclassified": self._misclassified(x, y, outputs, predicted),
        }

    def _misclassified(self, x, y, outputs, predicted) -> list[dict]:
        # The first GALLERY_SIZE mistakes, with their pixels when the inputs are images.
        images = self.data.kind == "image"
        return [
            {
                "index": int(i),
                "pixels": to_pixels(x[i]) if images else None,
                "true": int(y[i]),
                "predicted": int(predicted[i]),
                "confidence": float(outputs[i].max()),
            }
            for i in np.flatnonzero(predicted != y)[:GALLERY_SIZE]
        ]
