"""The respondent's pages on a phone, 390 px wide: what a new user tripped over, seen in the browser. Each page
fits the screen (no sideways scroll) and passes axe."""
import re

from playwright.sync_api import expect

from tests.conftest import bearer

PHONE = {"width": 390, "height": 844}
DEMO = "wellbeing-demo"


def fits(page) -> bool:
    page.wait_for_load_state()  # with its style sheet: a page measured before it is styled is not the page seen
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def consent(page, server) -> None:
    page.goto(f"{server}/s/{DEMO}")
    page.check("#participate")
    page.check("#age_confirmed")
    page.click("text=Continue to the questions")


def test_a_missed_age_box_is_marked_on_the_consent_page_itself(server, browser, shoot, axe, count_rows):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{server}/s/{DEMO}")
    page.check("#participate")
    page.check("#spi_disclosure")
    page.click("text=Continue to the questions")
    expect(page.locator("#age_confirmed-error")).to_contain_text("confirm that")
    expect(page.locator("#error-summary a[href='#age_confirmed']")).to_be_visible()
    expect(page.locator("#participate")).to_be_checked()
    expect(page.locator("#spi_disclosure")).to_be_checked()
    assert fits(page) and axe(page) == []
    shoot(page, "age-box-missed")
    page.click("#error-summary a[href='#age_confirmed']")
    expect(page.locator("#age_confirmed")).to_be_in_viewport()
    page.check("#age_confirmed")
    page.click("text=Continue to the questions")
    expect(page.locator("#progress")).to_have_text("Page 1 of 3")
    assert count_rows("responses") == 0


def code_lines(page, element_id: str) -> list[float]:
    """The tops of the lines each group of the code sits on; a group split over two lines has two boxes. Measured
    once the page has loaded with its style sheet: before it, the code is laid out without its width rules."""
    page.wait_for_load_state("load")
    boxes = page.evaluate("""id => Array.from(document.querySelectorAll('#' + id + ' .code-group'))
        .map(group => Array.from(group.getClientRects()).map(rect => rect.top))""", element_id)
    assert all(len(rects) == 1 for rects in boxes), boxes  # no group is broken in the middle
    return sorted({round(rects[0]) for rects in boxes})


