"""The Compare page in a real Chromium against the real `streamlit run app.py` server.

A person opens the optimizer race, loads the "SGD vs Adam, Trainer pattern" preset, starts it,
and watches both optimizers' curves grow together in the overlay chart, then stops the race.
"""

import pytest
from playwright.sync_api import Page, expect

PRESET = "SGD vs Adam, Trainer pattern"
# The worker may still be loading TensorFlow and parsing MNIST, or training another run.
RACE_SECONDS = 180

# Each optimizer's last step on the race's overlay chart once every one of `count` has passed
# `beyond` (`{label: step}`), or null until then.
STEPS_PAST = """([count, beyond]) => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const race = plots.find(
    p => (p.layout?.title?.text || '').includes('loss and accuracy, per optimizer'));
  // Plotly.js decodes the figure's base64 arrays into _fullData.
  const last = {};
  for (const trace of race?._fullData || []) {
    const x = Array.from(trace.x || [], Number);
    if (x.length) last[trace.name] = Math.max(last[trace.name] || 0, ...x);
  }
  const steps = Object.values(last);
  return steps.length === count && Math.min(...steps) > beyond ? last : null;
}"""


def wait_for_steps(page: Page, beyond: float, seconds: float) -> dict:
    """Waits until both optimizers' curves reach past step `beyond`; returns their last steps."""
    steps = page.wait_for_function(STEPS_PAST, arg=[2, beyond], polling=100, timeout=seconds * 1000)
    return steps.json_value()


@pytest.mark.browser
def test_the_sgd_vs_adam_preset_races_two_growing_curves(app_url, page):
    page.goto(app_url)
    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("tab", name="Optimizer race")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name=PRESET).click()
    expect(page.get_by_label("Training style", exact=True).first).to_be_visible()
    expect(page.get_by_text("trainer").first).to_be_visible()
    epochs = page.get_by_label("Epochs", exact=True).first  # the race's tab comes first
    epochs.fill("100")  # the preset's 5 epochs may all pass before Stop is pressed
    epochs.press("Enter")
    expect(epochs).to_have_value("100")

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
