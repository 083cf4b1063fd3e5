"""The store from a terminal: `run` without `--out`, `list-runs`, `export`, and `kill -9`.

Two real runs of `python -m trainers run` train side by side into the session's temporary
`LOOPLAB_HOME`, neither with `--out`: a GAN of six steps (a sample grid every three), and a
classifier given 1000 epochs and killed with SIGKILL once the store holds five of its batches.
Then the real commands read the store back, and TensorBoard's own reader reads the files.
All of it twice: on the data folder's SQLite file, then on a PostgreSQL server that every
process, this one included, is given through `LOOPLAB_DATABASE_URL`.
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.postgres import BACKENDS
from trainers.store import Store
from trainers.store.paths import DATABASE_URL_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--max-examples", "256", "--batch-size", "64", "--seed", "0"]
GAN = ["--arch", "gan-classroom", "--style", "gan_loop", "--latent-dim", "32", "--max-steps", "6"]
RUN_SECONDS = 240


def start(*args: str) -> subprocess.Popen:
    """Starts `python -m trainers ARGS` from the repository root (`LOOPLAB_HOME` inherited)."""
    return subprocess.Popen(
        [sys.executable, "-m", "trainers", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def trainers(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs `python -m trainers ARGS` to its end."""
    process = start(*args)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def kill_after_stored(process: subprocess.Popen, batches: int) -> tuple[str, int]:
    """Kills the process with SIGKILL once the store holds this many batches of its run.

    Returns:
        The run's id, and how many batches the store held just before the kill.
    """
    store, deadline = Store(), time.monotonic() + RUN_SECONDS
    while True:
        mine = [run for run in store.runs() if run["pid"] == process.pid]
        if mine and mine[0]["steps"] >= batches:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The store got no {batches} batches in time: {process.stderr.read()}")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return mine[0]["run_id"], mine[0]["steps"]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    """The database the module's commands share: the data folder's SQLite file, then a new
    database on the session's PostgreSQL server, named in `LOOPLAB_DATABASE_URL`."""
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "postgresql":
            patch.setenv(DATABASE_URL_VARIABLE, request.getfixturevalue("postgres").new_database())
        yield request.param


@pytest.fixture(scope="module")
def stored(backend) -> dict:
    """`gan`: the GAN's finished process and its run id; `killed`: the killed run's id, the
    batches stored when it was killed, and its exit status."""
    gan = start("run", "--dataset", "mnist-5k", *GAN, "--image-every", "3", *TINY)
    doomed = start("run", "--dataset", "mnist-5k", "--epochs", "1000", *TINY)
    try:
        killed_id, batches = kill_after_stored(doomed, batches=5)
        stdout, stderr = gan.communicate(timeout=RUN_SECONDS)
    finally:
        gan.kill()
        doomed.kill()
    assert gan.returncode == 0, stderr
    return {
        "gan": (stdout, stdout.split("stored as ")[1].split()[0]),
        "killed": (killed_id, batches, doomed.returncode),
    }


def test_a_run_without_out_lives_in_the_store(stored):
    stdout, run_id = stored["gan"]
    assert stdout.startswith("completed · ") and stdout.rstrip().endswith(f"stored as {run_id}")
    run = Store().run(run_id)
    assert (run["status"], run["steps"], run["owner"], run["kind"]) == (
        "completed",
        6,
        "cli",
        "run",
    )
    assert run["best"].keys() == {"inception_score"}  # the quality of its sample grids


def test_a_run_killed_with_sigkill_keeps_its_batches_and_shows_interrupted(stored):
    run_id, batches, status = stored["killed"]
    assert status == -signal.SIGKILL

    listed = trainers("list-runs")  # marks the runs of processes that are gone, first

    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.startswith(run_id + " "))
    assert line.split()[1:3] == ["run", "interrupted"] and line.endswith(" cli")
    run = Store().run(run_id)
    assert run["status"] == "interrupted" and run["ended"] is not None
    steps = Store().snapshot(run_id)["batches"]["step"]
    assert steps == list(range(len(steps))) and len(steps) >= batches >= 5


def test_list_runs_shows_the_stored_runs(stored):
    listed = trainers("list-runs")
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split() == [
        "id", "name", "kind", "status", "steps", "best", "started", "owner", "tags"
    ]  # fmt: skip
    ids = [line.split()[0] for line in lines if line.strip()]
    assert stored["gan"][1] in ids and stored["killed"][0] in ids
    gan = next(line for line in lines if line.startswith(stored["gan"][1] + " "))
    assert " completed " in gan and " 6 " in gan and " inception_score " in gan
    assert listed.stdout.rstrip().endswith(Store().where)  # the file, or the server's URL


