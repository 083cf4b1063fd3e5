"""A newer Looplab opens an older store: the schema upgrades in place and the runs read back.

The databases at revisions 0001 (before runs had tags) and 0002 (a row per batch) are built by
Alembic from the real migrations, filled with runs as those schemas stored them, then opened
with `Store`. Every test runs on both backends (`database_url`): the same migrations serve
SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from trainers.events import BATCH_FIELDS
from trainers.store import Store, codec
from trainers.store.connection import MIGRATIONS
from trainers.store.errors import StoreUnavailable
from trainers.store.paths import CHECKOUT
from trainers.store.schema import HEAD, metadata


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def test_the_schema_module_names_the_newest_migration_and_matches_it(database_url):
    assert ScriptDirectory.from_config(alembic_config(database_url)).get_current_head() == HEAD
    command.upgrade(alembic_config(database_url), "head")  # every migration, from nothing
    with create_engine(database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_an_empty_database_gets_the_newest_schema_without_loading_alembic(database_url):
    code = (
        "import sys; from trainers.store import Store; Store(sys.argv[1]); "
        "assert 'alembic' not in sys.modules, 'Alembic was loaded'"
    )
    subprocess.run([sys.executable, "-c", code, database_url], check=True, cwd=CHECKOUT)
    with create_engine(database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert differences == [] and version == [(HEAD,)]


def test_a_database_of_the_previous_schema_upgrades_and_keeps_its_runs(database_url):
    command.upgrade(alembic_config(database_url), "0001")
    database = create_engine(database_url)
    result = {"test": {"accuracy": 0.5}, "confusion": [[1, 0], [0, 1]]}
    with database.begin() as connection:
        columns = [column["name"] for column in inspect(connection).get_columns("runs")]
        assert "tags" not in columns  # the previous schema
        connection.execute(
            text(
                "INSERT INTO runs (run_id, name, kind, status, owner, pid, host, created, "
                "started, ended, heartbeat, steps, best, config, info, result, versions) VALUES "
                "('run-1', 'old run', 'run', 'completed', 'cli', 1, 'h', 10, 11, 12, 12, 2, "
                "'{\"val_accuracy\": 0.5}', '{\"epochs\": 1}', '{}', :result, '{}')"
            ),
            {"result": codec.dumps(result).decode()},
        )
        connection.execute(
            text(
                "INSERT INTO batches (run_id, step, epoch, batch, size, lr, examples_per_second, "
                "seconds, metrics) VALUES ('run-1', :step, 1, :step, 32, 0.01, 100.0, :seconds, "
                ":metrics)"
            ),
            [{"step": s, "seconds": s / 10, "metrics": f'{{"loss": {2.0 - s}}}'} for s in range(2)],
        )
        connection.execute(text("INSERT INTO run_numbers (kind, created) VALUES ('run', 10)"))

    store = Store(database_url)

    with database.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (HEAD,)
        ]
    run = store.run("run-1")
    assert (run["name"], run["status"], run["tags"], run["best"]) == (
        "old run",
        "completed",
        [],
        {"val_accuracy": 0.5},
    )
    snapshot = store.snapshot("run-1")
    assert snapshot["batches"]["loss"] == [2.0, 1.0] and snapshot["batches"]["step"] == [0, 1]
    assert snapshot["result"]["confusion"] == [[1, 0], [0, 1]]
    store.set_tags("run-1", ["kept"])  # what the new revision added works on the old run
    assert store.run("run-1")["tags"] == ["kept"]
    assert store.new_run_id("run") == "run-2"  # the numbers go on where they were


def test_a_database_with_a_row_per_batch_keeps_every_batch_in_chunks(database_url):
    command.upgrade(alembic_config(database_url), "0002")
    database = create_engine(database_url)
    steps = 5000  # more than one chunk
    rows = [
        {
            "run_id": run_id,
            "step": step,
            "epoch": 1 + step // 100,
            "batch": step % 100,
            "lr": None if step == 7 else 0.001,  # NaN, which SQLite kept as NULL
            "seconds": step / 300,
            "metrics": codec.dumps(
                {"loss": 1 / (step + 1), "mean_loss": math.inf if step == 9 else 0.5}
            ).decode(),
        }
        for run_id in ("run-1", "run-2")
        for step in range(steps if run_id == "run-1" else 3)
    ]
    with database.begin() as connection:
        for run_id in ("run-1", "run-2"):
            connection.execute(
                text(
                    "INSERT INTO runs (run_id, name, kind, status, owner, created, steps, best, "
                    "config, info, result, versions, tags) VALUES (:run_id, :run_id, 'run', "
                    "'completed', 'cli', 1, 0, '{}', '{}', '{}', '{}', '{}', '[]')"
                ),
                {"run_id": run_id},
            )
        connection.execute(
            text(
                "INSERT INTO batches (run_id, step, epoch, batch, size, lr, examples_per_second, "
                "seconds, metrics) VALUES (:run_id, :step, :epoch, :batch, 64, :lr, 6400.0, "
                ":seconds, :metrics)"
            ),
            rows,
        )

    store = Store(database_url)

    batches = store.snapshot("run-1")["batches"]
    assert list(batches) == [*BATCH_FIELDS, "loss", "mean_loss"]
    assert batches["step"] == list(range(steps)) and batches["batch"][123] == 23
    assert batches["loss"] == [1 / (step + 1) for step in range(steps)]
    assert batches["mean_loss"][9] == math.inf and batches["mean_loss"][10] == 0.5
    assert math.isnan(batches["lr"][7]) and batches["lr"][8] == 0.001
    assert store.batches_since("run-2", 0)["step"] == [1, 2]
    assert not inspect(database).has_table("batches")


def test_a_database_of_a_newer_looplab_is_refused(database_url):
    Store(database_url)
    with create_engine(database_url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(
        StoreUnavailable, match=r"upgrade Looplab to open it\. Received: revision '0099'"
    ):
        Store(database_url)