def test_the_receipt_breaks_only_between_groups_and_copies_and_prints(server, browser, shoot, axe):
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    consent(page, server)
    page.click("button:text('Next')")
    page.check("label:text('good') >> nth=1")
    page.click("button:text('Next')")
    page.click("button:text('Submit my answers')")
    code = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}", code)
    assert len(code_lines(page, "receipt-code")) >= 2  # it wraps on a phone, between groups
    expect(page.locator("main")).to_contain_text("This code will not be shown again.")
    assert fits(page) and axe(page) == []
    shoot(page, "receipt-phone")

    page.click("button:text('Copy')")
    expect(page.locator("#receipt-code-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == code

    page.evaluate("window.print = () => { window.printed = true; }")  # the dialog itself is the browser's
    page.click("button:text('Print')")
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    for hidden in ("header.site", "footer.site", "nav.languages", ".code-actions"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("#receipt-code")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Keep this code somewhere safe")
    shoot(page, "receipt-printed")
    context.close()


def test_without_javascript_the_code_shows_without_buttons(server, browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    consent(page, server)
    page.fill("#q_full_name", "Ann")
    page.click("button:text('Finish later')")
    expect(page.locator("#resume-code")).to_be_visible()
    expect(page.locator("button:text('Copy')")).to_be_hidden()
    expect(page.locator("button:text('Print')")).to_be_hidden()
    context.close()


def test_the_resume_code_breaks_only_between_groups_too(server, browser, axe):
    page = browser.new_page(viewport=PHONE)
    consent(page, server)
    page.click("button:text('Finish later')")
    assert len(code_lines(page, "resume-code")) >= 2
    expect(page.locator("button:text('Copy')")).to_be_visible()
    assert fits(page) and axe(page) == []


def sign_in_on(page, server, code) -> None:
    page.goto(f"{server}/me")
    page.fill("#code", code)
    page.click("button:text('Continue')")


def test_the_record_fits_a_phone_in_plain_words_and_confirms_each_change(server, browser, shoot, axe, submit,
                                                                         client, make_recipient):
    given = {"full_name": "Annabelle Leontyne Price-Featherstonehaugh", "email": "a.very.long.address@example.org",
             "wellbeing": "good", "phq1": 1, "conditions": "Supercalifragilisticexpialidocious" * 2}
    code = submit(DEMO, given, {"spi_disclosure": True}).get_json()["receipt"]
    token = make_recipient("Northwind Health Partners")
    for _ in range(2):
        client.get(f"/api/v1/surveys/{DEMO}/responses?purpose=care-quality", headers=bearer(token))
    page = browser.new_page(viewport=PHONE)
    sign_in_on(page, server, code)
    expect(page.locator("h1")).to_contain_text("Your answers")
    main = page.locator("main")
    expect(main).to_contain_text("Sensitive answers may be shared: yes")
    expect(main).not_to_contain_text("spi disclosure")
    group = page.locator("section.disclosure")
    expect(group).to_have_count(1)  # two disclosures, one recipient and purpose
    expect(group.locator("h3")).to_have_text("Northwind Health Partners")
    sent = group.locator("dl.sent")
    expect(sent).to_have_count(1)  # the same answers, the same way: one entry with both its dates
    expect(sent.locator("dd").first).to_contain_text(";")
    expect(sent.locator("li").first).to_have_text("Your full name")
    assert fits(page) and axe(page) == []
    shoot(page, "record-phone")

    page.check("#opt_out_other_purposes")
    page.click("button:text('Save my choices')")
    expect(page.locator(".flash")).to_have_text("Your choices are saved.")
    expect(main).to_contain_text("Personal information used only for this survey: yes")
    assert fits(page) and axe(page) == []

    page.click("text=Correct my answers")
    page.fill("#q_email", "ann@")
    page.click("button:text('Save my answers')")
    expect(page.locator("#error-summary a[href='#q_email']")).to_contain_text("Enter an email address")
    assert fits(page) and axe(page) == []
    shoot(page, "correction-errors-phone")
    page.fill("#q_email", "ann@example.org")
    page.click("button:text('Save my answers')")
    expect(page.locator(".flash")).to_have_text("Your answers are saved.")


def test_a_withdrawal_without_its_box_shows_its_error_at_the_form(server, browser, shoot, axe, submit):
    code = submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"]
    page = browser.new_page(viewport=PHONE)
    sign_in_on(page, server, code)
    page.click("text=Withdraw and erase my answers")
    assert page.url.endswith("/me/record?confirm=needed#withdraw")
    expect(page.locator("#confirm-error")).to_have_text(re.compile("Tick the box to confirm."))
    expect(page.locator("#confirm-error")).to_be_in_viewport()
    expect(page.locator("#confirm")).to_be_in_viewport()
    assert page.evaluate("document.activeElement.id") == "withdraw"
    assert fits(page) and axe(page) == []
    shoot(page, "withdrawal-unconfirmed")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#confirm")).to_be_checked()
    page.click("text=Withdraw and erase my answers")
    expect(page.locator("h1")).to_have_text("Your answers are erased")


def test_no_request_of_a_page_fails_and_the_icon_is_served(server, browser):
    page = browser.new_page(viewport=PHONE)
    failed = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(f"{server}/s/{DEMO}")
    assert page.evaluate("document.querySelector('link[rel=icon]').href") == f"{server}/static/favicon.svg"
    icon = page.goto(f"{server}/favicon.ico")  # what a browser asks for whatever the page links
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.url == f"{server}/static/favicon.svg"
    assert failed == []


def test_the_staff_sign_in_has_no_respondent_footer_and_a_styled_password_input(server, browser, axe):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{server}/researcher/login")
    expect(page.locator("footer.site")).to_have_count(0)
    email, password = (page.locator(selector).bounding_box() for selector in ("#email", "#password"))
    assert password["width"] == email["width"] and password["height"] == email["height"]
    assert fits(page) and axe(page) == []
