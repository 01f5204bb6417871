"""What a new respondent tripped over, each fixed where they met it: an age box missed, a code to keep, their
record in plain words, errors where they look, an icon, staff pages without the respondent's footer, and a
plain-HTTP trial whose forms all failed without saying why."""
import re
from types import SimpleNamespace

import pytest

from surveys.respond.wording import disclosure_groups
from tests.conftest import answer, bearer, csrf_token, sign_in, start
from tests.unit.test_languages_definition import SPEC_EXAMPLE

DEMO = "wellbeing-demo"


def text(response) -> str:
    return response.get_data(as_text=True)


def ticked(html: str, name: str) -> bool:
    return "checked" in re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


# -- the consent step ---------------------------------------------------------------------------

def test_a_missed_age_box_is_marked_beside_it_and_in_the_summary_with_the_other_ticks_kept(client, count_rows):
    response = start(client, participate=True, opt_out_other_purposes=True, spi_disclosure=True)
    html = text(response)
    assert response.status_code == 200 and "Thank you for your interest" not in html
    box = re.search(r'<div class="check has-error">\s*<input[^>]*id="age_confirmed"[^>]*>.*?</div>', html, re.S)
    assert box and 'aria-invalid="true"' in box.group(0) and 'aria-describedby="age_confirmed-error"' in box.group(0)
    assert "This survey is for people aged 18 or over, and taking part needs you to confirm that." in box.group(0)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert '<a href="#age_confirmed">I am at least 18 years old: This survey is for people aged 18' in summary
    assert all(ticked(html, name) for name in ("participate", "opt_out_other_purposes", "spi_disclosure"))
    assert not ticked(html, "age_confirmed") and not ticked(html, "opt_out_third_party")
    assert client.get(f"/s/{DEMO}/questions").status_code == 302  # no consent taken
    assert count_rows("responses") == 0 and count_rows("drafts") == 0


def test_both_boxes_missed_are_marked_at_once(client):
    html = text(start(client))
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert summary.index('href="#participate"') < summary.index('href="#age_confirmed"')


def test_ticking_the_box_after_the_error_goes_on_to_the_questions(client):
    start(client, participate=True)
    assert start(client, participate=True, age_confirmed=True).headers["Location"].endswith(f"/s/{DEMO}/questions")


def test_a_birth_date_that_shows_a_minor_is_still_refused_with_nothing_kept(client, count_rows):
    start(client, participate=True, age_confirmed=True)
    refused = answer(client, q_birth_date="2016-02-02", q_wellbeing="good")
    assert refused.status_code == 403 and "Thank you for your interest" in text(refused)
    assert count_rows("responses") == 0 and count_rows("drafts") == 0


def test_the_api_still_refuses_an_unconfirmed_age_with_403(submit, count_rows):
    refused = submit(DEMO, {"wellbeing": "good"}, {"age_confirmed": False})
    assert refused.status_code == 403 and refused.get_json()["error"] == "not_eligible"
    assert count_rows("responses") == 0


# -- the correction page ------------------------------------------------------------------------

def test_the_correction_page_lists_its_errors_linked_to_each_field(client, submit):
    sign_in(client, submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"])
    page = client.get("/me/answers")
    bad = client.post("/me/answers", data={"csrf_token": csrf_token(page.data), "q_visits": "many",
                                           "q_email": "ann@"})
    html = text(bad)
    summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1" id="error-summary">.*?</div>',
                        html, re.S).group(0)
    assert '<a href="#q_visits">' in summary and "Enter a whole number." in summary
    assert '<a href="#q_email">' in summary
    assert '<a href="#q_wellbeing-0">' in summary  # a required radio group, by its first option
    assert 'id="q_visits"' in html and 'id="q_wellbeing-0"' in html


# -- the codes shown once -----------------------------------------------------------------------

def code_markup(html: str, element_id: str) -> str:
    return re.search(rf'<p class="code" id="{element_id}">(.*?)</p>', html, re.S).group(1)


