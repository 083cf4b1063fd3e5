"""A run's outputs on disk: what the command line leaves in its `--out` folder.

An `OutputFolder` listens to a run's events and writes as they arrive, so a run that is killed keeps
the batches it trained; `finish()` writes the rest once the run has ended:

- `summary.json`: status, error, configuration, final metrics, steps, speed and time, and for
  GANs the list of saved sample grids.
- `metrics.csv`: one row per batch: step, epoch, batch, each metric (the batch's own value and
  the epoch's running `mean_`), learning rate and seconds of training.
- `weights.npz`: the trained network's weights in layer order, keyed `000_dense_kernel`, ...
- `model.keras`: the trained network, saved with `model.save()`.
- `samples/step_000050.png`: each sample grid of a GAN.

For a GAN the network saved is its generator.

A race leaves, through the same code, `summary.json` (the race's outcome, each contestant's
summary and the leader board) and one per-batch CSV per contestant (`write_race`).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from trainers import catalog
from trainers.events import BATCH_FIELDS, FAILED, Event, RunLog, steps_in
from trainers.summaries import columns, leaderboard, ms_per_step

SUMMARY, METRICS, WEIGHTS, MODEL, SAMPLES = (
    "summary.json",
    "metrics.csv",
    "weights.npz",
    "model.keras",
    "samples",
)


class OutputFolder:
    """Writes one run's outputs into a folder, subscribed to its `RunLog`.

    Args:
        folder: where the files go; created if missing.
        log: the run's event log; the folder subscribes to it at once.
    """

    def __init__(self, folder: str | Path, log: RunLog) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = log
        self.is_gan = catalog.is_gan(log.config.get("architecture"))
        self.samples: dict[str, dict] = {}  # file name -> its entry in the summary
        self._metrics: CsvFile | None = None
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
        write_json(self.folder / SUMMARY, summary)
        return summary

    def _write_row(self, row: dict) -> None:
        if self._metrics is None:
            metrics = [name for name in row if name not in BATCH_FIELDS]
            names = ["step", "epoch", "batch", *metrics, "lr", "seconds"]
            self._metrics = CsvFile(self.folder / METRICS, names)  # open until the run ends
        self._metrics.write(row)

    def _close_metrics(self) -> None:
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None

    def _write_sample(self, image: dict) -> None:
        name = f"step_{image['step']:06d}.png"
        folder = self.folder / SAMPLES
        folder.mkdir(exist_ok=True)
        Image.fromarray(image["pixels"]).save(folder / name)
        entry = {"step": image["step"], "file": f"{SAMPLES}/{name}"}
        if "quality" in image:
            entry["quality"] = image["quality"]
        self.samples[name] = entry  # a grid drawn again at the same step replaces the first


class CsvFile:
    """A CSV file written row by row, each row on disk at once: a killed run keeps its rows.

    Args:
        path: the file; replaced if it exists.
        names: its columns; a row's other fields are left out, its missing ones left empty.
    """

    def __init__(self, path: str | Path, names: Sequence[str]) -> None:
        self._file = open(path, "w", newline="", buffering=1)  # noqa: SIM115 (line-buffered)
        self._writer = csv.DictWriter(self._file, names, restval="", extrasaction="ignore")
        self._writer.writeheader()

    def write(self, row: Mapping) -> None:
        """Writes one row."""
        self._writer.writerow(row)

    def close(self) -> None:
        """Closes the file."""
        self._file.close()


def write_columns(path: str | Path, series: Mapping[str, Sequence]) -> None:
    """Writes columns of equal length as a CSV file: a header, then one row per index."""
    with open(path, "w", newline="") as file:
        table = csv.writer(file)
        table.writerow(series)
        table.writerows(zip(*series.values(), strict=True))


def write_json(path: str | Path, data: dict) -> None:
    """Writes JSON-ready data, indented."""
    with open(path, "w") as file:
        json.dump(data, file, indent=2)


def slug(label: str) -> str:
    """A file name for a run's label in a group: `"adam 0.001 #2"` -> `"adam-0.001-2"`."""
    return label.replace(" #", "-").replace(" ", "-")


def write_race(snapshot: dict, folder: str | Path) -> dict:
    """Writes a finished race's `summary.json` and one per-batch CSV per contestant.

    Each contestant's CSV holds `trainers.summaries.columns` of its batches: `step`,
    `examples`, `seconds` of its own compute, `ms_per_step`, then each metric.

    Args:
        snapshot: the race's `GroupLog.snapshot()`.
        folder: where the files go; created if missing.

    Returns:
        The summary: the race's `status`, `error` and `config`; per contestant its optimizer
        and learning rate, `status`, final `train`, `validation` and `test` metrics, `steps`,
        `error` (None unless it failed),
        `ms_per_step`, the `initial_weights` fingerprint and its `metrics_csv` file; the
        `leaderboard` (at the race's target accuracy); and `same_initial_weights`, whether
        every fingerprint is the same.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fingerprints = snapshot["info"].get("initial_weights", {})
    contestants = {}
    for label, run in snapshot["contestants"].items():
        name = f"{slug(label)}.csv"
        write_columns(folder / name, columns(run["batches"]))
        final = summarize(run)
        contestants[label] = {
            **snapshot["config"]["contestants"][label],
            **{key: final[key] for key in ("status", "train", "validation", "test", "steps")},
            "error": run["error"],
            "ms_per_step": ms_per_step(run["batches"]),
            "initial_weights": fingerprints.get(label),
            "metrics_csv": name,
        }
    summary = {
        "status": snapshot["status"],
        "error": snapshot["error"],
        "config": snapshot["config"],
        "contestants": contestants,
        "same_initial_weights": len(set(fingerprints.values())) == 1,
        "leaderboard": leaderboard(snapshot),
    }
    write_json(folder / SUMMARY, summary)
    return summary


def summarize(snapshot: dict, samples: Sequence[dict] = ()) -> dict:
    """The summary of a run from its snapshot.

    Args:
        snapshot: a `RunLog.snapshot()` of the run.
        samples: the saved sample grids of a GAN, as `{"step", "file", "quality"?}` dicts.

    Returns:
        JSON-ready data: `status`, `error`, `config`, `train` and `validation` metrics of the
        last epoch (without any epoch, the running means of the last batch), `test` metrics
        (and `test_split`, the data they were measured on), `steps`, `examples_per_second`
        over the whole run, `seconds` of training, and for GANs `samples` and the `quality`
        of the final samples (for digits; with `class_accuracy` for a conditional GAN).
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
        "steps": steps_in(batches),
        "examples_per_second": examples / seconds if seconds > 0 else 0.0,
        "seconds": seconds,
    }
    if catalog.is_gan(snapshot["config"].get("architecture")):
        summary["samples"] = list(samples)
        summary["quality"] = snapshot["result"].get("quality")
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


def _finite(metrics: dict) -> dict:
    return {name: value if math.isfinite(value) else None for name, value in metrics.items()}
