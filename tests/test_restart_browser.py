"""Runs survive a restart of the real server: every point is still on the Runs page.

A person trains a short run on the Train page of a real `streamlit run app.py`, stops the
server, starts a new one on the same data folder, and opens the run on the Runs page: its loss
chart has one point per batch the run trained. The browser drives both servers; every wait is
for something the page shows, never a fixed time.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from test_browser import ENGINE_READY_MS, FIRST_BATCH_SECONDS, assert_no_exception, set_number

from trainers.store import Store

# The points of the first trace (the batch's own loss) of the "loss per batch" chart.
LOSS_POINTS = """() => Math.max(-1, ...[...document.querySelectorAll('.js-plotly-plot')]
  .filter(p => p.layout?.title?.text === 'loss per batch')
  .map(p => p._fullData?.[0]?.x?.length ?? -1))"""
ENDED = re.compile(r"completed · epoch 1/1 · step (\d+)/\1")


def train_a_short_run(page: Page, url: str) -> tuple[str, int]:
    """Trains one epoch of 600 mnist-5k digits on the Train page; returns its id and steps."""
    page.goto(url)
    start = page.get_by_role("button", name="Start")
    expect(start).to_be_visible(timeout=15_000)
    set_number(page, "Epochs", 1)
    set_number(page, "Max examples (0 = all)", 600)
    expect(start).to_be_enabled(timeout=ENGINE_READY_MS)
    start.click()
    ended = page.get_by_text(ENDED)
    expect(ended).to_be_visible(timeout=FIRST_BATCH_SECONDS * 1000)
    steps = int(ENDED.search(ended.inner_text())[1])
    status = page.get_by_text(re.compile(r"^run-\d+ · .* · completed$"))
    return status.inner_text().split(" · ")[0], steps


@pytest.mark.browser
def test_a_run_is_on_the_runs_page_with_every_point_after_a_restart(
    restartable_server, page, tmp_path
):
    run_id, steps = train_a_short_run(page, restartable_server.url)

    restartable_server.restart()
    page.goto(f"{restartable_server.url}/runs")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Open a run").click()
    page.get_by_role("option", name=re.compile(rf"^{run_id} · completed")).click()

    page.wait_for_function(f"() => ({LOSS_POINTS})() === {steps}", polling=100, timeout=60_000)
    expect(page.get_by_text("confusion matrix").first).to_be_visible()
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    assert_no_exception(page)
    stored = Store(f"sqlite:///{tmp_path / 'home' / 'looplab.db'}").run(run_id)
    assert (stored["status"], stored["steps"]) == ("completed", steps)