def assert_shown_once_with_copy_and_print(html: str, element_id: str) -> None:
    groups = re.findall(r'<span class="code-group">([A-Z2-7]{4}-?)</span>', code_markup(html, element_id))
    assert len(groups) == 8 and code_markup(html, element_id).count("<wbr>") == 7  # breaks only between groups
    assert "This code will not be shown again." in html
    copy = re.search(r'<button type="button" data-copy="%s"[^>]*>' % element_id, html).group(0)
    assert " hidden" in copy and 'data-copied="Copied"' in copy  # shown by the script alone
    assert re.search(r'<button type="button" class="secondary" data-print hidden>Print</button>', html)
    assert f'id="{element_id}-status" role="status"' in html
    assert '<script src="/static/copy.js"></script>' in html and "onclick" not in html


def test_the_receipt_keeps_each_group_whole_and_offers_copy_and_print(client):
    start(client, participate=True, age_confirmed=True)
    sent = answer(client, q_wellbeing="good")
    html = text(client.get(sent.headers["Location"]))
    assert_shown_once_with_copy_and_print(html, "receipt-code")
    assert text(client.get(sent.headers["Location"])).count("receipt-code") == 0  # once: the next visit has none


def test_the_resume_code_of_finish_later_is_shown_the_same_way(client):
    start(client, participate=True, age_confirmed=True)
    page = client.get(f"/s/{DEMO}/questions")
    later = client.post(f"/s/{DEMO}/questions", data={"csrf_token": csrf_token(page.data), "action": "later",
                                                      "page": "about_you", "q_full_name": "Ann"})
    assert later.status_code == 200
    assert_shown_once_with_copy_and_print(text(later), "resume-code")


def test_the_copy_script_and_the_print_styles_are_served(client):
    with client.get("/static/copy.js") as script:
        assert script.status_code == 200 and "navigator.clipboard" in text(script) and "window.print" in text(script)
    with client.get("/static/style.css") as response:
        css = text(response)
    assert ".code-group { white-space: nowrap; }" in css and "@media print" in css


# -- the respondent's own record ------------------------------------------------------------------

def flash_of(html: str) -> list[str]:
    return re.findall(r'<p class="flash" role="status">([^<]*)</p>', html)


@pytest.fixture
def signed_in(client, submit):
    """A respondent of the demo survey, signed in to their record."""
    sign_in(client, submit(DEMO, {"full_name": "Ann Lee", "wellbeing": "good"}).get_json()["receipt"])
    return client


def test_the_record_names_the_choices_and_how_they_were_made_in_words(signed_in):
    html = text(signed_in.get("/me/record"))
    for words in ("Personal information kept from third parties: no",
                  "Personal information used only for this survey: no", "Sensitive answers may be shared: no",
                  "through the API"):
        assert words in html, words
    seen = re.sub(r"<[^>]+>", " ", html)  # the words on the page, not its markup's names
    for name in ("spi disclosure", "opt out third party", "opt_out", "spi_disclosure"):
        assert name not in seen, name


def test_disclosures_are_grouped_by_recipient_and_purpose_with_the_labels_in_the_readers_language(
        client, make_survey, submit, make_recipient):
    slug = make_survey(SPEC_EXAMPLE)
    code = submit(slug, {"age": 40, "smoker": False, "phq1": 0, "phq2": 1}, {"spi_disclosure": True}).get_json()[
        "receipt"]
    token = make_recipient("Acme", surveys=(slug,))
    for _ in range(2):
        assert client.get(f"/api/v1/surveys/{slug}/responses?purpose=care-quality",
                          headers=bearer(token)).status_code == 200
    sign_in(client, code)
    html = text(client.get("/me/record?lang=es"))
    groups = re.findall(r'<section class="disclosure".*?</section>', html, re.S)
    assert len(groups) == 1 and "<h3" in groups[0] and ">Acme</h3>" in groups[0]
    assert "Para el propósito de esta encuesta (care-quality)" in groups[0]
    assert "a través de su acceso a nuestra API" in groups[0]
    labels = re.findall(r"<li>([^<]*)</li>", groups[0])
    assert labels == ["Su edad", "¿Fuma?", "Poco interés o placer", "Decaído, deprimido o sin esperanza",
                      "Phq total"]  # the survey's order, in Spanish; a score without a label keeps its default
    when = re.search(r"<dd>([^<]*)</dd>", groups[0]).group(1)
    assert when.count(";") == 1 and re.search(r"\d{4}", when)  # both dates, one entry: the same answers went out
    assert "phq1" not in groups[0] and "smoker" not in groups[0]
    english = text(client.get("/me/record?lang=en"))
    assert "<li>Little interest or pleasure in doing things</li>" in english
    assert "For the purpose of this survey (care-quality)" in english


