"""Looplab's store: every run of every process, on the user's own disk, at full resolution.

    from trainers.store import Store, StoreWriter

    store = Store()                       # $LOOPLAB_HOME/looplab.db, or ./looplab-data/
    writer = StoreWriter(store)
    writer.follow(log, kind="script", owner="script")   # before the run starts
    ...                                   # train: every event reaches the database within 1 s
    writer.close()
    store.runs(), store.snapshot(run_id)  # from any process, at any time after

One module per idea: `paths` (the data folder), `schema` (the tables), `connection` (SQLite
for several processes, and schema upgrades through `migrations/`), `database` (`Store`),
`codec` (arrays and images to JSON and PNG), `records` and `writer` (`StoreWriter`),
`tensorboard` (event files), `liveness` (runs whose process died), `exports` (files of a run).
"""

from trainers.store.database import RunNotFound, Store
from trainers.store.paths import data_home
from trainers.store.writer import StoreWriter

__all__ = ["RunNotFound", "Store", "StoreWriter", "data_home"]
