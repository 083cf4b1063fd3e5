"""Every address goes through the router: a page opened first on a fresh server is the app's.

A bookmarked `/live` or a tab that reconnects after a restart is the first request a fresh
server gets. It must draw the app's frame (its navigation, the engine's status, the projector
toggle) around the page, as it does once the root has been visited.
"""

import pytest
from playwright.sync_api import expect
from test_browser import assert_no_exception

# Each page's address, and a heading it shows.
PAGES = {
    "": "Train",
    "live": "Live",
    "compare": "Compare",
    "gan_studio": "GAN studio",
    "runs": "Runs",
}


@pytest.mark.browser
def test_each_page_opened_first_on_a_fresh_server_is_drawn_in_the_apps_frame(
    restartable_server, page
):
    for address, heading in PAGES.items():
        restartable_server.restart()  # a fresh server: this address is its first request
        page.goto(f"{restartable_server.url}/{address}")
        expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=30_000)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Engine:").first).to_be_visible(timeout=30_000)
        expect(sidebar.get_by_text("Projector mode")).to_be_visible()
        navigation = page.get_by_test_id("stSidebarNav")
        expect(navigation.get_by_text("GAN studio")).to_be_visible()
        expect(navigation.get_by_text("app", exact=True)).to_have_count(0)  # no file list
        assert_no_exception(page)