def test_a_disclosure_for_another_purpose_says_so_and_a_field_since_removed_keeps_its_name():
    texts = SimpleNamespace(purpose="care-quality", fields=(SimpleNamespace(name="age", label="Your age"),))
    groups = disclosure_groups([{"at": None, "recipient": "internal", "purpose": "audit", "action": "export",
                                 "fields": ["gone_field", "age"]}], texts)
    assert groups[0].original is False and groups[0].sent[0].labels == ("Your age", "gone_field")


def test_each_change_on_the_record_confirms_itself_after_the_redirect(signed_in):
    page = signed_in.get("/me/record")
    saved = signed_in.post("/me/consent", data={"csrf_token": csrf_token(page.data), "opt_out_third_party": "y"})
    assert saved.status_code == 302
    assert flash_of(text(signed_in.get(saved.headers["Location"]))) == ["Your choices are saved."]
    again = signed_in.post("/me/consent", data={"csrf_token": csrf_token(page.data), "opt_out_third_party": "y"})
    assert flash_of(text(signed_in.get(again.headers["Location"]))) == [
        "Nothing changed: your choices were already these."]
    assert flash_of(text(signed_in.get("/me/record"))) == []  # said once
    form = signed_in.get("/me/answers")
    corrected = signed_in.post("/me/answers", data={"csrf_token": csrf_token(form.data), "q_full_name": "Ann Lee",
                                                    "q_wellbeing": "fair"})
    assert flash_of(text(signed_in.get(corrected.headers["Location"]))) == ["Your answers are saved."]
    left = signed_in.post("/me/leave", data={"csrf_token": csrf_token(page.data)})
    assert flash_of(text(signed_in.get(left.headers["Location"]))) == ["You are signed out."]


def test_the_withdrawal_error_is_shown_at_the_withdrawal_form(signed_in, count_rows):
    page = signed_in.get("/me/record")
    unconfirmed = signed_in.post("/me/withdraw", data={"csrf_token": csrf_token(page.data)})
    assert unconfirmed.headers["Location"].endswith("/me/record?confirm=needed#withdraw")
    html = text(signed_in.get("/me/record?confirm=needed"))
    section = re.search(r'<section aria-labelledby="withdraw-heading" class="withdraw" id="withdraw" tabindex="-1">'
                        r'.*?</section>', html, re.S).group(0)
    assert 'id="confirm-error"' in section and "Tick the box to confirm." in section
    assert re.search(r'<input aria-describedby="confirm-error" aria-invalid="true"[^>]*id="confirm"', section)
    assert html.count("Tick the box to confirm.") == 1  # not at the top as well
    assert count_rows("responses") == 1


# -- the icon, and the staff pages' own footer ------------------------------------------------------

def test_every_page_links_the_icon_and_favicon_ico_leads_to_it(client):
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in text(client.get("/"))
    found = client.get("/favicon.ico")
    assert found.status_code == 301 and found.headers["Location"] == "/static/favicon.svg"
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_staff_pages_have_no_respondent_footer(client, login):
    respondent = text(client.get("/"))
    assert "Privacy notice" in respondent and "Your answers (with your receipt code)" in respondent
    for html in (text(client.get("/researcher/login")), (login(), text(client.get("/researcher/")))[1]):
        assert '<footer class="site">' not in html and "Your answers (with your receipt code)" not in html


def test_the_staff_password_input_is_styled_like_the_others(client):
    with client.get("/static/style.css") as response:
        rule = re.search(r"([^}]*)\{\s*display: block; width: 100%", text(response)).group(1)
    assert "input[type=password]" in rule and "input[type=email]" in rule
    assert 'type="password"' in text(client.get("/researcher/login"))


# -- plain HTTP with Secure cookies --------------------------------------------------------------

LAN = "http://surveys.lan"
NEEDS_HTTPS = ("Your browser did not send back the cookie it was given, because the connection is not secure. "
               "For a trial on a private network, set SURVEYS_SESSION_COOKIE_SECURE=false.")


