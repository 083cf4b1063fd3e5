"""Every bad input to `python -m trainers` is refused before anything trains: one line, no run.

Each case runs the real command in a subprocess on a data folder of its own (`LOOPLAB_HOME` in
the test's `tmp_path`). Options that cannot work exit with status 2, a data file that cannot be
trained on with status 1; either way stderr is exactly one line that names the problem, with
no usage block and no traceback, stdout is empty, `--out` is not created and the store holds
no run. The hostile `.npz` files (`tests.bad_npz`): a pickle that would run code, a zip bomb,
an archive cut short, arrays of strings, NaN, ragged or mismatched arrays, labels a classifier
cannot learn. No refusal loads TensorFlow, so each takes about a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.bad_npz import (
    PICKLE_RAN,
    X,
    Y,
    corrupt,
    folder,
    huge_header,
    not_npy,
    pickled,
    ragged,
    savez,
    too_large,
    truncated,
    zip_bomb,
)
from trainers.store import Store

ROOT = Path(__file__).resolve().parents[2]
ENV = os.environ | {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
OPTIONS, DATA = 2, 1  # the exit statuses of a refused option and of a refused data file
# --- The cases: (arguments, exit status, a word of the one line) ----------------------------


def run(*options: str) -> list[str]:
    return ["run", "--out", "{tmp}/out", *options]


def npz(build: Callable[[Path], None], *options: str) -> tuple[list[str], Callable]:
    return run("--dataset", "{tmp}/data.npz", *options), build


VECTORS = {"x_train": X, "y_train": Y}
CASES = {
    # Options that cannot work.
    "no command": ([], OPTIONS, "the following arguments are required"),
    "unknown command": (["train"], OPTIONS, "invalid choice: 'train'"),
    "unknown option": (run("--learning-rate", "0.1"), OPTIONS, "unrecognized arguments"),
    "option without value": (run("--lr"), OPTIONS, "expected one argument"),
    "lr not a number": (run("--lr", "fast"), OPTIONS, "invalid float value: 'fast'"),
    "lr nan": (run("--lr", "nan"), OPTIONS, "Received: learning_rate=nan"),
    "lr inf": (run("--lr", "inf"), OPTIONS, "Received: learning_rate=inf"),
    "lr -inf": (run("--lr=-inf"), OPTIONS, "Received: learning_rate=-inf"),
    "lr 0": (run("--lr", "0"), OPTIONS, "learning_rate must be a number greater than 0"),
    "lr negative": (run("--lr=-0.1"), OPTIONS, "Received: learning_rate=-0.1"),
    "d-lr nan": (run("--d-lr", "NaN"), OPTIONS, "discriminator_learning_rate=nan"),
    "minutes nan": (run("--minutes", "nan"), OPTIONS, "Received: minutes=nan"),
    "split nan": (run("--validation-split", "nan"), OPTIONS, "validation_split=nan"),
    "split 1": (run("--validation-split", "1"), OPTIONS, "validation_split=1.0"),
    "batch size 0": (run("--batch-size", "0"), OPTIONS, "Received: batch_size=0"),
    "batch size float": (run("--batch-size", "1.5"), OPTIONS, "invalid int value: '1.5'"),
    "absurd epochs": (run("--epochs", "1000000"), OPTIONS, "at most 10000"),
    "max examples < 0": (run("--max-examples=-1"), OPTIONS, "Received: max_examples=-1"),
    "class weight inf": (run("--class-weight", "0:inf"), OPTIONS, "finite weight"),
    "class weight nan": (run("--class-weight", "1:nan"), OPTIONS, "class_weight={1: nan}"),
    "classes < 0": (run("--classes=-1"), OPTIONS, "Received: classes=[-1]"),
    "classes absent": (run("--classes", "42"), OPTIONS, "Class(es) [42] have no training"),
    "unknown dataset": (run("--dataset", "imagenet"), OPTIONS, "Choose 'mnist-5k', 'digits'"),
    "unknown arch": (run("--arch", "resnet"), OPTIONS, "(choose from 'mlp',"),
    "unknown style": (run("--style", "magic"), OPTIONS, "(choose from 'fit',"),
    "unknown optimizer": (run("--optimizer", "adamax"), OPTIONS, "(choose from 'sgd',"),
    "race optimizer": (
        ["race", "--out", "{tmp}/out", "--optimizers", "sgd,foo"],
        OPTIONS,
        "Choose 'sgd'",
    ),
    "race nan rate": (
        ["race", "--out", "{tmp}/out", "--optimizers", "sgd:nan,adam"],
        OPTIONS,
        "learning_rate=nan",
    ),
    "race target nan": (
        ["race", "--out", "{tmp}/out", "--target-accuracy", "nan"],
        OPTIONS,
        "target_accuracy=nan",
    ),
    "export format": (
        ["export", "run-1", "--format", "pdf", "--out", "{tmp}/out"],
        OPTIONS,
        "invalid choice: 'pdf'",
    ),
    "export unknown run": (
        ["export", "../run-1", "--format", "csv", "--out", "{tmp}/out"],
        OPTIONS,
        "'../run-1'",
    ),
    # --out's folder name becomes the run's name in the store.
    "name with markup": (["run", "--out", "{tmp}/<b>bold</b>"], OPTIONS, "run's name"),
    "name with escape": (["run", "--out", "{tmp}/red\x1b[31m"], OPTIONS, "\\x1b"),
    "name with newline": (["run", "--out", "{tmp}/two\nlines"], OPTIONS, "two\\nlines"),
    "name ..": (["run", "--out", "{tmp}/new/.."], OPTIONS, "not '.' or '..'"),
    "race name": (["race", "--out", "{tmp}/[link](x)"], OPTIONS, "run's name"),
    # Options that do not fit a good data file.
    "npz classes absent": npz(savez(**VECTORS), "--classes", "7") + (OPTIONS, "Class(es) [7]"),
    "npz no weights": npz(savez(**VECTORS), "--sample-weight") + (OPTIONS, "'sample_weight'"),
    "npz arch": npz(savez(**VECTORS), "--arch", "cnn") + (OPTIONS, "'cnn' cannot model"),
    # Data files that cannot be trained on.
    "no file": (run("--dataset", "{tmp}/nothing.npz"), DATA, "No .npz file at"),
    "path with newline": (run("--dataset", "{tmp}/two\nlines.npz"), DATA, "two\\nlines.npz"),
    "a folder": npz(folder) + (DATA, "No .npz file at"),
    "not a zip": (run("--dataset", "/etc/passwd"), DATA, "not a zip archive"),
    "truncated": npz(truncated) + (DATA, "not a valid .npz file"),
    "corrupt": npz(corrupt) + (DATA, "not a valid .npz file"),
    "file too large": npz(too_large) + (DATA, "MiB Looplab loads"),
    "zip bomb": npz(zip_bomb) + (DATA, "once unpacked, larger than the 512 MiB"),
    "header bomb": npz(huge_header) + (DATA, "'x_train' is cut short"),
    "member not npy": npz(not_npy) + (DATA, "'x_train' is not a NumPy array"),
    "pickle": npz(pickled) + (DATA, "refuses pickle"),
    "ragged": npz(ragged) + (DATA, "refuses pickle"),
    "strings": npz(savez(x_train=X, y_train=Y.astype(str))) + (DATA, "must hold numbers"),
    "complex": npz(savez(x_train=X + 1j, y_train=Y)) + (DATA, "must hold numbers"),
    "nan": npz(savez(x_train=X + np.nan, y_train=Y)) + (DATA, "'x_train' holds NaN"),
    "inf": npz(savez(x_train=X - np.inf, y_train=Y)) + (DATA, "'x_train' holds inf"),
    "beyond float32": npz(savez(x_train=X.astype(float) + 1e300, y_train=Y)) + (DATA, "float32"),
    "lengths": npz(savez(x_train=X, y_train=Y[:9])) + (DATA, "one label per example"),
    "scalar x_test": npz(savez(**VECTORS, x_test=np.float32(1), y_test=Y)) + (DATA, "dimensions"),
    "negative labels": npz(savez(x_train=X, y_train=Y - 1)) + (DATA, "whole numbers from 0"),
    "labels too large": npz(savez(x_train=X, y_train=Y + 10**6)) + (DATA, "whole numbers from 0"),
    "fractional labels": npz(savez(x_train=X, y_train=Y + 0.5)) + (DATA, "whole numbers from 0"),
    "missing key": npz(savez(x_train=X)) + (DATA, "lacks 'y_train'"),
    "unknown key": npz(savez(**VECTORS, evil=Y)) + (DATA, "unknown key(s) 'evil'"),
    "negative weight": npz(savez(**VECTORS, sample_weight=Y - 1.0)) + (DATA, "must be >= 0"),
}


def _case(case: tuple) -> tuple[list[str], Callable | None, int, str]:
    if len(case) == 4:
        return case
    arguments, status, word = case
    return arguments, None, status, word


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_refused_in_one_line_and_stores_nothing(tmp_path, name):
    arguments, build, status, word = _case(CASES[name])
    if build is not None:
        build(tmp_path / "data.npz")
    before = set(tmp_path.iterdir())
    home = tmp_path / "home"
    result = subprocess.run(
        [sys.executable, "-m", "trainers", *(a.replace("{tmp}", str(tmp_path)) for a in arguments)],
        cwd=ROOT,
        env=ENV | {"LOOPLAB_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = result.stderr.split("\n")
    assert result.returncode == status, result.stderr
    assert len(lines) == 2 and lines[1] == "", f"not one line on stderr:\n{result.stderr}"
    assert word in lines[0] and "error: " in lines[0], lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert set(tmp_path.iterdir()) - {home} == before, "--out was created"
    assert (
        not (home / "looplab.db").exists() or Store(f"sqlite:///{home / 'looplab.db'}").runs() == []
    )
    assert not (tmp_path / PICKLE_RAN).exists(), "a pickle in a data file was loaded"
