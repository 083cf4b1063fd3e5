"""Every bad data file a person uploads on the Train page is refused, saying why; Start waits.

One server, with uploads capped at 3 MB, and one Train page: each file of the table is uploaded
in turn, as a person would pick it, and the page must say what is wrong with it in words that
name the file as it was picked (not where the server keeps it) while Start stays disabled. A
good file then enables Start again, and a file over the cap is refused before it is stored.
"""

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from test_browser import assert_no_exception

from tests.bad_npz import (
    PICKLE_RAN,
    X,
    Y,
    corrupt,
    huge_header,
    not_npy,
    pickled,
    ragged,
    savez,
    truncated,
    zip_bomb,
)

UPLOAD_MB = 3  # zip_bomb's archive (2 MiB) passes the cap; its arrays must not
ENGINE_READY_MS = 180_000
CASES = {
    "pickled.npz": (pickled, "refuses pickle"),
    "ragged.npz": (ragged, "refuses pickle"),
    "truncated.npz": (truncated, "not a valid .npz file"),
    "corrupt.npz": (corrupt, "not a valid .npz file"),
    "bomb.npz": (zip_bomb, "larger than the 512 MiB"),
    "header.npz": (huge_header, "'x_train' is cut short"),
    "script.npz": (not_npy, "'x_train' is not a NumPy array"),
    "strings.npz": (savez(x_train=X, y_train=Y.astype(str)), "must hold numbers"),
    "nan.npz": (savez(x_train=X + np.nan, y_train=Y), "'x_train' holds NaN"),
    "lengths.npz": (savez(x_train=X, y_train=Y[:9]), "one label per example"),
    "labels.npz": (savez(x_train=X, y_train=Y - 1), "whole numbers from 0"),
    "keys.npz": (savez(x_train=X), "lacks 'y_train'"),
}


def upload(page: Page, path: Path) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(path)


@pytest.mark.browser
def test_bad_uploads_are_refused_saying_why_and_start_waits(server_with, page, tmp_path):
    server = server_with(STREAMLIT_SERVER_MAX_UPLOAD_SIZE=str(UPLOAD_MB))
    page.goto(server.url)
    start = page.get_by_role("button", name="Start")
    expect(start).to_be_visible(timeout=30_000)
    page.get_by_label("Dataset").click()
    page.get_by_role("option", name="Your .npz file").click()
    sidebar = page.get_by_test_id("stSidebar")

    for name, (build, words) in CASES.items():
        build(tmp_path / name)
        upload(page, tmp_path / name)
        refusal = page.get_by_test_id("stAlertContentError")
        expect(refusal, f"{name} was not refused").to_contain_text(words, timeout=30_000)
        expect(refusal).to_contain_text(f"{name}:")  # the file as it was picked
        expect(refusal).not_to_contain_text("looplab-uploads")
        expect(start).to_be_disabled()
    assert not (tmp_path / PICKLE_RAN).exists(), "a pickle in an upload was loaded"

    savez(x_train=np.random.default_rng(0).random((64, 8, 8)), y_train=np.arange(64) % 10)(
        tmp_path / "good.npz"
    )
    upload(page, tmp_path / "good.npz")
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0, timeout=30_000)
    expect(start).to_be_enabled(timeout=ENGINE_READY_MS)

    oversized = tmp_path / "oversized.npz"
    oversized.write_bytes(bytes((UPLOAD_MB + 1) * 2**20))
    upload(page, oversized)
    expect(sidebar.get_by_text(f"File must be {UPLOAD_MB}.0MB or smaller.")).to_be_visible()
    assert_no_exception(page)
