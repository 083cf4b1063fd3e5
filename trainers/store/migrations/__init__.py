"""Alembic migrations of the store: `env.py` and one script per schema revision in `versions/`.

`trainers.store.connection.upgrade` runs them when a `Store` opens a database older than
`trainers.store.schema.HEAD`. A new revision goes in `versions/` with the next number, its
`down_revision` the one before, and `schema.HEAD` moves to it.
"""
