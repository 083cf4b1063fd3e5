"""The Live page: a classroom watches the teacher's run from browsers of their own.

The teacher starts a run on the Train page; a student who opens the Live page afterwards, in a
browser session of its own and in projector mode, sees that run's loss chart grow, large, with
no controls; when the teacher stops it and starts another, the student's page follows to the
new run by itself.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from test_browser import FIRST_BATCH_SECONDS, assert_no_exception, set_number, wait_for_growth

# The font size of the "loss per batch" chart, or null while there is none.
LOSS_CHART_FONT = """() => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')]
    .find(p => p.layout?.title?.text === 'loss per batch');
  return plot ? plot.layout.font?.size ?? null : null;
}"""


# The run ids the page names that are not among `known`, once there is one; null before.
NEW_RUN_IDS = """(known) => {
  const named = document.body.innerText.match(/run-\\d+/g) || [];
  const fresh = [...new Set(named)].filter(id => !known.includes(id));
  return fresh.length ? fresh : null;
}"""


def start_run(teacher: Page) -> str:
    """Presses Start on the teacher's Train page; returns the new run's id once it trains."""
    known = sorted(set(re.findall(r"run-\d+", teacher.inner_text("body"))))
    teacher.get_by_role("button", name="Start").click()
    named = teacher.wait_for_function(NEW_RUN_IDS, arg=known, polling=100, timeout=60_000)
    ids = named.json_value()
    assert len(ids) == 1, f"the Train page names {ids} as new runs"
    expect(teacher.get_by_text("The run was stopped before its end.")).to_have_count(0)
    wait_for_growth(teacher, beyond=-1, seconds=FIRST_BATCH_SECONDS)
    return ids[0]


@pytest.mark.browser
def test_a_student_watches_the_teachers_runs_live_and_follows_to_the_next(app_url, chromium):
    teacher = chromium.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    student = chromium.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    teacher.goto(app_url)
    set_number(teacher, "Epochs", 200)
    set_number(teacher, "Max examples (0 = all)", 1000)
    first = start_run(teacher)

    student.goto(f"{app_url}/live?projector=1")  # a late session, on the projector
    main = student.get_by_test_id("stMain")
    expect(main.get_by_text(first).first).to_be_visible(timeout=30_000)
    step = wait_for_growth(student, beyond=-1)
    wait_for_growth(student, beyond=step)  # it grows on its own
    assert student.evaluate(LOSS_CHART_FONT) == 22  # large, for the back of the room
    expect(student.get_by_role("button", name="Stop")).to_have_count(0)  # watching only
    expect(student.get_by_role("button", name="Pause")).to_have_count(0)

    teacher.get_by_role("button", name="Stop").click()
    expect(main.get_by_text("The run was stopped before its end.")).to_be_visible(timeout=30_000)
    second = start_run(teacher)
    expect(main.get_by_text(second).first).to_be_visible(timeout=30_000)  # followed, no reload
    wait_for_growth(student, beyond=-1)

    teacher.get_by_role("button", name="Stop").click()
    expect(main.get_by_text("The run was stopped before its end.")).to_be_visible(timeout=30_000)
    assert_no_exception(student)
    assert_no_exception(teacher)
    teacher.context.close()
    student.context.close()
