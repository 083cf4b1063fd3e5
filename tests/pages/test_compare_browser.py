"""The Compare page in a real Chromium against the real `streamlit run app.py` server.

A person opens the optimizer race, loads the "SGD vs Adam, Trainer pattern" preset, starts it,
and watches both optimizers' curves grow together in the overlay chart, then stops the race.
"""

import time

import pytest
from playwright.sync_api import Page, expect

PRESET = "SGD vs Adam, Trainer pattern"
# The worker may still be loading TensorFlow and parsing MNIST, or training another run.
RACE_SECONDS = 180

# Each trace's last step on the race's overlay chart, by optimizer.
LAST_STEPS = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const race = plots.find(p => p.layout && p.layout.title &&
    (p.layout.title.text || '').includes('loss and accuracy, per optimizer'));
  if (!race) return {};
  // Plotly.js decodes the figure's base64 arrays into _fullData.
  const last = {};
  for (const trace of race._fullData || []) {
    const x = Array.from(trace.x || [], Number);
    if (x.length) last[trace.name] = Math.max(last[trace.name] || 0, ...x);
  }
  return last;
}"""


def wait_for_steps(page: Page, beyond: float, seconds: float) -> dict:
    """Waits until both optimizers' curves reach past step `beyond`; returns their last steps."""
    deadline = time.monotonic() + seconds
    while True:
        last = page.evaluate(LAST_STEPS)
        if len(last) == 2 and min(last.values()) > beyond:
            return last
        assert time.monotonic() < deadline, f"the overlay stayed at {last} for {seconds} s"
        page.wait_for_timeout(250)


@pytest.mark.browser
def test_the_sgd_vs_adam_preset_races_two_growing_curves(app_url, page):
    page.goto(app_url)
    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("tab", name="Optimizer race")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name=PRESET).click()
    expect(page.get_by_label("Training style", exact=True).first).to_be_visible()
    expect(page.get_by_text("trainer").first).to_be_visible()

    page.get_by_role("button", name="Start race").click()
    first = wait_for_steps(page, beyond=0, seconds=RACE_SECONDS)
    assert set(first) == {"sgd 0.01", "adam 0.001"}
    later = wait_for_steps(page, beyond=max(first.values()), seconds=30)
    assert all(later[name] > first[name] for name in first), (first, later)
    expect(page.get_by_text("Leader board")).to_be_visible()

    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("stopped").first).to_be_visible(timeout=20_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "Traceback" not in page.inner_text("body")