@pytest.fixture
def secure_cookies(app, make_app):
    """The app as it runs outside debug: its session cookie is Secure."""
    return make_app(SESSION_COOKIE_SECURE=True, RATELIMIT_ENABLED=False)


def browser_over(app, base_url: str):
    """A browser on plain HTTP: it takes the Secure cookie but never sends it back, as browsers do (the test client
    would send it; this one keeps no cookies at all)."""
    return app.test_client(use_cookies=False), {"base_url": base_url}


def test_a_form_sent_over_plain_http_says_the_service_needs_https(secure_cookies, count_rows):
    client, over = browser_over(secure_cookies, LAN)
    page = client.get(f"/s/{DEMO}", **over)
    session_cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "; Secure" in session_cookie
    sent = client.post(f"/s/{DEMO}", data={"csrf_token": csrf_token(page.data), "participate": "y",
                                          "age_confirmed": "y"}, **over)
    html = text(sent)
    assert sent.status_code == 400 and "<h1>This service needs HTTPS</h1>" in html and NEEDS_HTTPS in html
    assert "This form expired" not in html and count_rows("responses") == 0


def test_every_page_over_plain_http_warns_before_a_form_is_sent(secure_cookies):
    client, over = browser_over(secure_cookies, LAN)
    for path in (f"/s/{DEMO}", "/me", "/researcher/login", "/"):
        html = text(client.get(path, **over))
        assert '<div class="insecure" role="alert">' in html and "SURVEYS_SESSION_COOKIE_SECURE=false" in html, path


def test_the_warning_and_the_page_are_in_the_readers_language(secure_cookies):
    client, over = browser_over(secure_cookies, LAN)
    spanish = {"Accept-Language": "es"}
    page = client.get(f"/s/{DEMO}", headers=spanish, **over)
    assert "Este servicio necesita HTTPS" in text(page)
    assert "Esta página llegó por una conexión que no es segura" in text(page)
    sent = client.post(f"/s/{DEMO}", data={"csrf_token": csrf_token(page.data)}, headers=spanish, **over)
    assert "Su navegador no devolvió la cookie que recibió" in text(sent)


def test_the_staff_sign_in_over_plain_http_says_so_too(secure_cookies):
    client, over = browser_over(secure_cookies, LAN)
    page = client.get("/researcher/login", **over)
    sent = client.post("/researcher/login", data={"csrf_token": csrf_token(page.data), "email": "a@example.org",
                                                  "password": "x"}, **over)
    assert sent.status_code == 400 and NEEDS_HTTPS in text(sent)


@pytest.mark.parametrize("base_url, headers", [
    ("https://surveys.lan", {}),                               # HTTPS: the cookie comes back
    ("http://localhost:5000", {}),                             # browsers send Secure cookies to loopback names
    ("http://127.0.0.1:5000", {}),
    ("http://[::1]:5000", {}),
    (LAN, {"X-Forwarded-Proto": "https"}),                     # HTTPS to a proxy that SURVEYS_PROXY_COUNT ignores
])
def test_where_the_cookie_does_come_back_there_is_no_warning_and_an_expired_form_says_so(secure_cookies, base_url,
                                                                                         headers):
    client, _ = browser_over(secure_cookies, base_url)
    page = client.get(f"/s/{DEMO}", base_url=base_url, headers=headers)
    assert 'class="insecure"' not in text(page)
    sent = client.post(f"/s/{DEMO}", data={"csrf_token": csrf_token(page.data)}, base_url=base_url, headers=headers)
    assert sent.status_code == 400 and "This form expired" in text(sent) and "needs HTTPS" not in text(sent)


def test_with_cookies_not_secure_a_trial_on_plain_http_has_no_warning(client):
    assert 'class="insecure"' not in text(client.get(f"/s/{DEMO}", base_url=LAN))
    page = client.get(f"/s/{DEMO}", base_url=LAN)
    sent = client.post(f"/s/{DEMO}", data={"csrf_token": csrf_token(page.data), "participate": "y",
                                          "age_confirmed": "y"}, base_url=LAN)
    assert sent.status_code == 302  # the cookie came back: the form works
