"""The pages in English and Spanish in a real browser: the switcher by link and by button, what was typed kept
across a switch, Enter still going on, and axe-core on each; screenshots of both languages."""
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def test_consent_and_questions_in_english_and_spanish(server, browser, shoot, axe):
    page = browser.new_page(viewport=PHONE, locale="es-MX")  # the browser asks for Spanish
    page.goto(f"{server}/s/wellbeing-demo")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#purpose-heading")).to_have_text("Por qué preguntamos")
    assert axe(page) == []
    shoot(page, "consent-es")

    page.check("#participate")
    page.click("nav.languages >> text=English")  # the ticks travel with the switch
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#purpose-heading")).to_have_text("Why we ask")
    expect(page.locator("#participate")).to_be_checked()
    assert axe(page) == []
    shoot(page, "consent-en")

    page.check("#age_confirmed")
    page.click("text=Continue to the questions")
    expect(page.locator("#progress")).to_have_text("Page 1 of 3")
    page.fill("#q_full_name", "Ana López")
    page.fill("#q_email", "ana@")  # does not fit yet: kept all the same
    assert axe(page) == []
    shoot(page, "questions-en")
    page.click("nav.languages >> text=Español")
    expect(page.locator("#progress")).to_have_text("Página 1 de 3")
    expect(page.locator("#q_full_name")).to_have_value("Ana López")
    expect(page.locator("#q_email")).to_have_value("ana@")
    expect(page.locator(".error-summary")).to_have_count(0)
    assert axe(page) == []
    shoot(page, "questions-es")

    page.press("#q_full_name", "Enter")  # Enter is Next, not the switcher's first button
    expect(page.locator("#q_email-error")).to_contain_text("Escriba una dirección de correo electrónico")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    shoot(page, "questions-es-errors")
    page.fill("#q_email", "ana@example.org")
    page.press("#q_email", "Enter")
    expect(page.locator("#progress")).to_have_text("Página 2 de 3")
    assert axe(page) == []


def test_the_privacy_notice_and_self_service_switch_by_link(server, browser, shoot, axe, submit):
    code = submit("wellbeing-demo", {"wellbeing": "good"}).get_json()["receipt"]
    page = browser.new_page()
    page.goto(f"{server}/privacy")
    page.click("nav.languages >> text=Español")
    expect(page.locator("h1")).to_have_text("Aviso de privacidad")
    page.goto(f"{server}/me")  # the choice is kept without ?lang
    expect(page.locator("h1")).to_have_text("Vuelva a sus respuestas")
    page.fill("#code", code)
    page.click("button:text('Continuar')")
    expect(page.locator("h1")).to_contain_text("Sus respuestas a")
    assert axe(page) == []
    shoot(page, "record-es")


ARABIC = """
slug: arabic
title: {ar: "استبيان النوم", en: "Sleep survey"}
purpose: care-quality
languages: [ar, en]
fields:
  - {name: hours, label: {ar: "كم ساعة تنام؟", en: "How many hours do you sleep?"}, type: integer,
     classification: non_pii}
  - name: rested
    label: {ar: "هل تستيقظ مرتاحًا؟", en: "Do you wake up rested?"}
    type: choice
    classification: spi
    choices:
      - {value: 1, label: {ar: "عادةً", en: "Usually"}}
      - {value: 0, label: {ar: "نادرًا", en: "Rarely"}}
"""


def test_a_right_to_left_survey_reads_right_to_left_on_a_phone(server, browser, shoot, axe, make_survey):
    make_survey(ARABIC)
    page = browser.new_page(viewport=PHONE, locale="ar")
    page.goto(f"{server}/s/arabic")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.check("#participate")
    page.check("#age_confirmed")
    page.click("button[type=submit] >> nth=-1")
    expect(page.locator("main")).to_contain_text("كم ساعة تنام؟")
    heading, field = page.locator("main h1").bounding_box(), page.locator("#q_hours").bounding_box()
    assert field["x"] + field["width"] > PHONE["width"] - 40  # the input starts from the right edge
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth") and heading["width"] > 0
    assert axe(page) == []
    shoot(page, "questions-ar")
