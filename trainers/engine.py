"""Runs one training job from its configuration to its end, on the calling thread.

The worker thread calls `execute()` for each queued job; the command line calls it directly.
Everything a run does with TensorFlow happens inside this call.
"""

from __future__ import annotations

import hashlib
import io
import logging
import traceback

import numpy as np

from trainers import datasets
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.events import DIVERGED, FAILED, RunLog
from trainers.images import to_pixels

logger = logging.getLogger(__name__)

GALLERY_SIZE = 24  # misclassified test examples kept for the gallery
SCATTER_SIZE = 500  # regression points kept for the predicted-against-true plot


def execute(config: RunConfig, log: RunLog, control: RunControl):
    """Trains as `config` says, streaming events to `log`; returns the `Run` (or None).

    Never raises: a run that cannot start or that breaks ends with status `failed` and its
    error in `log.error`.
    """
    run = None
    try:
        config.check()
        data = load_data(config)
        run = prepare(config, data, log, control)
        from trainers.styles import trainer_for

        trainer_for(config.style)(run)
        outcome = run.recorder.outcome
        # A diverged network predicts NaN: there are no test results worth showing.
        result = {} if outcome == DIVERGED else results(run)
        log.emit("end", run.recorder.step, {"status": outcome, "result": result})
    except (ConfigError, datasets.DatasetError) as error:
        log.emit("end", _step(run), {"status": FAILED, "error": str(error)})
    except Exception as error:
        logger.error("Run %s failed:\n%s", log.run_id, traceback.format_exc())
        log.emit("end", _step(run), {"status": FAILED, "error": f"{type(error).__name__}: {error}"})
    return run


def load_data(config: RunConfig) -> datasets.Dataset:
    """Loads the run's dataset and attaches the per-example weights its config asks for."""
    data = datasets.load_dataset(
        config.dataset,
        seed=config.seed,
        validation_split=config.validation_split,
        max_examples=config.max_examples,
        classes=config.classes,
    )
    if not config.use_sample_weight:
        data.sample_weight = None
    elif data.sample_weight is None:
        raise ConfigError(
            f"'{data.name}' has no 'sample_weight' array; turn sample weights off or add one."
        )
    if config.class_weight:
        weights = class_weights(config.class_weight, data.y_train, data.num_classes)
        per_example = weights[data.y_train]
        if data.sample_weight is not None:
            per_example = per_example * data.sample_weight
        data.sample_weight = per_example.astype("float32")
    return data


def class_weights(setting: str | dict, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Weights per class: `'balanced'` (inverse frequency) or a mapping, others weigh 1.

    Balanced weights average 1 over the examples, like scikit-learn's: only the classes that
    occur count, so keeping a few classes of a dataset leaves the loss on its usual scale.
    """
    if setting == "balanced":
        counts = np.bincount(labels, minlength=num_classes).astype("float64")
        return len(labels) / (np.count_nonzero(counts) * np.maximum(counts, 1))
    weights = np.ones(num_classes)
    for label, weight in setting.items():
        if not 0 <= label < num_classes:
            raise ConfigError(
                f"class_weight names class {label}, but the labels run from 0 to "
                f"{num_classes - 1}. Received: class_weight={setting!r}"
            )
        weights[label] = weight
    return weights


def prepare(config: RunConfig, data: datasets.Dataset, log: RunLog, control: RunControl):
    """Seeds this thread, builds the networks and the `Run`, and emits the `start` event."""
    import keras

    from trainers import architectures, styles
    from trainers.run import Run

    # Keras' random state is per thread: seed it here, on the thread that trains.
    keras.utils.set_random_seed(config.seed)
    networks = architectures.build(config.architecture, data, latent_dim=config.latent_dim)
    run = Run(config, data, networks, log, control)
    models = [run.generator, run.discriminator] if run.is_gan else [run.model]
    log.emit(
        "start",
        0,
        {
            "summary": "\n\n".join(summary_of(model) for model in models),
            "parameters": sum(model.count_params() for model in models),
            "initial_weights": fingerprint(w for model in models for w in model.get_weights()),
            "source": styles.source_of(config.style),
            "steps_per_epoch": run.steps_per_epoch,
            "examples": {"train": len(data.x_train), "validation": len(data.x_val)},
            "class_names": data.class_names,
        },
    )
    return run


def fingerprint(weights) -> str:
    """The SHA-256 of weight arrays, in order: equal fingerprints mean equal weights."""
    digest = hashlib.sha256()
    for array in weights:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def summary_of(model) -> str:
    """The text of `model.summary()`."""
    text = io.StringIO()
    model.summary(print_fn=lambda line, *args, **kwargs: text.write(line + "\n"))
    return text.getvalue()


def results(run) -> dict:
    """What the run leaves at its end: test metrics and what the test predictions show.

    A GAN leaves its last sample grid, the `quality` of its digits (or None), and an
    `interpolation` strip: uint8 pixels of the images between two fixed samples.
    """
    data = run.data
    if run.is_gan:
        images = run.recorder.log.images
        # The last grid, unless the run just drew one at this very step.
        fresh = images and images[-1]["step"] == run.recorder.step
        final = images[-1] if fresh else run.sample_grid()
        return {"interpolation": run.interpolation(), "quality": final.get("quality")}
    x, y = (data.x_test, data.y_test) if data.x_test is not None else (data.x_val, data.y_val)
    if not len(x):
        return {}
    outputs = run.probabilities(x)
    split = "test" if data.x_test is not None else "validation"
    if run.is_regression:
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
    wrong = np.flatnonzero(predicted != y)[:GALLERY_SIZE]
    return {
        "split": split,
        "test": {
            "loss": float(-np.mean(np.log(np.clip(picked, 1e-7, 1)))),
            "accuracy": float(np.mean(predicted == y)),
        },
        "confusion": confusion.tolist(),
        "class_names": data.class_names,
        "misclassified": [
            {
                "index": int(i),
                "pixels": to_pixels(x[i]) if data.kind == "image" else None,
                "true": int(y[i]),
                "predicted": int(predicted[i]),
                "confidence": float(outputs[i].max()),
            }
            for i in wrong
        ],
    }


def _step(run) -> int:
    return run.recorder.step if run is not None else 0
