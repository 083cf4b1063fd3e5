"""The Train page in a real Chromium against the real `streamlit run app.py` server.

A person opens Looplab, starts a run on mnist-5k, and watches the loss chart grow on its own;
pausing freezes it (a new learning rate is still taken), resuming lets it grow again, and Stop
ends the run with its results. No exception may show on the page at any point. Every wait is
for something the page shows, with a generous deadline, never a fixed time.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ENGINE_READY_MS = 120_000  # TensorFlow loads in the server's worker thread: slow under load
FIRST_BATCH_SECONDS = 120  # mnist-5k is parsed from CSV on first use, then cached
DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshot-train.png"

# The last step drawn on the "loss per batch" chart, or -1 while it has no curve. A redraw may
# briefly hold the old chart beside the new one, so every chart of that title counts.
LAST_LOSS_STEP = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const losses = plots.filter(p => p.layout?.title?.text === 'loss per batch');
  // _fullData holds the decoded points (data keeps Plotly's base64 arrays as sent).
  const steps = losses.flatMap(p => p._fullData?.length ? Array.from(p._fullData[0].x) : []);
  return Math.max(-1, ...steps);
}"""

# What the loss chart has grown to once it draws a step past `beyond`: `{step}`, or `{failed}`
# as soon as the page says the run failed; null while neither.
GROWN = f"""(beyond) => {{
  const alerts = [...document.querySelectorAll('[data-testid="stAlert"]')];
  if (alerts.some(a => a.textContent.includes('The run failed'))) return {{failed: true}};
  const step = ({LAST_LOSS_STEP})();
  return step > beyond ? {{step}} : null;
}}"""

# Whether the "loss per batch" chart shows the dashed line of a mark with this label.
MARK_DRAWN = """(label) => [...document.querySelectorAll('.js-plotly-plot')].some(
  p => p.layout?.title?.text === 'loss per batch'
    && (p.layout.annotations || []).some(a => a.text.split(' · ').includes(label)))"""


def last_loss_step(page: Page) -> float:
    return page.evaluate(LAST_LOSS_STEP)


def wait_for_growth(page: Page, beyond: float, seconds: float = 60) -> float:
    """Waits until the loss chart draws a step past `beyond`; returns the last step drawn."""
    try:
        grown = page.wait_for_function(GROWN, arg=beyond, polling=100, timeout=seconds * 1000)
    except PlaywrightTimeoutError:
        step = last_loss_step(page)
        raise AssertionError(f"the loss chart stayed at step {step} for {seconds} s") from None
    grown = grown.json_value()
    assert "failed" not in grown, page.get_by_text("The run failed").first.inner_text()
    return grown["step"]


def wait_for_mark(page: Page, label: str) -> None:
    """Waits until the loss chart draws a mark labelled `label`, e.g. "paused"."""
    page.wait_for_function(MARK_DRAWN, arg=label, polling=100, timeout=30_000)


def set_number(page: Page, label: str, value: int | str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    expect(field).to_have_value(str(value))


def assert_no_exception(page: Page) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "Traceback" not in page.inner_text("body")


@pytest.mark.browser
def test_a_live_run_grows_pauses_resumes_and_stops(app_url, page, tmp_path):
    page.goto(app_url)
    start = page.get_by_role("button", name="Start")
    expect(start).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Code of this training style")).to_be_visible()
    expect(page.locator("pre").get_by_text("import keras").first).to_be_visible()  # its code
    set_number(page, "Epochs", 200)
    set_number(page, "Max examples (0 = all)", 1000)
    expect(start).to_be_enabled(timeout=ENGINE_READY_MS)

    start.click()
    first = wait_for_growth(page, beyond=-1, seconds=FIRST_BATCH_SECONDS)
    wait_for_growth(page, beyond=first)  # the chart gains points on its own
    page.get_by_text("Code and model").click()  # the model the run built, beside its code
    expect(page.get_by_text("Follows the guide")).to_be_visible()
    expect(page.get_by_text("Total params")).to_be_visible()

    page.get_by_role("button", name="Pause").click()
    resume = page.get_by_role("button", name="Resume")
    expect(resume).to_be_visible(timeout=10_000)
    # The pause mark lands after the batch in flight: once it is drawn, so are all the rows.
    wait_for_mark(page, "paused")
    paused_at = last_loss_step(page)
    # A paused run still takes requests: once the chart marks the new learning rate, the
    # worker has been round its pause loop and the chart redrawn, with no batch in between.
    set_number(page, "New learning rate", "0.0005")
    page.get_by_role("button", name="Apply").click()
    wait_for_mark(page, "lr → 0.0005")
    assert last_loss_step(page) == paused_at, "the loss chart kept growing while paused"

    resume.click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=10_000)
    wait_for_growth(page, beyond=paused_at)

    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("The run was stopped before its end.")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("confusion matrix").first).to_be_visible(timeout=20_000)
    assert_no_exception(page)

    screenshot = tmp_path / "train.png"
    page.set_viewport_size({"width": 1440, "height": 2200})  # the page scrolls inside itself
    page.screenshot(path=screenshot)
    if os.environ.get("LOOPLAB_SCREENSHOTS"):
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(screenshot, DOCS_SCREENSHOT)
