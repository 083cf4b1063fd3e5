"""The Runs page lists every job of the process: single runs and races alike."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.registry import worker
from trainers import race
from trainers.config import RunConfig
from trainers.group import GroupRunConfig

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "runs.py")


def test_the_runs_page_lists_single_runs_and_races_with_their_status(until):
    run = worker().submit(RunConfig(dataset="digits", max_examples=128, epochs=1))
    contestants = race.parse_contestants("sgd:0.01,adam:0.001")
    shared = GroupRunConfig(dataset="digits", max_examples=128, max_steps=3)
    a_race = race.submit(worker(), race.RaceConfig(contestants, shared))
    until(lambda: run.log.finished and a_race.log.finished, 180, "the runs to end")

    page = AppTest.from_file(PAGE, default_timeout=60).run()

    table = page.dataframe[0].value
    rows = table.set_index("run")
    assert rows.loc[run.run_id, "status"] == "completed"
    assert rows.loc[a_race.run_id, "status"] == "completed"
    assert rows.loc[run.run_id, "steps"] == 2  # 115 training digits in batches of 64
    assert not page.exception
