import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import PASSWORD


PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_a_respondent_fills_in_the_demo_survey_with_a_gpc_signal(server, browser, shoot, client, axe):
    page = browser.new_page(extra_http_headers={"Sec-GPC": "1"}, viewport=PHONE)
    page.goto(f"{server}/s/wellbeing-demo")
    expect(page.locator("#gpc-note")).to_contain_text("Opt-out request honored")
    expect(page.locator("#opt_out_third_party")).to_be_checked()
    expect(page.locator("#opt_out_third_party")).to_be_disabled()
    expect(page.locator("#spi_disclosure")).not_to_be_checked()
    shoot(page, "consent")
    page.check("#participate")
    page.check("#age_confirmed")
    page.click("text=Continue to the questions")

    # Page 1: an error on the page that has it, what was typed kept.
    expect(page.locator("#progress")).to_have_text("Page 1 of 3")  # the follow-up page is skipped for now
    page.fill("#q_full_name", "Ann Lee")
    page.fill("#q_email", "ann@")
    page.fill("#q_postcode", "1234")
    page.click("button:text('Next')")
    expect(page.locator("#q_email-error")).to_contain_text("Enter an email address")
    expect(page.locator("#q_postcode-error")).to_contain_text("in the form this question asks for")
    expect(page.locator("#q_full_name")).to_have_value("Ann Lee")
    assert axe(page) == []
    shoot(page, "errors-page-1")
    page.fill("#q_email", "ann@example.org")
    page.fill("#q_postcode", "12345")
    page.select_option("#q_clinic", label="south")
    page.click("button:text('Next')")

    # Page 2: a grid on a phone, and an error on page 2.
    expect(page.locator("#progress")).to_have_text("Page 2 of 3")
    page.check("#matrix-phq fieldset:nth-of-type(1) >> text=Not at all")
    page.check("#matrix-phq fieldset:nth-of-type(2) >> text=Several days")
    assert no_sideways_scroll(page)
    page.click("button:text('Next')")
    expect(page.locator("#q_wellbeing-error")).to_contain_text("needs an answer")
    expect(page.locator("#q_phq2-1")).to_be_checked()  # the grid kept its answers
    assert axe(page) == []
    shoot(page, "grid-phone-with-error")
    page.check("label:text('good') >> nth=1")
    page.click("button:text('Next')")

    # Page 3: a question that appears when an answer asks for it.
    expect(page.locator("#progress")).to_have_text("Page 3 of 3")
    expect(page.locator("#q_cigarettes")).to_be_hidden()
    page.check("#q_smoker-0")  # yes
    expect(page.locator("#q_cigarettes")).to_be_visible()
    page.fill("#q_cigarettes", "5")
    page.fill("#q_visits", "2")
    expect(page.locator("#q_last_visit")).to_be_visible()
    assert axe(page) == []
    shoot(page, "logic-within-a-page")

    # Back keeps every answer, on both pages.
    page.click("button:text('Back')")
    expect(page.locator("#progress")).to_have_text("Page 2 of 3")
    expect(page.locator("#q_wellbeing-1")).to_be_checked()
    page.click("button:text('Next')")
    expect(page.locator("#q_cigarettes")).to_have_value("5")

    # Finish later, and carry on on another device with the code.
    page.click("button:text('Finish later')")
    code = page.locator("#resume-code").inner_text()
    assert axe(page) == []
    shoot(page, "resume-code")
    other = browser.new_page(viewport=PHONE)
    other.goto(f"{server}/s/wellbeing-demo/resume")
    assert axe(other) == []
    other.fill("#code", code)
    other.click("button:text('Carry on')")
    expect(other.locator("#progress")).to_have_text("Page 3 of 3")
    expect(other.locator("#q_cigarettes")).to_have_value("5")
    other.fill("#q_conditions", "asthma")
    other.click("button:text('Submit my answers')")
    receipt = other.locator("#receipt-code").inner_text()
    expect(other.locator("#gpc-honored")).to_contain_text("Opt-out request honored")  # the consent travelled too
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}", receipt)
    shoot(other, "receipt")

    record = client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()
    assert record["answers"] == {"full_name": "Ann Lee", "email": "ann@example.org", "postcode": "12345",
                                 "clinic": "south", "wellbeing": "good", "phq1": 0, "phq2": 1, "phq_total": 1,
                                 "visits": 2, "smoker": True, "cigarettes": 5, "conditions": "asthma"}
    assert record["consent"] == {"opt_out_third_party": True, "opt_out_other_purposes": False,
                                 "spi_disclosure": False}
    page.goto(f"{server}/s/wellbeing-demo/resume")  # the code opened the draft; submitting erased it
    page.fill("#code", code)
    page.click("button:text('Carry on')")
    expect(page.locator("#code-error")).to_contain_text("opens no saved answers")


