"""A stored run as files anyone can open: CSV metrics, JSON, TensorBoard, the Keras model.

Each export is one function `(store, run_id, folder) -> [paths written]`; the command line's
`export` maps a format name to it. A group (race, style lab) exports each of its runs into a
folder of its own, named after the run's label, with the same files as a single run.

- `csv`: `metrics.csv`, one row per batch at full resolution, every field and every metric.
- `json`: `run.json`, the run's row, configuration, model summary, epochs, marks, results
  (arrays as lists, NaN as null) and error.
- `tensorboard`: the run's event files, written from the store.
- `keras`: `model.keras`, the trained network.
- `images`: each image as a PNG (`images/step_000050.png`: a GAN's sample grid, or a
  classifier's predictions at an epoch's end), and a GAN's `filmstrip.gif` of every grid.
- `card`: `card.py`, the run reproduced in one standalone Python file (`trainers.card`).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import orjson

from trainers.images import filmstrip_gif, to_png
from trainers.outputs import slug, write_columns
from trainers.store.database import Store

METRICS_FILE, JSON_FILE = "metrics.csv", "run.json"


class NothingToExport(Exception):
    """The run has nothing of this kind (no trained model, say)."""


def targets(store: Store, run_id: str, folder: Path) -> list[tuple[str, Path]]:
    """`(run id, folder)` for the run, or for each run of a group, each in its label's folder."""
    children = [run for run in store.runs() if run["parent"] == run_id]
    if not children:
        return [(run_id, folder)]
    children.sort(key=lambda run: run["created"])
    return [(run["run_id"], folder / slug(run["label"] or run["name"])) for run in children]


def write_csv(store: Store, run_id: str, folder: Path) -> list[Path]:
    """Writes `metrics.csv` per run: a header, then one row per batch."""
    written = []
    for target, where in targets(store, run_id, folder):
        where.mkdir(parents=True, exist_ok=True)
        write_columns(where / METRICS_FILE, store.batches_since(target, -1))
        written.append(where / METRICS_FILE)
    return written


def write_json(store: Store, run_id: str, folder: Path) -> list[Path]:
    """Writes `run.json`: the run's configuration, summary, epochs, marks and results; a
    group's holds its own, and each of its runs has one in its folder too."""
    written = []
    pairs = targets(store, run_id, folder)
    if pairs[0][0] != run_id:
        pairs.insert(0, (run_id, folder))
    for target, where in pairs:
        snapshot, row = store.snapshot(target), store.run(target)
        document = {
            **{key: value for key, value in row.items() if key not in ("config", "best")},
            "best": row["best"],
            "config": snapshot["config"],
            "info": snapshot["info"],
            "epochs": snapshot["epochs"],
            "marks": snapshot["marks"],
            "result": snapshot["result"],
            "error": snapshot["error"],
        }
        where.mkdir(parents=True, exist_ok=True)
        path = where / JSON_FILE
        path.write_bytes(orjson.dumps(_plain(document), option=orjson.OPT_INDENT_2))
        written.append(path)
    return written


def write_tensorboard(store: Store, run_id: str, folder: Path) -> list[Path]:
    """Writes the run's TensorBoard event files (a group's: each of its runs' folders) from
    the store, into the data folder, and copies them."""
    from trainers.store.tensorboard import write_run  # loads TensorFlow

    write_run(store, run_id)
    source = store.tensorboard_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, folder, dirs_exist_ok=True)
    return sorted(folder.rglob("events.out.tfevents*"))


def write_keras(store: Store, run_id: str, folder: Path) -> list[Path]:
    """Copies the trained network, `model.keras` (a GAN's generator)."""
    written = []
    for target, where in targets(store, run_id, folder):
        model = store.model_path(target)
        if not model.exists():
            raise NothingToExport(
                f"{target} has no trained model: a run saves one when it ends without failing, "
                f"and a race's or a lab's runs save none. Received: {run_id!r}"
            )
        where.mkdir(parents=True, exist_ok=True)
        written.append(Path(shutil.copy2(model, where / model.name)))
    return written


def write_images(store: Store, run_id: str, folder: Path) -> list[Path]:
    """Writes each image event as a PNG, and a GAN's sample grids as `filmstrip.gif`."""
    written = []
    for target, where in targets(store, run_id, folder):
        images = store.snapshot(target)["images"]
        if not images:
            raise NothingToExport(
                f"{target} recorded no images: a GAN draws sample grids every few steps, and a "
                f"classifier of images shows predictions at each epoch's end. Received: {run_id!r}"
            )
        (where / "images").mkdir(parents=True, exist_ok=True)
        for image in images:
            path = where / "images" / f"step_{image['step']:06d}.png"
            path.write_bytes(to_png(image["pixels"]))  # a grid drawn again at a step replaces it
            written.append(path)
        grids = [image for image in images if "verdict" in image]  # a GAN's sample grids
        if grids:
            written.append(where / "filmstrip.gif")
            written[-1].write_bytes(filmstrip_gif(grids))
    return list(dict.fromkeys(written))


def write_card(store: Store, run_id: str, folder: Path) -> list[Path]:
    """Writes the experiment card, `card.py`: the run reproduced in one standalone file."""
    from trainers.card import write_card as write_card_file

    written = []
    for target, where in targets(store, run_id, folder):
        try:
            written.append(write_card_file(store.run(target), where / "card.py"))
        except ValueError as error:
            raise NothingToExport(str(error)) from error
    return written


def _plain(data):
    """JSON-ready data: arrays as lists, non-finite floats as None."""
    if isinstance(data, dict):
        return {str(key): _plain(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(value) for value in data]
    if isinstance(data, np.ndarray):
        return _plain(data.tolist())
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data
