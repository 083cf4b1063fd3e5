"""How soon Looplab is ready: from `streamlit run` to Start on screen, against a bare app.

A person types `streamlit run app.py` and opens the page. What Looplab adds to Streamlit's
own start is its imports and its first paint (`components.first_paint`); TensorFlow loads on
the worker thread once the page is on screen, and a run started before waits for it. So the
benchmark launches Looplab and, in the same
way, a bare Streamlit app that draws only `st.button("Start")`, in turns (Looplab first in one
repeat, the bare app first in the next), and times each from the launch until a new browser
page shows its Start button: the server is polled until it answers, then the page opened. The
goals: Looplab's controls show within 3 s, and at most 0.6 s after the bare app's.

On Looplab's page it then times, from the moment the page was opened, Start being enabled
and, pressed at once, the run's first batch ending (the store's time of it, TensorFlow's
import included): what a person waits for, with no goal.

    python -m benchmarks --only cold_start
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import served

BARE_APP = 'import streamlit as st\n\nst.button("Start")\n'
GOAL_SECONDS, GOAL_MARGIN = 3.0, 0.6


def launch(chromium, script: str | Path) -> tuple[served.Server, object, float, float]:
    """Launches `script` and opens it once it answers.

    Returns:
        The server (running), the page, the seconds from the launch to Start on screen, and
        the wall-clock time the page was opened.
    """
    from playwright.sync_api import expect

    server = served.Server(script)
    server.wait()
    opened = time.time()
    page = served.new_page(chromium, server.url)
    expect(page.get_by_role("button", name="Start")).to_be_visible(timeout=served.SHOWN_MS)
    return server, page, time.time() - server.launched, opened


def looplab_ready(page, store: served.Store, opened: float) -> tuple[float, float]:
    """Waits for Start to be enabled, presses it and waits for the run's first batch.

    Returns:
        The seconds from opening the page to Start enabled, and to the first batch's end.
    """
    from playwright.sync_api import expect

    start = page.get_by_role("button", name="Start")
    expect(start).to_be_enabled(timeout=served.ENGINE_READY_MS)
    enabled = time.time() - opened
    start.click()
    return enabled, store.wait_for_batch(after=opened) - opened


def measure(quick: bool) -> list[dict]:
    """Looplab's and the bare app's seconds to Start on screen, and Looplab's to its first
    batch."""
    repeats = 3 if quick else 5
    times: dict[str, list[float]] = {"looplab": [], "bare": [], "enabled": [], "batch": []}
    with (
        tempfile.TemporaryDirectory(prefix="looplab-bare-app-") as folder,
        served.browser() as chromium,
    ):
        bare = Path(folder) / "bare.py"
        bare.write_text(BARE_APP)
        for repeat in range(repeats):
            order = ("app.py", bare) if repeat % 2 == 0 else (bare, "app.py")
            for script in order:
                server, page, seconds, opened = launch(chromium, script)
                try:
                    if script == bare:
                        times["bare"].append(seconds)
                        continue
                    times["looplab"].append(seconds)
                    enabled, batch = looplab_ready(page, served.Store(server.database), opened)
                    times["enabled"].append(enabled)
                    times["batch"].append(batch)
                finally:
                    served.close_page(page)
                    server.stop()
            print(
                f"  repeat {repeat + 1}: Looplab {times['looplab'][-1]:.2f} s, bare "
                f"{times['bare'][-1]:.2f} s; Start enabled {times['enabled'][-1]:.1f} s, "
                f"first batch {times['batch'][-1]:.1f} s after opening",
                flush=True,
            )
    looplab = statistics.median(times["looplab"])
    margin = statistics.median(
        mine - other for mine, other in zip(times["looplab"], times["bare"], strict=True)
    )
    over = f"median of {repeats} interleaved launches"
    return [
        {
            "name": "launch to Start shown, Looplab",
            "value": looplab,
            "unit": "s",
            "goal": f"≤ {GOAL_SECONDS:g} s",
            "met": looplab <= GOAL_SECONDS,
            "detail": over,
        },
        {
            "name": "launch to Start shown, bare Streamlit app",
            "value": statistics.median(times["bare"]),
            "unit": "s",
            "goal": None,
            "met": None,
            "detail": f"{over}; a script with one st.button",
        },
        {
            "name": "launch to Start shown, Looplab − bare",
            "value": margin,
            "unit": "s",
            "goal": f"≤ {GOAL_MARGIN:g} s",
            "met": margin <= GOAL_MARGIN,
            "detail": f"median of {repeats} repeats' own differences",
        },
        {
            "name": "page opened to Start enabled",
            "value": statistics.median(times["enabled"]),
            "unit": "s",
            "goal": None,
            "met": None,
            "detail": f"a run started before TensorFlow has loaded waits for it; {over}",
        },
        {
            "name": "page opened to first batch",
            "value": statistics.median(times["batch"]),
            "unit": "s",
            "goal": None,
            "met": None,
            "detail": (
                f"Start pressed once enabled: mlp on mnist-5k, TensorFlow's import included; {over}"
            ),
        },
    ]