def test_the_follow_up_page_appears_when_the_score_asks_for_it(server, browser, shoot, client, axe):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/s/wellbeing-demo")
    page.check("#participate")
    page.check("#age_confirmed")
    page.click("text=Continue to the questions")
    page.click("button:text('Next')")
    page.check("label:text('good') >> nth=1")
    page.check("#q_phq1-3")  # nearly every day, in the grid's columns on a wide screen
    head = page.locator("#matrix-phq .matrix-head span").nth(4).bounding_box()
    radio = page.locator("#q_phq1-3").bounding_box()
    assert abs((head["x"] + head["width"] / 2) - (radio["x"] + radio["width"] / 2)) < 40  # under its column
    assert no_sideways_scroll(page) and axe(page) == []
    shoot(page, "grid-wide")
    page.click("button:text('Next')")
    expect(page.locator("#progress")).to_have_text("Page 3 of 4")  # a score of 3 asks the follow-up
    page.click("button:text('Next')")
    expect(page.locator("h2.section-title")).to_have_text("Anything else")
    page.check("#q_contact_me-0")
    shoot(page, "follow-up")
    page.click("button:text('Submit my answers')")
    receipt = page.locator("#receipt-code").inner_text()
    answers = client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()["answers"]
    assert answers == {"wellbeing": "good", "phq1": 3, "phq_total": 3, "contact_me": True}


def test_a_respondent_returns_with_the_receipt_and_withdraws(server, browser, shoot, submit, client):
    code = submit("wellbeing-demo", {"full_name": "Bo Diaz", "wellbeing": "fair", "conditions": "gout"}).get_json()[
        "receipt"]
    page = browser.new_page()
    page.goto(f"{server}/me")
    page.fill("#code", code.lower())
    page.click("button:text('Continue')")
    expect(page.locator("h1")).to_contain_text("Your answers")
    expect(page.locator("main")).to_contain_text("gout")
    shoot(page, "record")
    page.click("text=Withdraw and erase my answers")  # without confirming: nothing happens
    expect(page.locator("main")).to_contain_text("Tick the box to confirm")
    page.check("#confirm")
    page.click("text=Withdraw and erase my answers")
    expect(page.locator("h1")).to_have_text("Your answers are erased")
    shoot(page, "withdrawn")
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).status_code == 401


def test_a_researcher_signs_in_previews_and_downloads_an_export(server, browser, shoot, submit, make_account, runner,
                                                                make_recipient):
    for i in range(3):
        submit("wellbeing-demo", {"full_name": f"P{i}", "wellbeing": "good"}, {"opt_out_other_purposes": i == 0})
    make_recipient("Acme", purposes=("research",))
    email = make_account("researcher@example.org", "researcher")
    assert runner.invoke(args=["users", "grant", email, "wellbeing-demo", "--role", "exporter"]).exit_code == 0
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{server}/researcher/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:text('Sign in')")
    expect(page.locator("h1")).to_have_text("Surveys")
    shoot(page, "dashboard")
    page.click("nav >> text=Export")
    expect(page.locator("#show-purposes")).to_be_hidden()  # the script follows a change of recipient itself
    page.select_option("#recipient", label="Acme")
    expect(page.locator("#purpose option")).to_have_text([
        "care-quality (the survey's own purpose)", "research (another purpose)"])
    page.select_option("#purpose", "research")
    page.select_option("#recipient", label="internal")
    expect(page.locator("#purpose option")).to_have_text(["care-quality (the survey's own purpose)"])
    page.click("button:text('Preview')")
    expect(page.locator("#going-out")).to_have_text("3")
    shoot(page, "preview")
    page.click("button:text('Export')")  # the job runs inside the request here: its page shows it done
    expect(page.locator("#job-state")).to_contain_text("Ready: 3 respondents")
    with page.expect_download() as download:
        page.click("button:text('Download')")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted(row["full_name"] for row in rows) == ["P0", "P1", "P2"]
    assert all(row["conditions"] == "" for row in rows)