def test_export_csv_has_a_row_per_batch_and_every_metric(stored, tmp_path):
    run_id = stored["gan"][1]
    exported = trainers("export", run_id, "--format", "csv", "--out", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == str(tmp_path / "metrics.csv")
    with open(tmp_path / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    batches = Store().snapshot(run_id)["batches"]
    assert list(rows[0]) == list(batches)  # every field and every metric, in the run's order
    assert {"d_loss", "mean_d_loss", "g_loss", "mean_g_loss"} <= set(rows[0])
    assert [int(row["step"]) for row in rows] == list(range(6))
    assert [float(row["g_loss"]) for row in rows] == batches["g_loss"]


def test_export_json_and_keras(stored, tmp_path):
    import keras

    run_id = stored["gan"][1]
    for form in ("json", "keras"):
        exported = trainers("export", run_id, "--format", form, "--out", str(tmp_path))
        assert exported.returncode == 0, exported.stderr
    document = json.loads((tmp_path / "run.json").read_text())
    assert (document["run_id"], document["status"], document["owner"]) == (
        run_id,
        "completed",
        "cli",
    )
    assert document["config"]["latent_dim"] == 32 and document["versions"]["tensorflow"]
    assert len(document["result"]["interpolation"]) == 28  # the strip's rows of pixels
    generator = keras.saving.load_model(tmp_path / "model.keras")
    assert generator.predict(np.zeros((2, 32), "float32"), verbose=0).shape == (2, 28, 28, 1)


def test_tensorboards_reader_finds_every_batch_and_grid(stored, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_id = stored["gan"][1]
    exported = trainers("export", run_id, "--format", "tensorboard", "--out", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    assert Store().tensorboard_dir(run_id).is_relative_to(Store().home)

    events = EventAccumulator(str(tmp_path), size_guidance={"tensors": 0})
    events.Reload()
    for name in ("d_loss", "mean_d_loss", "g_loss", "lr"):
        assert [event.step for event in events.Tensors(f"batch/{name}")] == list(range(6)), name
    assert events.SummaryMetadata("batch/g_loss").plugin_data.plugin_name == "scalars"
    grids = events.Tensors("images/samples")  # TensorFlow 2 writes images as tensors
    assert [event.step for event in grids] == [3, 6]


def test_the_tensorboard_command_writes_every_run_for_tensorboards_logdir(stored):
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

    written = trainers("tensorboard", "--no-serve")
    assert written.returncode == 0, written.stderr
    folder = Store().home / "tensorboard"
    assert f"tensorboard --logdir {folder}" in written.stdout

    logdir = EventMultiplexer(size_guidance={"tensors": 0})
    logdir.AddRunsFromDirectory(str(folder)).Reload()
    # Every run but the groups (races, labs): each of a group's runs has files of its own.
    runs = {run["run_id"]: run for run in Store().runs() if run["kind"] not in ("race", "lab")}
    assert set(logdir.Runs()) == set(runs)
    for run_id, run in runs.items():  # a learning rate at every batch (some runs have none)
        tags = logdir.GetAccumulator(run_id).Tags()["tensors"]
        steps = [event.step for event in logdir.Tensors(run_id, "batch/lr")] if tags else []
        assert steps == list(range(run["steps"])), run_id
    again = trainers("tensorboard", "--no-serve")
    assert "Wrote the event files of 0 runs: none new." in again.stdout


def test_export_refuses_an_unknown_run_or_format_and_says_what_would_work(stored, tmp_path):
    unknown = trainers("export", "run-999", "--format", "csv", "--out", str(tmp_path))
    assert unknown.returncode == 2
    assert f"No run has this id in {Store().url} (the newest: " in unknown.stderr
    assert stored["gan"][1] in unknown.stderr and "Received: 'run-999'" in unknown.stderr

    wrong = trainers("export", stored["gan"][1], "--format", "onnx", "--out", str(tmp_path))
    assert wrong.returncode == 2
    assert (
        "'onnx' (choose from 'csv', 'json', 'tensorboard', 'keras', 'images', 'card')"
        in wrong.stderr
    )

    killed = stored["killed"][0]  # it never ended: no model
    missing = trainers("export", killed, "--format", "keras", "--out", str(tmp_path))
    assert missing.returncode == 1 and f"{killed} has no trained model" in missing.stderr
    assert not any(tmp_path.iterdir())


def test_export_card_writes_the_stored_run_as_one_standalone_file(stored, tmp_path):
    killed = stored["killed"][0]  # a classifier on mnist-5k; test_card.py runs cards
    exported = trainers("export", killed, "--format", "card", "--out", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    card = (tmp_path / "card.py").read_text()
    compile(card, "card.py", "exec")
    assert f"Looplab run `{killed}`" in card and "import trainers" not in card

    gan = trainers("export", stored["gan"][1], "--format", "card", "--out", str(tmp_path / "g"))
    assert gan.returncode == 1 and "GAN runs" in gan.stderr and "have no card" in gan.stderr


def test_export_images_writes_each_grid_as_png_and_the_filmstrip_as_gif(stored, tmp_path):
    from PIL import Image

    exported = trainers("export", stored["gan"][1], "--format", "images", "--out", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    grids = sorted(path.name for path in (tmp_path / "images").iterdir())
    assert grids == ["step_000003.png", "step_000006.png"]  # a grid every three of six steps
    with Image.open(tmp_path / "images" / "step_000006.png") as grid:
        assert grid.size == (4 * 28 + 3, 4 * 28 + 3)  # sixteen samples with gaps
    with Image.open(tmp_path / "filmstrip.gif") as film:
        assert film.n_frames == 2 and film.info["loop"] == 0
