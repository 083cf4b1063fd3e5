"""The GAN studio in a real Chromium against the real `streamlit run app.py` server.

A person opens the studio, starts its default GAN (conditional: a row per digit) on the 8x8
digits, and watches the sample grid from the fixed noise redraw itself as the generator learns,
with the change between the last two grids; asks it to draw only threes while it trains;
pausing offers the single-step buttons and a filmstrip to scrub back through (none while grids
keep coming: see `components.gan_view._samples`), and Stop ends the run with its interpolation
strip and downloads. No exception may show.
"""

import re

import pytest
from playwright.sync_api import Page, expect

ENGINE_READY_MS = 120_000  # TensorFlow loads in the server's worker thread: slow under load
FIRST_GRID_SECONDS = 180  # the first batch traces both networks: slow when the cores are busy

# The large sample grid once its step passes `after`: `{step, src}`, or null until then.
NEW_GRID = r"""(after) => {
  const samples = /step (\d+): samples from the same fixed noise/;
  const grid = [...document.querySelectorAll('[data-testid="stImage"]')].find(
    image => samples.test(image.textContent));
  const step = grid ? Number(grid.textContent.match(samples)[1]) : -1;
  if (step <= after) return null;
  return {step, src: grid.querySelector('img')?.getAttribute('src') || ''};
}"""

# Whether the d_loss chart shows the dashed line of the pause, labelled "paused".
PAUSE_DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].some(
  p => (p.layout?.title?.text || '').includes('d_loss per batch')
    && (p.layout.annotations || []).some(a => a.text.split(' · ').includes('paused')))"""


def wait_for_new_grid(page: Page, after: tuple[int, str], seconds: float = 60) -> tuple[int, str]:
    """Waits until the large grid shows a step past `after`'s; returns its step and address."""
    grid = page.wait_for_function(NEW_GRID, arg=after[0], polling=100, timeout=seconds * 1000)
    grid = grid.json_value()
    return grid["step"], grid["src"]


@pytest.mark.browser
def test_the_sample_grid_redraws_while_a_gan_trains(app_url, page):
    page.goto(f"{app_url}/gan_studio")
    start = page.get_by_role("button", name="Start")
    expect(start).to_be_visible(timeout=15_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Dataset").click()
    page.get_by_role("option", name="digits").click()
    samples_every = page.get_by_label("Samples every (steps)", exact=True)
    samples_every.fill("2")
    samples_every.press("Enter")
    expect(samples_every).to_have_value("2")
    expect(start).to_be_enabled(timeout=ENGINE_READY_MS)

    start.click()
    first = wait_for_new_grid(page, (-1, ""), seconds=FIRST_GRID_SECONDS)
    second = wait_for_new_grid(page, first)
    assert second[1] != first[1], "the grid's step changed but its image did not"
    expect(page.get_by_text("d_loss per batch").first).to_be_visible()
    expect(page.get_by_text("one row each of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9").first).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"red: where the samples changed from step"))
    ).to_be_visible()

    # Ask for threes while it trains: the next grid draws a row of threes for every digit.
    page.locator('[data-testid="stMultiSelect"]').filter(has_text="Draw these digits").click()
    page.get_by_role("option", name="3", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Draw", exact=True).click()
    threes = "one row each of " + ", ".join(["3"] * 10)
    expect(page.get_by_text(threes).first).to_be_visible(timeout=30_000)
    wait_for_new_grid(page, second)  # still training: Draw never paused it
    scrubber = page.get_by_role("slider", name=re.compile("Scrub back through the filmstrip"))
    expect(scrubber).to_have_count(0)  # while grids keep coming, the newest shows

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Train G one batch")).to_be_visible(timeout=10_000)
    # Once the chart marks the pause, the worker holds and the view redraws as it will stay.
    page.wait_for_function(PAUSE_DRAWN, polling=100, timeout=30_000)
    scrubber.first.focus()  # paused: the filmstrip can be scrubbed back
    page.keyboard.press("Home")
    first_grid = page.get_by_text(re.compile(r"^step 2: samples from the same fixed noise"))
    expect(first_grid).to_be_visible(timeout=10_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text(re.compile(r"stopped · epoch"))).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Download the filmstrip (GIF)")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("walking the latent space")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "Traceback" not in page.inner_text("body")
