"""How the command line refuses what cannot work: one line on stderr, before anything trains.

Every input is checked before a run exists, so a refusal leaves nothing in the store and no
files in `--out`. Options that cannot work (argparse's own mistakes, a configuration's
`check()`, a `--out` that will not do, options that do not fit the data) exit with status 2;
a data file that cannot be trained on exits with status 1. Either way the refusal is one
line, `python -m trainers run: error: ...`, saying what would work: no usage block, no
traceback, and a control character in what was typed is written as an escape, so a hostile
file name cannot draw on the terminal or split the line.

Only the data at hand is read before the run: a `.npz` file and the bundled datasets. A
dataset downloaded on first use is checked when the run loads it. None of it loads TensorFlow.
"""

from __future__ import annotations

import argparse
import os
import unicodedata
from pathlib import Path
from typing import NoReturn

import numpy as np

from trainers import catalog
from trainers.config import ConfigError, RunConfig, check_architecture_fits
from trainers.datasets import MAX_CLASSES, DatasetError, Source, npz
from trainers.store.names import checked_name


class Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose refusals take one line on stderr, without the usage block.

    `add_subparsers` makes each command's parser of the same class, so they refuse alike.
    """

    def error(self, message: str, status: int = 2) -> NoReturn:
        """Prints `PROG: error: MESSAGE` on one line and exits with `status` (2: options)."""
        self.exit(status, f"{self.prog}: error: {one_line(message)}\n")


def one_line(text: str) -> str:
    """`text` with its control and format characters (newlines, terminal escapes, direction
    marks) written as escapes such as `\\n`, so that it prints as the one line it claims."""
    return "".join(ascii(char)[1:-1] if _hidden(char) else char for char in text)


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def check_out_folder(folder: Path | None) -> None:
    """Raises `ConfigError` unless `--out` is left out, or names a new or empty folder."""
    if folder is not None and folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(
            "--out must be a new or empty folder, so that two runs' files never mix. "
            f"Received: --out {folder} (not empty)"
        )


def check_run_name(folder: Path | None) -> None:
    """Raises `ConfigError` when `--out`'s folder name cannot be the run's name in the store.

    The name is the last part of the path (`runs/a` names the run `a`), so it holds no path
    separator; it must be a folder rather than `.` or `..`, and plain words as the store keeps
    them (`trainers.store.names`): no markup, no control characters, not too long.
    """
    name = "" if folder is None else folder.name
    if name in (".", ".."):
        raise ConfigError(
            "--out's last part becomes the run's name in the store, so it must be a folder's "
            f"own name, not '.' or '..'. Received: --out {str(folder)!r}"
        )
    try:
        if name:
            checked_name(name)
    except ValueError as error:
        raise ConfigError(
            "--out's last part becomes the run's name in the store; give a folder name of "
            f"plain words. {error}"
        ) from None


def check_data(config: RunConfig) -> None:
    """Reads the run's data as the run will, so that what does not fit is refused first.

    Args:
        config: a checked configuration.

    Raises:
        DatasetError: the `.npz` file is missing, too large, hostile, or its arrays cannot be
            trained on (exit status 1).
        ConfigError: the options do not fit the data: classes or sample weights it lacks, an
            architecture that cannot model it (exit status 2).
    """
    from trainers import engine  # numpy only: TensorFlow loads when the networks are built

    if config.is_npz:
        _check_labels_fit(config, npz.load(config.dataset))
    elif not catalog.DATASETS[config.dataset].offline:
        return
    try:
        data = engine.load_data(config)
    except DatasetError as error:  # the file is fine (read above): the options are not
        raise ConfigError(str(error)) from None
    check_architecture_fits(config.architecture, data.kind, data.task, data.name)


def _check_labels_fit(config: RunConfig, source: Source) -> None:
    """Refuses a file whose labels read as regression targets when a classifier is asked for.

    A `.npz`'s float labels with fractions, or of shape (N, 1), are regression targets; with
    an architecture that only classifies such data, the labels are what is wrong.
    """
    kind = source.kind
    if source.task != "regression" or config.architecture not in catalog.architectures_for(
        kind, "classification"
    ):
        return
    if config.architecture in catalog.architectures_for(kind, "regression"):
        return
    targets = source.y_train.reshape(-1)
    fractions = targets[targets != np.round(targets)]
    example = f"e.g. {fractions[0]:g}" if len(fractions) else "floats of shape (N, 1)"
    raise DatasetError(
        f"{os.path.abspath(config.dataset)}: 'y_train' reads as regression targets, but "
        f"'{config.architecture}' classifies: class labels must be whole numbers from 0 to "
        f"{MAX_CLASSES - 1}, of shape (N,). Received: 'y_train' with {len(targets)} targets, "
        f"{example}"
    )
