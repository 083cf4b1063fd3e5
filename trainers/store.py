"""A run's outputs on disk: what the command line leaves in its `--out` folder.

A `RunStore` listens to a run's events and writes as they arrive, so a run that is killed keeps
the batches it trained; `finish()` writes the rest once the run has ended:

- `summary.json`: status, error, configuration, final metrics, steps, speed and time, and for
  GANs the list of saved sample grids.
- `metrics.csv`: one row per batch: step, epoch, batch, each metric (the batch's own value and
  the epoch's running `mean_`), learning rate and seconds of training.
- `weights.npz`: the trained network's weights in layer order, keyed `000_dense_kernel`, ...
- `model.keras`: the trained network, saved with `model.save()`.
- `samples/step_000050.png`: each sample grid of a GAN.

For a GAN the network saved is its generator.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from trainers import catalog
from trainers.events import BATCH_FIELDS, FAILED, Event, RunLog

SUMMARY, METRICS, WEIGHTS, MODEL, SAMPLES = (
    "summary.json",
    "metrics.csv",
    "weights.npz",
    "model.keras",
    "samples",
)


class RunStore:
    """Writes one run's outputs into a folder, subscribed to its `RunLog`.

    Args:
        folder: where the files go; created if missing.
        log: the run's event log; the store subscribes to it at once.
    """

    def __init__(self, folder: str | Path, log: RunLog) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = log
        self.is_gan = _is_gan(log.config)
        self.samples: dict[str, dict] = {}  # file name -> its entry in the summary
        self._metrics_file = None
        self._metrics: csv.DictWriter | None = None
        log.subscribe(self.record)

    def record(self, event: Event) -> None:
        """Writes what one event adds: a row of metrics.csv, or a GAN's sample grid."""
        if event.kind == "batch":
            self._write_row(event.data)
        elif event.kind == "image" and self.is_gan:
            self._write_sample(event.data)
        elif event.kind == "end":
            self._close_metrics()

    def finish(self, model=None) -> dict:
        """Writes the trained network (unless the run failed) and summary.json.

        Args:
            model: the network the run trained (`Run.model`: a GAN's generator), or None
                when the run ended before it had one.

        Returns:
            The summary, as written to summary.json.
        """
        self._close_metrics()
        snapshot = self.log.snapshot()
        if model is not None and snapshot["status"] != FAILED:
            save_weights(model, self.folder / WEIGHTS)
            model.save(self.folder / MODEL)
        summary = summarize(snapshot, sorted(self.samples.values(), key=lambda s: s["step"]))
        with open(self.folder / SUMMARY, "w") as file:
            json.dump(summary, file, indent=2)
        return summary

    def _write_row(self, row: dict) -> None:
        if self._metrics is None:
            metrics = [name for name in row if name not in BATCH_FIELDS]
            columns = ["step", "epoch", "batch", *metrics, "lr", "seconds"]
            # Open until the run ends, line-buffered: each row reaches the file at once, so a
            # killed run keeps its rows.
            self._metrics_file = open(self.folder / METRICS, "w", newline="", buffering=1)  # noqa: SIM115
            self._metrics = csv.DictWriter(
                self._metrics_file, columns, restval="", extrasaction="ignore"
            )
            self._metrics.writeheader()
        self._metrics.writerow(row)

    def _close_metrics(self) -> None:
        if self._metrics_file is not None:
            self._metrics_file.close()
            self._metrics_file = self._metrics = None

    def _write_sample(self, image: dict) -> None:
        name = f"step_{image['step']:06d}.png"
        folder = self.folder / SAMPLES
        folder.mkdir(exist_ok=True)
        Image.fromarray(image["pixels"]).save(folder / name)
        entry = {"step": image["step"], "file": f"{SAMPLES}/{name}"}
        if "quality" in image:
            entry["quality"] = image["quality"]
        self.samples[name] = entry  # a grid drawn again at the same step replaces the first


def summarize(snapshot: dict, samples: Sequence[dict] = ()) -> dict:
    """The summary of a run from its snapshot.

    Args:
        snapshot: a `RunLog.snapshot()` of the run.
        samples: the saved sample grids of a GAN, as `{"step", "file", "quality"?}` dicts.

    Returns:
        JSON-ready data: `status`, `error`, `config`, `train` and `validation` metrics of the
        last epoch (without any epoch, the running means of the last batch), `test` metrics
        (and `test_split`, the data they were measured on), `steps`, `examples_per_second`
        over the whole run, `seconds` of training, and for GANs `samples`.
        Metrics that are not finite (a diverged run) are written as null.
    """
    batches = snapshot["batches"]
    if snapshot["epochs"]:
        last_epoch = snapshot["epochs"][-1]
    else:  # GAN loops report no epochs, nor does a run stopped in its first: the running means
        last_epoch = {k[len("mean_") :]: v[-1] for k, v in batches.items() if k.startswith("mean_")}
    seconds = batches["seconds"][-1] if batches else 0.0
    examples = sum(batches.get("size", ()))
    summary = {
        "status": snapshot["status"],
        "error": snapshot["error"],
        "config": snapshot["config"],
        "train": _finite(
            {k: v for k, v in last_epoch.items() if k != "epoch" and not k.startswith("val_")}
        ),
        "validation": _finite(
            {k[len("val_") :]: v for k, v in last_epoch.items() if k.startswith("val_")}
        ),
        "test": _finite(snapshot["result"].get("test", {})),
        "test_split": snapshot["result"].get("split"),
        "steps": len(batches.get("step", ())),
        "examples_per_second": examples / seconds if seconds > 0 else 0.0,
        "seconds": seconds,
    }
    if _is_gan(snapshot["config"]):
        summary["samples"] = list(samples)
    return summary


def save_weights(model, path: str | Path) -> None:
    """Saves a model's weights to a `.npz`, keys in layer order: `000_dense_kernel`, ...

    The key is the weight's index, then its layer's name and its own name, so sorting the keys
    gives back the order of `model.weights`.
    """
    arrays = {
        f"{index:03d}_" + "_".join(variable.path.split("/")[-2:]): np.asarray(variable.numpy())
        for index, variable in enumerate(model.weights)
    }
    np.savez(path, **arrays)


def _is_gan(config: dict) -> bool:
    info = catalog.ARCHITECTURES.get(config.get("architecture"))
    return info is not None and info.is_gan


def _finite(metrics: dict) -> dict:
    return {name: value if math.isfinite(value) else None for name, value in metrics.items()}
