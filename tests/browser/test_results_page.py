"""The results page on a phone: every chart fits the width, reads to a screen reader, and passes axe."""
import random

from playwright.sync_api import expect

from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


def answers(rnd: random.Random, i: int) -> dict:
    smoker = rnd.random() < 0.4
    given = {"full_name": f"P{i}", "wellbeing": rnd.choice(["very good", "good", "fair", "poor"]),
             "clinic": rnd.choice(["north", "south", "east"]), "phq1": rnd.randint(0, 3), "phq2": rnd.randint(0, 1),
             "sleep_hours": round(rnd.uniform(4, 10), 1), "bedtime": f"{rnd.randint(21, 23)}:{rnd.randint(0, 59):02d}",
             "visits": rnd.randint(0, 30), "activities": rnd.sample(["walking", "cycling", "swimming"], 2),
             "smoker": smoker, "birth_date": f"{rnd.randint(1950, 2000)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"}
    if smoker:
        given["cigarettes"] = rnd.randint(1, 30)
    if given["visits"]:
        given["last_visit"] = f"2024-0{rnd.randint(1, 9)}-10T10:00:00Z"
    return given


def test_a_researcher_reads_the_results_on_a_phone(server, browser, shoot, axe, submit, make_account, runner):
    rnd = random.Random(7)
    for i in range(60):
        assert submit("wellbeing-demo", answers(rnd, i)).status_code == 201
    email = make_account("cleared@example.org", "researcher", spi=True)
    assert runner.invoke(args=["users", "grant", email, "wellbeing-demo", "--role", "viewer"]).exit_code == 0
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{server}/researcher/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:text('Sign in')")
    page.click("a:text('Results')")
    expect(page.locator("h1")).to_have_text("Results: Patient wellbeing survey (demo)")
    expect(page.locator(".respondents")).to_have_text("60")
    assert page.locator("svg[role=img]").count() >= 8  # the choices, the grid's rows, the numbers, the dates
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    assert axe(page) == []
    shoot(page, "results-phone")

    page.fill("#date-from", "2024-05-31")
    page.fill("#date-to", "2024-05-01")
    page.click("button:text('Show')")
    expect(page.locator("#date-to-error")).to_contain_text("before the from date")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    assert axe(page) == []
    shoot(page, "results-bad-dates")
