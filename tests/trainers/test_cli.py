"""Tests for `python -m trainers`: the real command in a subprocess, real training, real files.

Each training run costs a TensorFlow import (about ten seconds), so there are three, each
checked for several things: a classifier on mnist-5k, a person's .npz stopped with Ctrl-C, and
a GAN. Everything else (`list`, mistakes in the options, a broken .npz) answers before
TensorFlow loads. The runs also go into the store (the session's temporary `LOOPLAB_HOME`);
`test_store_cli.py` tests `list-runs`, `export` and a run killed mid-way.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trainers import catalog
from trainers.datasets import load_dataset

ROOT = Path(__file__).resolve().parents[2]
ENV = os.environ | {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
TINY = ["--max-examples", "256", "--batch-size", "64", "--seed", "0"]
RUN_SECONDS = 240


def start(*args: str) -> subprocess.Popen:
    """Starts `python -m trainers ARGS` from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-m", "trainers", *args],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = RUN_SECONDS) -> subprocess.CompletedProcess:
    """Waits for a started command; its output, as `subprocess.run` gives it."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def trainers(*args: str, timeout: float = RUN_SECONDS) -> subprocess.CompletedProcess:
    """Runs `python -m trainers ARGS` from the repository root."""
    return finish(start(*args), timeout)


def read_metrics(folder: Path) -> list[dict]:
    with open(folder / "metrics.csv", newline="") as file:
        return list(csv.DictReader(file))


# --- Without TensorFlow -----------------------------------------------------------------------


def test_list_names_every_choice_with_its_description():
    listed = trainers("list", timeout=60)
    assert listed.returncode == 0, listed.stderr
    for table in (catalog.DATASETS, catalog.ARCHITECTURES, catalog.STYLES):
        for name, info in table.items():
            assert f"  {name} " in listed.stdout and info.description in listed.stdout, name
    for name in catalog.OPTIMIZERS:
        assert f"  {name} " in listed.stdout, name
    assert "SGD, momentum=0.9, nesterov=True; learning rate 0.01" in listed.stdout


def test_list_loads_no_tensorflow():
    code = (
        "import sys; from trainers.cli import main; main(['list']); "
        "print(sorted({'tensorflow', 'keras'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=ENV, capture_output=True, text=True
    )
    assert result.stdout.splitlines()[-1] == "[]", result.stderr


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--arch", "transformer"], "invalid choice: 'transformer' (choose from 'mlp',"),
        (["--style", "adam"], "'gan_fit', 'gan_loop')"),
        (["--optimizer", "adamax"], "'nadam', 'lion')"),
        (["--dataset", "imagenet"], "Choose 'mnist-5k', 'digits', 'regression', 'mnist',"),
        (["--style", "gan_loop"], "Styles that can: 'fit', 'train_step',"),
        (["--arch", "text-conv1d"], "Architectures that can: 'mlp', 'mlp-functional',"),
        (["--epochs", "0"], "epochs must be a number at least 1"),
        (["--batch-size", "many"], "argument --batch-size: invalid int value: 'many'"),
        (["--class-weight", "0=2"], "such as '0:1,1:2.5'. Received: '0=2'"),
        (["--halve-lr-epoch", "1"], "belongs to the 'train_on_batch' style"),
    ],
)
def test_options_that_cannot_work_exit_2_and_say_what_would(tmp_path, options, expected):
    result = trainers("run", "--out", str(tmp_path / "run"), *options, timeout=60)
    assert result.returncode == 2
    assert expected in result.stderr
    assert not (tmp_path / "run").exists()  # refused before anything is written


def test_a_folder_with_files_in_it_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("an earlier run")
    result = trainers("run", "--out", str(tmp_path), timeout=60)
    assert result.returncode == 2 and "--out must be a new or empty folder" in result.stderr


def test_a_broken_npz_is_refused_with_the_dataset_message(tmp_path):
    broken = tmp_path / "digits.npz"
    broken.write_bytes(b"not a zip archive")
    out = tmp_path / "run"
    result = trainers("run", "--out", str(out), "--dataset", str(broken), timeout=60)
    assert result.returncode == 1
    assert f"error: {broken}: is not a valid .npz file" in result.stderr
    assert not out.exists()  # refused before the run or its files exist


# --- Training runs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """Three runs trained side by side (most of each is a TensorFlow import on one core).

    - `mlp`: a classifier on mnist-5k, one epoch.
    - `npz`: a classifier on a .npz of the 8x8 digits (with a test set and sample weights),
      given 1000 epochs and stopped with Ctrl-C once it has written three rows.
    - `gan`: a GAN on mnist-5k, six steps, a sample grid every three.
    """
    folder = tmp_path_factory.mktemp("cli")
    digits = load_dataset("digits", seed=0)
    np.savez(
        folder / "my digits.npz",
        x_train=digits.x_train,
        y_train=digits.y_train,
        x_test=digits.x_val,
        y_test=digits.y_val,
        sample_weight=np.linspace(0.5, 1.5, len(digits.y_train), dtype="float32"),
    )
    options = {
        "mlp": ["--dataset", "mnist-5k", "--arch", "mlp", "--style", "train_step", "--epochs", "1"],
        "npz": [
            "--dataset", str(folder / "my digits.npz"), "--epochs", "1000",
            "--arch", "mlp-logits", "--style", "loop_function", "--optimizer", "sgd",
            "--sample-weight", "--class-weight", "0:1,1:2.5",
        ],
        "gan": [
            "--dataset", "mnist-5k", "--arch", "gan-classroom", "--style", "gan_loop",
            "--latent-dim", "32", "--max-steps", "6", "--image-every", "3",
        ],
    }  # fmt: skip
    started = {
        name: start("run", "--out", str(folder / name), *values, *TINY)
        for name, values in options.items()
    }
    try:
        stop_after_rows(started["npz"], folder / "npz", rows=3)
        return {name: (finish(process), folder / name) for name, process in started.items()}
    finally:
        for process in started.values():
            process.kill()


def stop_after_rows(process: subprocess.Popen, out: Path, rows: int) -> None:
    """Presses Ctrl-C once the run has written this many rows of metrics.csv."""
    deadline = time.monotonic() + RUN_SECONDS
    while not (out / "metrics.csv").exists() or len(read_metrics(out)) < rows:
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"The run wrote no {rows} metrics rows in time: {finish(process).stderr}")
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)


def test_a_run_completes_and_says_so_in_one_line(runs):
    result, out = runs["mlp"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("completed · epoch 1/1 · step 4/4 · ")
    assert re.search(
        rf"· stored as run-\d+ · files in {re.escape(str(out))}$", result.stdout.rstrip()
    )
    assert "\r" not in result.stderr  # no progress bar when stderr is not a terminal


def test_a_run_writes_its_summary_and_one_metrics_row_per_batch(runs):
    _, out = runs["mlp"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["error"] is None
    assert summary["config"]["dataset"] == "mnist-5k" and summary["config"]["epochs"] == 1
    assert set(summary["train"]) == set(summary["validation"]) == {"loss", "accuracy"}
    assert summary["test_split"] == "validation" and set(summary["test"]) == {"loss", "accuracy"}
    assert summary["steps"] == 4 and summary["seconds"] > 0
    assert summary["examples_per_second"] == pytest.approx(256 / summary["seconds"])

    rows = read_metrics(out)
    assert list(rows[0]) == [
        "step", "epoch", "batch", "accuracy", "mean_accuracy", "loss", "mean_loss", "lr", "seconds"
    ]  # fmt: skip
    assert [(row["step"], row["epoch"], row["batch"]) for row in rows] == [
        (str(i), "1", str(i)) for i in range(4)
    ]
    assert float(rows[-1]["mean_loss"]) == pytest.approx(summary["train"]["loss"], rel=1e-4)
    assert float(rows[0]["lr"]) == pytest.approx(0.001)


def test_a_run_saves_the_trained_network(runs):
    import keras

    from trainers import architectures

    _, out = runs["mlp"]
    data = load_dataset("mnist-5k", seed=0, max_examples=256)
    fresh = architectures.build("mlp", data).model
    with np.load(out / "weights.npz") as saved:
        keys = list(saved.files)
        weights = [saved[key] for key in keys]
    assert keys == sorted(keys) and keys[0] == "000_dense_kernel"
    assert [w.shape for w in weights] == [tuple(w.shape) for w in fresh.weights]

    model = keras.saving.load_model(out / "model.keras")
    for saved_weight, loaded in zip(weights, model.weights):
        np.testing.assert_array_equal(saved_weight, keras.ops.convert_to_numpy(loaded))
    # The saved network is the trained one: it scores what the run reported on the same digits.
    predicted = model.predict(data.x_val, verbose=0).argmax(axis=1)
    summary = json.loads((out / "summary.json").read_text())
    assert np.mean(predicted == data.y_val) == pytest.approx(summary["test"]["accuracy"])


def test_ctrl_c_stops_an_npz_run_after_its_batch_and_keeps_the_files(runs):
    result, out = runs["npz"]
    assert result.returncode == 130, result.stderr
    assert "Stopping after this batch" in result.stderr
    assert result.stdout.startswith("stopped · epoch ")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert summary["config"]["dataset"] == str(out.parent / "my digits.npz")
    assert summary["config"]["class_weight"] == {"0": 1.0, "1": 2.5}
    assert summary["config"]["use_sample_weight"] is True
    assert summary["test_split"] == "test" and 0 <= summary["test"]["accuracy"] <= 1
    assert 3 <= summary["steps"] < 1000 * 4 and len(read_metrics(out)) == summary["steps"]
    with np.load(out / "weights.npz") as saved:
        assert saved["000_dense_kernel"].shape == (64, 64)  # 8x8 digits, flattened
    assert (out / "model.keras").stat().st_size > 0


def test_a_gan_run_saves_its_sample_grids_and_its_generator(runs):
    import keras

    result, out = runs["gan"]
    assert result.returncode == 0, result.stderr

    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["steps"] == 6
    assert [(s["step"], s["file"]) for s in summary["samples"]] == [
        (3, "samples/step_000003.png"),
        (6, "samples/step_000006.png"),
    ]
    assert set(summary["train"]) >= {"d_loss", "g_loss"}
    assert sorted(p.name for p in (out / "samples").iterdir()) == [
        "step_000003.png",
        "step_000006.png",
    ]
    with Image.open(out / "samples" / "step_000006.png") as grid:
        assert grid.format == "PNG" and grid.size == (4 * 29 - 1, 4 * 29 - 1)  # 16 digits
    assert len(read_metrics(out)) == 6

    generator = keras.saving.load_model(out / "model.keras")
    with np.load(out / "weights.npz") as saved:
        assert saved[saved.files[0]].shape[0] == 32  # the generator's first layer takes noise
    images = generator.predict(np.zeros((2, 32), "float32"), verbose=0)
    assert images.shape == (2, 28, 28, 1)
