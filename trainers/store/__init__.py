"""Looplab's store: every run of every process, on the user's own disk, at full resolution.

    from trainers.store import Store, StoreWriter

    store = Store()                       # $LOOPLAB_DATABASE_URL, else $LOOPLAB_HOME/looplab.db
    writer = StoreWriter(store)
    writer.follow(log, kind="script", owner="script")   # before the run starts
    ...                                   # train: every event reaches the database within 1 s
    writer.close()
    store.runs(), store.snapshot(run_id)  # from any process, at any time after

One module per idea: `paths` (the data folder, the database URL), `schema` (the tables),
`connection` (SQLite for several processes, or a PostgreSQL server, and schema upgrades through
`migrations/`), `database` (`Store`), `errors` (what it raises), `codec` (arrays and images to
JSON and PNG), `records` and `writer` (`StoreWriter`), `tensorboard` (event files), `liveness`
(runs whose process died), `exports` (files of a run).
"""

import importlib

# Each name is loaded from its module when first asked for: a page that only needs the data
# folder or the error of a missing run does not wait for SQLAlchemy to load (about 0.3 s).
_MODULES = {
    "RunNotFound": "errors",
    "Store": "database",
    "StoreUnavailable": "errors",
    "StoreWriter": "writer",
    "data_home": "paths",
}

__all__ = list(_MODULES)


def __getattr__(name: str):
    if name not in _MODULES:
        raise AttributeError(f"module 'trainers.store' has no attribute {name!r}")
    return getattr(importlib.import_module(f"trainers.store.{_MODULES[name]}"), name)
