"""Which language a respondent page is in: ?lang (kept for the next pages), the browser's Accept-Language, the
survey's first language; the switcher on every page; staff pages and the API stay English."""
import re

import pytest

from surveys import languages
from tests.conftest import CONSENT, DEMO, answer, csrf_token, last_page, sign_in, start


def ticked(html: str, name: str) -> bool:
    return "checked" in re.search(rf'<input[^>]*id="{name}"[^>]*>', html).group(0)


def page_language(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


@pytest.mark.parametrize("header, expected", [
    ("es", "es"),
    ("es-MX", "es"),                          # a regional tag is reduced to its language
    ("es_mx", "es"),
    ("fr, es-419;q=0.8, en;q=0.5", "es"),     # the first one offered, by quality
    ("en;q=0.4, es;q=0.9", "es"),             # quality values, not the order written
    ("es;q=0, en", "en"),                     # q=0: not this one
    ("es;q=0", "en"),
    ("*", "en"),                              # anything: the survey's own language
    ("de, *;q=0.5", "en"),
    ("fr, de, zh-Hant-TW", "en"),             # nothing offered: the survey's own language
    ("garbage;;;q=x, ,", "en"),
    ("es;q=abc", "en"),                       # a bad quality drops the tag, not the page
    ("", "en"),
])
def test_accept_language_is_negotiated(client, header, expected):
    response = client.get(f"/s/{DEMO}", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert page_language(response.get_data(as_text=True)) == expected


def test_the_header_parser_sees_regional_tags_and_wildcards():
    assert languages.primary_tag("es-MX") == "es" and languages.primary_tag("ES") == "es"
    assert languages.primary_tag("*") is None and languages.primary_tag("x;y") is None
    assert languages.from_header([("es-MX", 1), ("en", 0.5)], ("en", "es")) == "es"
    assert languages.from_header([("*", 1), ("es", 0.5)], ("en", "es")) is None


def test_lang_in_the_address_wins_and_sticks_for_the_next_pages(client):
    html = client.get(f"/s/{DEMO}?lang=es", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page_language(html) == "es" and "Por qué preguntamos" in html
    with client.session_transaction() as session:
        assert session["lang"] == "es"
    for path in ("/", "/privacy", "/me", f"/s/{DEMO}/resume"):  # no ?lang on them: the choice is kept
        assert page_language(client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)) == "es"
    assert page_language(client.get("/?lang=en").get_data(as_text=True)) == "en"
    assert page_language(client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)) == "en"


@pytest.mark.parametrize("value", ["xx", "klingon", "", "es-", "<script>", "../es"])
def test_an_unknown_lang_is_ignored(client, value):
    response = client.get(f"/s/{DEMO}", query_string={"lang": value}, headers={"Accept-Language": "es"})
    assert response.status_code == 200
    assert page_language(response.get_data(as_text=True)) == "es"  # the browser's choice still holds
    with client.session_transaction() as session:
        assert "lang" not in session


def test_every_respondent_page_has_a_switcher_to_the_same_page(client, submit):
    receipt = submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"]
    pages = ["/", "/privacy", "/me", f"/s/{DEMO}/resume"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert re.search(r'<nav class="languages" aria-label="Language">', html), path
        assert f'href="{path}?lang=es" hreflang="es" lang="es"' in html, path
        assert '<span aria-current="true" lang="en">English</span>' in html
    sign_in(client, receipt)
    html = client.get("/me/record?gpc=confirm").get_data(as_text=True)
    assert 'href="/me/record?gpc=confirm&amp;lang=es"' in html  # the page as it is, its query kept


def test_the_switcher_on_the_consent_and_question_pages_sends_the_form(client):
    html = client.get(f"/s/{DEMO}").get_data(as_text=True)
    assert re.search(r'<button type="submit" form="consent" name="action" value="stay" class="link"\s+'
                     rf'formaction="/s/{DEMO}\?lang=es" lang="es">Español</button>', html)
    start(client, **CONSENT)
    html = client.get(f"/s/{DEMO}/questions").get_data(as_text=True)
    assert re.search(rf'form="answers" name="action" value="stay" class="link"\s+formaction="/s/{DEMO}/questions'
                     r'\?lang=es"', html)
    # Enter in a field presses a form's first button: the page's own action comes before the switcher's.
    assert html.index('form="answers" name="action" value="next" hidden') < html.index('value="stay"')


def test_switching_language_on_a_question_page_keeps_what_was_typed(client):
    start(client, **CONSENT)
    page = client.get(f"/s/{DEMO}/questions")
    switched = client.post(f"/s/{DEMO}/questions?lang=es", data={
        "csrf_token": csrf_token(page.data), "action": "stay", "page": "about_you",
        "q_full_name": "Ana López", "q_email": "ana@", "q_postcode": "12345"})
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200 and page_language(html) == "es"
    assert 'value="Ana López"' in html and 'value="ana@"' in html  # even what does not fit yet
    assert "Algunas respuestas necesitan atención" not in html  # no errors for a switch
    assert "Página 1 de 3" in html
    # What fits is kept on the server too: a later visit (in English again) has it.
    html = client.get(f"/s/{DEMO}/questions?lang=en").get_data(as_text=True)
    assert 'value="Ana López"' in html and 'value="12345"' in html and "Page 1 of 3" in html
    nxt = client.post(f"/s/{DEMO}/questions", data={
        "csrf_token": csrf_token(page.data), "action": "next", "page": "about_you", "q_email": "ana@"})
    assert "Enter an email address like name@example.org." in nxt.get_data(as_text=True)


def test_switching_language_on_the_consent_page_keeps_the_ticks_and_takes_nothing(client):
    page = client.get(f"/s/{DEMO}")
    switched = client.post(f"/s/{DEMO}?lang=es", data={"csrf_token": csrf_token(page.data), "action": "stay",
                                                      "participate": "y", "spi_disclosure": "y"})
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200 and page_language(html) == "es"
    assert ticked(html, "participate") and ticked(html, "spi_disclosure") and not ticked(html, "age_confirmed")
    assert client.get(f"/s/{DEMO}/questions").status_code == 302  # consent is given by Continue only


def test_a_page_that_answered_a_post_only_address_switches_to_the_list_of_surveys(client):
    start(client, **CONSENT)
    page = client.get(f"/s/{DEMO}/questions")
    left = client.post(f"/s/{DEMO}/leave", data={"csrf_token": csrf_token(page.data)}).get_data(as_text=True)
    assert 'href="/?lang=es"' in left


def test_the_code_pages_warn_before_a_switch(client):
    start(client, **CONSENT)
    html = last_page(client, q_wellbeing="good").get_data(as_text=True)
    page = client.get(f"/s/{DEMO}/questions")
    later = client.post(f"/s/{DEMO}/questions", data={"csrf_token": csrf_token(page.data), "action": "later",
                                                      "page": "about_you"}).get_data(as_text=True)
    assert 'id="switch-warning"' in later and 'aria-describedby="switch-warning"' in later
    assert "switch-warning" not in html


def test_right_to_left_languages_set_the_direction(client, monkeypatch):
    monkeypatch.setattr(languages, "offered_languages", lambda: ("en", "es", "ar"))
    html = client.get("/?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<html lang="es" dir="ltr">' in client.get("/?lang=es").get_data(as_text=True)


def test_the_survey_language_is_the_fallback(client, monkeypatch):
    monkeypatch.setattr(languages, "survey_languages", lambda: ["es", "en"])
    assert page_language(client.get(f"/s/{DEMO}").get_data(as_text=True)) == "es"
    assert page_language(client.get(f"/s/{DEMO}", headers={"Accept-Language": "*"}).get_data(as_text=True)) == "es"
    assert page_language(client.get(f"/s/{DEMO}", headers={"Accept-Language": "en"}).get_data(as_text=True)) == "en"


def test_staff_pages_and_the_api_stay_english(client, login, submit):
    client.get("/?lang=es")
    login("researcher")
    html = client.get("/researcher/").get_data(as_text=True)
    assert page_language(html) == "en" and 'class="languages"' not in html
    refused = submit(DEMO, {"wellbeing": "splendid"}, headers={"Accept-Language": "es"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["wellbeing"][0].startswith("Choose one of the options given")


def test_error_pages_are_in_the_readers_language(client):
    missing = client.get("/s/no-such-survey?lang=es")
    html = missing.get_data(as_text=True)  # an English-only message gives way to what the status means
    assert missing.status_code == 404 and "No funcionó" in html and "No hay nada en esta dirección" in html
    assert "There is no survey" not in html
    gone = client.get("/nowhere", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "No se encontró" in gone and "No hay nada en esta dirección" in gone
    expired = client.post(f"/s/{DEMO}", data={"participate": "y"}, headers={"Accept-Language": "es"})
    assert expired.status_code == 400 and "Este formulario venció" in expired.get_data(as_text=True)
    assert "Not Found" in client.get("/nowhere?lang=en").get_data(as_text=True)  # English as before


def test_dates_and_numbers_follow_the_language(client, submit):
    receipt = submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"]
    sign_in(client, receipt)
    english = client.get("/me/record?lang=en").get_data(as_text=True)
    spanish = client.get("/me/record?lang=es").get_data(as_text=True)
    assert re.search(r"Submitted [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M UTC · kept for up to 3,650 days",
                     english)
    assert re.search(r"Enviada el \d{1,2} [a-z]{3,4}\.? \d{4}, \d{1,2}:\d{2} UTC · se conserva hasta 3\.650 días",
                     spanish)


def test_answer_pages_translate_the_models_messages(client):
    start(client, **CONSENT)
    html = answer(client, q_email="ana@", q_birth_date="1800-01-01").get_data(as_text=True)
    assert "Enter an email address like name@example.org." in html and "Enter a date of at least 1900-01-01." in html
    client.get("/?lang=es")
    html = answer(client, q_email="ana@", q_birth_date="1800-01-01").get_data(as_text=True)
    assert "Escriba una dirección de correo electrónico como nombre@example.org." in html
    assert "Escriba una fecha igual o posterior a 1900-01-01." in html


def test_switching_language_while_correcting_keeps_what_was_typed_and_saves_nothing(client, submit):
    receipt = submit(DEMO, {"wellbeing": "good", "full_name": "Ana"}).get_json()["receipt"]
    sign_in(client, receipt)
    page = client.get("/me/answers")
    assert 'form="answers" name="action" value="stay"' in page.get_data(as_text=True)
    switched = client.post("/me/answers?lang=es", data={"csrf_token": csrf_token(page.data), "action": "stay",
                                                        "q_full_name": "Ana María", "q_wellbeing": "poor"})
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200 and "Corrija sus respuestas" in html and 'value="Ana María"' in html
    assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()["answers"]["full_name"] == "Ana"
