"""An export as a background job in a real browser, with a real job runner beside the server: the progress bar moves
while the runner writes, reaches the end, the file downloads once and the page then says it is gone. Without
scripts the same page works with its Refresh link."""
import csv
import io
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from surveys import export_jobs, exports
from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def slow_export(monkeypatch):
    """Eight respondents written two at a time, with a pause at each step: long enough to watch."""
    monkeypatch.setattr(exports, "BATCH_ROWS", 2)
    monkeypatch.setattr(export_jobs, "BEAT", 0)
    real = export_jobs._Beat.__call__

    def beat(self, rows):
        real(self, rows)
        time.sleep(1.5)  # longer than the page waits between two looks
    monkeypatch.setattr(export_jobs._Beat, "__call__", beat)


def signed_in(server, browser, make_account, runner, javascript=True):
    email = make_account("exporter@example.org", "researcher")
    assert runner.invoke(args=["users", "grant", email, "panel", "--role", "exporter"]).exit_code == 0
    page = browser.new_context(viewport=PHONE, java_script_enabled=javascript, accept_downloads=True).new_page()
    page.goto(f"{server}/researcher/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:text('Sign in')")
    expect(page.locator("h1")).to_have_text("Surveys")
    return page


def start_export(page, server):
    page.goto(f"{server}/researcher/export")
    page.select_option("#survey", "panel")
    page.click("button:text('Preview')")
    expect(page.locator("#going-out")).to_have_text("8")
    page.click("button:text('Export')")
    expect(page.locator("h1")).to_have_text("Export of Panel")


def test_the_progress_bar_follows_the_runner_to_the_end_and_the_file_downloads_once(
        server, browser, shoot, axe, make_account, runner, panel, job_runner, slow_export):
    page = signed_in(server, browser, make_account, runner)
    start_export(page, server)
    bar = page.locator("#job-progress")
    expect(page.locator("#refresh")).to_be_hidden()  # the script keeps the page up to date itself
    seen = set()
    deadline = time.monotonic() + 30
    while not page.locator("#download").is_visible():
        assert time.monotonic() < deadline, seen
        value = bar.get_attribute("value")
        if value is not None:
            seen.add(int(value))
        if 0 < int(value or 0) < 8 and "moving" not in seen:
            seen.add("moving")
            expect(page.locator("#job-state")).to_have_text("Writing the file; the bar shows how far it has got.")
            assert axe(page) == []
            shoot(page, "running")
        time.sleep(0.1)
    assert "moving" in seen and len({v for v in seen if isinstance(v, int) and 0 < v < 8}) >= 2, seen
    expect(bar).to_have_attribute("value", "8")
    expect(bar).to_have_attribute("max", "8")
    expect(page.locator("#job-state")).to_contain_text("Ready: 8 respondents")
    assert axe(page) == []
    shoot(page, "done")
    with page.expect_download() as download:
        page.click("#download")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 8 and {row["tag"] for row in rows} == {f"tag-{n:03b}" for n in range(8)}
    # The page finds out by itself that the file is gone.
    expect(page.locator("#job-state")).to_contain_text("Downloaded at", timeout=15000)
    expect(page.locator("#download")).to_have_count(0)
    expect(page.locator(".export-jobs")).to_contain_text("downloaded")
    assert axe(page) == []
    shoot(page, "downloaded")


def test_without_scripts_the_job_page_is_refreshed_by_hand(server, browser, make_account, runner, panel, job_runner,
                                                           slow_export):
    page = signed_in(server, browser, make_account, runner, javascript=False)
    start_export(page, server)
    expect(page.locator("#refresh")).to_be_visible()
    expect(page.locator("#download")).to_have_count(0)
    deadline = time.monotonic() + 30
    while not page.locator("#download").count():
        assert time.monotonic() < deadline
        time.sleep(0.5)
        page.click("#refresh")
    expect(page.locator("#job-progress")).to_have_attribute("value", "8")
    with page.expect_download() as download:
        page.click("#download")
    assert len(Path(download.value.path()).read_text().splitlines()) == 9
