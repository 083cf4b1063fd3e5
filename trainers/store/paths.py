"""Where Looplab keeps its runs on disk: one data folder, and a run's files inside it.

The data folder is `$LOOPLAB_HOME` when set, else `looplab-data/` beside `app.py`, so runs last
across restarts of the server without anyone configuring anything, and tests or a second
checkout can point elsewhere. Inside it: `looplab.db` (the database), `models/` (each run's
trained network) and `tensorboard/` (each run's event files, for `tensorboard --logdir`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

HOME_VARIABLE = "LOOPLAB_HOME"
CHECKOUT = Path(__file__).resolve().parents[2]  # the folder of app.py
DEFAULT_HOME = CHECKOUT / "looplab-data"
DATABASE = "looplab.db"
MODELS, TENSORBOARD = "models", "tensorboard"
MODEL_FILE = "model.keras"

_UNSAFE = re.compile(r"[^A-Za-z0-9._#+=@ -]")


def data_home() -> Path:
    """The data folder: `$LOOPLAB_HOME`, else `looplab-data/` beside `app.py`; created here."""
    configured = os.environ.get(HOME_VARIABLE)
    home = Path(configured).expanduser() if configured else DEFAULT_HOME
    home.mkdir(parents=True, exist_ok=True)
    return home.resolve()


def run_folder(root: Path, run_id: str) -> Path:
    """The folder of a run under `root`: a group's runs (`race-3/adam 0.001`) nest in its own.

    Raises:
        ValueError: for an id that would leave `root` (empty parts, `.` or `..`).
    """
    parts = [_UNSAFE.sub("_", part) for part in run_id.split("/")]
    if not run_id or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"A run id names a folder inside the data folder. Received: {run_id!r}")
    return root.joinpath(*parts)
