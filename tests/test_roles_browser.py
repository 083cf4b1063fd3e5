"""On a classroom network: with an operator password, a browser watches until it signs in.

A server started with `LOOPLAB_PASSWORD` shows a new session the Train page without its setup
or Start; a wrong password is refused and says when the next try counts; the right one brings
the setup and Start; signing out takes them away again.
"""

import pytest
from playwright.sync_api import expect
from test_browser import assert_no_exception

PASSWORD = "correct horse"


@pytest.fixture
def guarded_server(server_with):
    return server_with(LOOPLAB_PASSWORD=PASSWORD)


def sign_in(page, password: str) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_label("Operator password").fill(password)
    sidebar.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_a_viewer_sees_no_controls_until_it_signs_in_as_operator(guarded_server, page):
    page.goto(guarded_server.url)
    expect(page.get_by_text("You are watching").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Start")).to_have_count(0)
    expect(page.get_by_label("Dataset")).to_have_count(0)  # no setup, no server paths

    sign_in(page, "wrong horse")
    expect(page.get_by_text("That is not the operator password.")).to_be_visible()
    expect(page.get_by_role("button", name="Start")).to_have_count(0)

    page.reload()  # a new session: no waiting carried over
    sign_in(page, PASSWORD)
    expect(page.get_by_role("button", name="Start")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Signed in as operator")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are watching").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Start")).to_have_count(0)
    assert_no_exception(page)
