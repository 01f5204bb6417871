import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def test_a_respondent_fills_in_the_demo_survey_with_a_gpc_signal(server, browser, shoot, client):
    page = browser.new_page(extra_http_headers={"Sec-GPC": "1"}, viewport={"width": 420, "height": 900})
    page.goto(f"{server}/s/wellbeing-demo")
    expect(page.locator("#gpc-note")).to_contain_text("Opt-out request honored")
    expect(page.locator("#opt_out_third_party")).to_be_checked()
    expect(page.locator("#opt_out_third_party")).to_be_disabled()
    expect(page.locator("#spi_disclosure")).not_to_be_checked()
    shoot(page, "consent")
    page.check("#participate")
    page.check("#age_confirmed")
    page.click("text=Continue to the questions")

    page.fill("#q_full_name", "Ann Lee")
    page.fill("#q_email", "ann@")
    page.fill("#q_visits", "-5")
    page.click("text=Submit my answers")
    expect(page.locator("#q_email-error")).to_contain_text("Enter an email address")
    expect(page.locator("#q_visits-error")).to_contain_text("at least 0")
    expect(page.locator("#q_wellbeing-error")).to_contain_text("needs an answer")
    expect(page.locator("#q_full_name")).to_have_value("Ann Lee")  # kept what was typed
    shoot(page, "errors")

    page.fill("#q_email", "ann@example.org")
    page.fill("#q_visits", "5")
    page.check("label:text('good') >> nth=1")
    page.check("label:text('walking')")
    page.check("#q_smoker-1")
    page.fill("#q_conditions", "asthma")
    page.click("text=Submit my answers")
    code = page.locator("#receipt-code").inner_text()
    expect(page.locator("#gpc-honored")).to_contain_text("Opt-out request honored")
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}", code)
    shoot(page, "receipt")

    record = client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()
    assert record["answers"] == {"full_name": "Ann Lee", "email": "ann@example.org", "wellbeing": "good",
                                 "visits": 5, "activities": ["walking"], "smoker": False, "conditions": "asthma"}
    assert record["consent"] == {"opt_out_third_party": True, "opt_out_other_purposes": False,
                                 "spi_disclosure": False}


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


def test_a_researcher_signs_in_previews_and_downloads_an_export(server, browser, shoot, submit, make_account):
    for i in range(3):
        submit("wellbeing-demo", {"full_name": f"P{i}", "wellbeing": "good"}, {"opt_out_other_purposes": i == 0})
    email = make_account("researcher@example.org", "researcher")
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{server}/researcher/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:text('Sign in')")
    expect(page.locator("h1")).to_have_text("Surveys")
    shoot(page, "dashboard")
    page.click("nav >> text=Export")
    page.select_option("#recipient", label="internal")
    page.fill("#purpose", "service-improvement")
    page.click("button:text('Preview')")
    expect(page.locator("main")).to_contain_text("is neither the survey's own purpose")  # not registered
    page.fill("#purpose", "care-quality")
    page.click("button:text('Preview')")
    expect(page.locator("#going-out")).to_have_text("3")
    shoot(page, "preview")
    with page.expect_download() as download:
        page.click("button:text('Download')")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted(row["full_name"] for row in rows) == ["P0", "P1", "P2"]
    assert all(row["conditions"] == "" for row in rows)
