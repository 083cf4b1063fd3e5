"""Runs one training job from its configuration to its end, on the calling thread.

The worker thread calls `execute()` for each queued job; the command line calls it directly.
Everything a run does with TensorFlow happens inside this call.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import traceback
from collections.abc import Callable

import numpy as np

from trainers import datasets
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.events import RunLog

logger = logging.getLogger(__name__)


OUT_OF_MEMORY = (
    "The run ran out of memory. Try a smaller batch size, fewer examples (max examples) or a "
    "smaller model; the server goes on serving."
)


def failure(error: Exception, run_id: str) -> tuple[str, str | None]:
    """What a run that raised `error` ends with: its message, and a traceback to keep.

    A configuration or dataset that cannot work says so in its own words. Running out of
    memory says what to lower. Any other error is a bug: its type and message, and its
    traceback, which is also logged.

    Args:
        error: what the run raised.
        run_id: the run, named in the log.
    """
    if isinstance(error, ConfigError | datasets.DatasetError):
        return str(error), None
    where = "".join(traceback.format_exception(error))
    # TensorFlow's allocator raises ResourceExhaustedError; NumPy and Python raise MemoryError.
    if isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError":
        first_line = (str(error).strip() or type(error).__name__).splitlines()[0][:200]
        return f"{OUT_OF_MEMORY} Received: {first_line}", where
    logger.error("%s failed:\n%s", run_id, where)
    return f"{type(error).__name__}: {error}", where


def guarded(execute: Callable) -> Callable:
    """Makes an `execute(config, log, control)` that checks its config and never raises.

    A job whose configuration cannot work, that cannot start, that runs out of memory or that
    breaks ends with status `failed` and its error in `log.error` (a group's runs that had not
    ended too), as `failure` words it. Every kind of job runs through this.
    """

    @functools.wraps(execute)
    def never_raising(config, log: RunLog, control: RunControl):
        try:
            config.check()
            return execute(config, log, control)
        except Exception as error:
            log.fail(*failure(error, log.run_id))
        return None

    return never_raising


@guarded
def execute(config: RunConfig, log: RunLog, control: RunControl):
    """Trains as `config` says, streaming events to `log`; returns the `Run`.

    Never raises: a run that cannot start or that breaks ends with status `failed`.
    """
    from trainers import cluster

    if cluster.spawns(config):  # several workers, no cluster given: start them here
        return cluster.train(config, log, control)

    from trainers import devices
    from trainers.styles import trainer_for

    devices.split_cpu()
    run = prepare(config, load_data(config), log, control)
    trainer_for(config.style)(run)
    run.finish()
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

    from trainers import architectures
    from trainers.classifier_run import ClassifierRun
    from trainers.gan_run import GanRun

    # Keras' random state is per thread: seed it here, on the thread that trains.
    keras.utils.set_random_seed(config.seed)
    networks = architectures.build(config.architecture, data, latent_dim=config.latent_dim)
    run_class = GanRun if isinstance(networks, architectures.GanNetworks) else ClassifierRun
    run = run_class(config, data, networks, log, control)
    models = run.networks
    log.emit(
        "start",
        0,
        {
            "summary": "\n\n".join(summary_of(model) for model in models),
            "parameters": sum(model.count_params() for model in models),
            "initial_weights": fingerprint(w for model in models for w in model.get_weights()),
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
