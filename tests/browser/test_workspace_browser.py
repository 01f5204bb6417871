"""The researcher workspace in a real browser: an upload refused with its problems where they are, the same survey
uploaded, reviewed field by field and opened, previewed in two languages, its versions compared; a staff member
without rights refused. axe-core on every page on the way."""
from playwright.sync_api import expect

from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}

BILINGUAL = """slug: sleep-check
title: {en: Sleep check, es: Control del sueño}
purpose: care-quality
languages: [en, es]
fields:
  - {name: hours, label: {en: "How many hours do you sleep?", es: "¿Cuántas horas duerme?"}, type: integer,
     classification: non_pii}
  - {name: rested, label: {en: "Do you wake up rested?", es: "¿Se despierta descansado?"}, type: boolean,
     classification: spi}
"""


def sign_in(page, server, email):
    page.goto(f"{server}/researcher/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:text('Sign in')")


def choose(page, name: str, text: str) -> None:
    page.set_input_files("#definition", files=[{"name": name, "mimeType": "application/octet-stream",
                                                 "buffer": text.encode()}])


def test_upload_review_open_and_preview_in_two_languages(server, browser, shoot, axe, make_account):
    page = browser.new_page()
    sign_in(page, server, make_account("admin@example.org", "admin"))
    page.click("nav >> text=Surveys")
    expect(page.locator("h1")).to_have_text("Surveys")
    assert axe(page) == []

    choose(page, "sleep.yaml", BILINGUAL.replace("type: integer", "type: integr"))
    page.click("button:text('Check and save as a draft')")
    expect(page.locator("#problems")).to_contain_text("line 6")
    expect(page.locator("#problems")).to_contain_text("integr")
    assert axe(page) == []
    shoot(page, "upload-problems")

    choose(page, "sleep.yaml", BILINGUAL)
    page.click("button:text('Check and save as a draft')")
    expect(page.locator("h1")).to_have_text("Sleep check")
    expect(page.locator(".status")).to_have_text("draft")
    assert axe(page) == []

    page.click("text=Review the classification")
    expect(page.locator("table.review tbody tr")).to_have_count(2)
    assert axe(page) == []
    page.check("#confirm-hours")
    page.click("button:text('Confirm the classification')")
    expect(page.locator(".error-summary")).to_contain_text("rested")
    expect(page.locator("#confirm-hours")).to_be_checked()
    shoot(page, "review-unconfirmed")
    page.check("#confirm-rested")
    page.click("button:text('Confirm the classification')")
    expect(page.locator(".status")).to_have_text("open")
    shoot(page, "survey-open")

    page.click("text=Preview it as a respondent sees it")
    expect(page.locator(".preview-banner")).to_contain_text("Nothing you enter here is stored")
    page.click("nav.languages >> text=Español")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Control del sueño")
    expect(page.locator(".preview-banner")).to_contain_text("Vista previa")
    assert axe(page) == []
    page.check("#participate")
    page.check("#age_confirmed")
    page.press("#age_confirmed", "Enter")
    expect(page.locator("label[for=q_hours]")).to_contain_text("¿Cuántas horas duerme?")
    page.fill("#q_hours", "7")
    page.click("nav.languages >> text=English")
    expect(page.locator("label[for=q_hours]")).to_contain_text("How many hours do you sleep?")
    expect(page.locator("#q_hours")).to_have_value("7")
    assert axe(page) == []
    shoot(page, "preview-en")
    page.click("button:text('Submit my answers')")
    expect(page.locator("h1")).to_have_text("End of the preview")
    expect(page.locator("main")).to_contain_text("Nothing was stored")
    assert axe(page) == []


def test_versions_are_compared_on_a_phone(server, browser, shoot, axe, make_account):
    page = browser.new_page(viewport=PHONE)
    sign_in(page, server, make_account("admin@example.org", "admin"))
    for label in ("How many hours do you sleep?", "How long do you sleep?"):
        page.goto(f"{server}/researcher/surveys")
        choose(page, "sleep.yaml", BILINGUAL.replace("How many hours do you sleep?", label))
        page.click("button:text('Check and save as a draft')")
    page.click("text=against 1")
    expect(page.locator("pre.diff ins")).to_contain_text("How long do you sleep?")
    expect(page.locator("pre.diff del")).to_contain_text("How many hours do you sleep?")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert axe(page) == []
    shoot(page, "version-changes")


def test_a_staff_member_without_rights_is_refused(server, browser, axe, make_account):
    page = browser.new_page()
    sign_in(page, server, make_account("nobody@example.org", "researcher"))
    page.goto(f"{server}/researcher/surveys")
    expect(page.locator("main")).not_to_contain_text("wellbeing-demo")
    assert axe(page) == []
    response = page.goto(f"{server}/researcher/surveys/wellbeing-demo")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("no right to view")
    assert axe(page) == []
