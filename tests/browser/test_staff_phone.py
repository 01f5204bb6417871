"""The admin's ledger and recipients pages on a phone, 390 px wide: nothing scrolls sideways, axe finds nothing."""
from playwright.sync_api import expect

from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def sign_in(server, browser, make_account, javascript=True):
    email = make_account("admin-with-a-rather-long-address@example.org", "admin", True)
    page = browser.new_context(viewport=PHONE, java_script_enabled=javascript).new_page()
    page.goto(f"{server}/researcher/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:text('Sign in')")
    expect(page.locator("h1")).to_have_text("Surveys")
    return page


def something_to_show(submit, make_recipient):
    """Recipients with long names, purposes and survey lists, a token, and disclosures in the ledger."""
    make_recipient("Northwind Health Analytics Consortium", purposes=(
        "longitudinal-outcomes-research", "care-quality", "service-improvement-and-benchmarking"))
    make_recipient("Acme", purposes=("research",))
    submit("wellbeing-demo", {"full_name": "Ann", "wellbeing": "good"})


def test_the_ledger_on_a_phone_stacks_each_entry_and_filters_inline(server, browser, shoot, axe, make_account,
                                                                   make_recipient, submit):
    something_to_show(submit, make_recipient)
    page = sign_in(server, browser, make_account)
    for purpose in ("care-quality", "research"):
        page.goto(f"{server}/researcher/export")
        page.select_option("#recipient", label="Acme")
        page.select_option("#purpose", purpose)
        page.click("button:text('Preview')")
        assert no_sideways_scroll(page) and axe(page) == []
        page.click("button:text('Export')")
        expect(page.locator("#job-state")).to_contain_text("Ready")
        assert no_sideways_scroll(page) and axe(page) == []
        with page.expect_download() as download:
            page.click("button:text('Download')")
        download.value.path()
    page.goto(f"{server}/researcher/ledger")
    expect(page.locator("li.entry").first).to_contain_text("export (csv:blank)")
    assert no_sideways_scroll(page)
    shoot(page, "ledger")
    assert axe(page) == []
    page.select_option("#recipient", "Acme")
    page.fill("#purpose", "research")
    page.click("button:text('Filter')")
    expect(page.locator("li.entry")).to_have_count(1)
    expect(page.locator("li.entry")).to_contain_text("research (other)")
    assert no_sideways_scroll(page) and axe(page) == []
    page.goto(f"{server}/researcher/ledger?since=2026-02-30&recipient=Acme")
    expect(page.locator("#since-error")).to_have_text("Not a date: write it as YYYY-MM-DD, e.g. 2026-03-31.")
    assert no_sideways_scroll(page)
    shoot(page, "ledger-bad-date")
    assert axe(page) == []


def test_the_recipients_pages_on_a_phone_fit_and_every_table_header_says_what_it_heads(
        server, browser, shoot, axe, make_account, make_recipient, submit):
    something_to_show(submit, make_recipient)
    page = sign_in(server, browser, make_account)
    page.goto(f"{server}/researcher/recipients")
    expect(page.locator("table.stack tbody tr")).to_have_count(3)
    assert no_sideways_scroll(page)
    shoot(page, "recipients")
    assert axe(page) == []
    page.click("text=Northwind Health Analytics Consortium")
    expect(page.locator("h1")).to_have_text("Northwind Health Analytics Consortium")
    assert no_sideways_scroll(page)
    shoot(page, "recipient")
    assert axe(page) == []
    page.click("button:text('Revoke')")
    expect(page.locator("h1")).to_have_text("Revoke this token of Northwind Health Analytics Consortium?")
    assert no_sideways_scroll(page)
    shoot(page, "revoke-confirmation")
    assert axe(page) == []
    page.click("text=Cancel")
    expect(page.locator("table.stack tbody")).to_contain_text("live")
    page.goto(f"{server}/researcher/recipients")
    page.click("a:text-is('internal')")
    expect(page.locator("h1")).to_have_text("internal")
    assert no_sideways_scroll(page) and axe(page) == []


def test_the_export_page_without_javascript_brings_the_purposes_of_the_chosen_recipient(
        server, browser, shoot, make_account, make_recipient, submit):
    something_to_show(submit, make_recipient)
    page = sign_in(server, browser, make_account, javascript=False)
    page.goto(f"{server}/researcher/export")
    expect(page.locator("#purpose option")).to_have_text(["care-quality (the survey's own purpose)"])
    page.select_option("#recipient", label="Acme")
    page.click("#show-purposes")
    expect(page.locator("#purpose option")).to_have_text([
        "care-quality (the survey's own purpose)", "research (another purpose)"])
    expect(page.locator("#recipient")).to_have_value(page.locator("#recipient option:text('Acme')")
                                                     .get_attribute("value"))
    assert no_sideways_scroll(page)
    shoot(page, "export-without-script")
