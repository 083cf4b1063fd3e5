"""The Runs page lists every job of the process: single runs and races alike."""

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.registry import worker
from trainers import race
from trainers.config import RunConfig

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "runs.py")


def test_the_runs_page_lists_single_runs_and_races_with_their_status():
    engine = worker()
    run = engine.submit(RunConfig(dataset="digits", max_examples=128, epochs=1))
    contestants = race.parse_contestants("sgd:0.01,adam:0.001")
    a_race = race.submit(
        engine, race.RaceConfig(contestants, dataset="digits", max_examples=128, max_steps=3)
    )
    deadline = time.monotonic() + 180
    while not (run.log.finished and a_race.log.finished):
        assert time.monotonic() < deadline, "the runs did not end within 3 minutes"
        time.sleep(0.5)

    page = AppTest.from_file(PAGE, default_timeout=60).run()

    table = page.dataframe[0].value
    rows = table.set_index("run")
    assert rows.loc[run.run_id, "status"] == "completed"
    assert rows.loc[a_race.run_id, "status"] == "completed"
    assert rows.loc[run.run_id, "steps"] == 2  # 115 training digits in batches of 64
    assert not page.exception
