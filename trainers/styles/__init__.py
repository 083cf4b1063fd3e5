"""The training styles of the Keras guides, one module each, every one a `train(run)` function.

Each module reads like the guide it comes from: the Code panel shows it to learners beside the
live curves of the run it trains.
"""

import importlib
from collections.abc import Callable
from pathlib import Path

from trainers.catalog import STYLES


def trainer_for(style: str) -> Callable:
    """The function that trains a `Run` in this style."""
    info = STYLES[style]
    module = importlib.import_module(f"trainers.styles.{info.module}")
    return lambda run: module.train(run, **info.options)


def source_of(style: str) -> str:
    """The source code of a style's module, as the Code panel shows it (read, not imported)."""
    return (Path(__file__).parent / f"{STYLES[style].module}.py").read_text()
