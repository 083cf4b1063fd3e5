"""Where Looplab keeps its runs on disk: one data folder, and a run's files inside it.

The data folder is `$LOOPLAB_HOME` when set, else `looplab-data/` beside `app.py`, so runs last
across restarts of the server without anyone configuring anything, and tests or a second
checkout can point elsewhere. Inside it: `looplab.db` (the database), `models/` (each run's
trained network) and `tensorboard/` (each run's event files, for `tensorboard --logdir`).

`$LOOPLAB_DATABASE_URL`, when set, names a database server instead of `looplab.db` (e.g.
`postgresql+psycopg://looplab:secret@db.school.lan/looplab`): every process given the same URL,
on any machine, shares its runs. Their models and TensorBoard files stay on the disk of the
machine that trained them, in a folder of that database's own (`servers/`), since each database
numbers its runs from 1: `run-3` of the server must not overwrite, or delete, `run-3` of
`looplab.db`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

HOME_VARIABLE = "LOOPLAB_HOME"
DATABASE_URL_VARIABLE = "LOOPLAB_DATABASE_URL"
CHECKOUT = Path(__file__).resolve().parents[2]  # the folder of app.py
DEFAULT_HOME = CHECKOUT / "looplab-data"
DATABASE = "looplab.db"
MODELS, TENSORBOARD, SERVERS = "models", "tensorboard", "servers"
MODEL_FILE = "model.keras"

_UNSAFE = re.compile(r"[^A-Za-z0-9._#+=@ -]")


def data_home() -> Path:
    """The data folder: `$LOOPLAB_HOME`, else `looplab-data/` beside `app.py`; created here."""
    configured = os.environ.get(HOME_VARIABLE)
    home = Path(configured).expanduser() if configured else DEFAULT_HOME
    home.mkdir(parents=True, exist_ok=True)
    return home.resolve()


def database_url() -> str | None:
    """The database URL of `$LOOPLAB_DATABASE_URL`, or None (the data folder's SQLite file)."""
    return os.environ.get(DATABASE_URL_VARIABLE, "").strip() or None


def server_home(*names: object) -> Path:
    """The data folder of a database server's runs, named by what tells it apart (its kind,
    host, port and database): `<data folder>/servers/postgresql-db.lan-5432-looplab`."""
    name = "-".join(_UNSAFE.sub("_", str(part)) for part in names if part not in (None, ""))
    return data_home() / SERVERS / name


def run_folder(root: Path, run_id: str) -> Path:
    """The folder of a run under `root`: a group's runs (`race-3/adam 0.001`) nest in its own.

    Raises:
        ValueError: for an id that would leave `root` (empty parts, `.` or `..`).
    """
    parts = [_UNSAFE.sub("_", part) for part in run_id.split("/")]
    if not run_id or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"A run id names a folder inside the data folder. Received: {run_id!r}")
    return root.joinpath(*parts)
