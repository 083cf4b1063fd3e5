"""Alembic's environment for the store: migrates the connection the store hands over.

`trainers.store.connection.upgrade` passes an open connection, inside a write transaction
that holds SQLite's write lock or PostgreSQL's advisory lock, as `config.attributes
["connection"]`: two processes opening an old database at once then migrate it once, one after
the other. Run by hand (`alembic -c ...`), it connects to the `sqlalchemy.url` of the
configuration instead. The same migrations serve both databases: `render_as_batch` rebuilds a
table where SQLite cannot alter it, and alters it in place on PostgreSQL.
"""

from alembic import context
from sqlalchemy import create_engine

from trainers.store.schema import metadata

config = context.config


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as opened:
        run_migrations(opened)
