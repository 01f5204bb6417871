"""What a new respondent tripped over, each fixed where they met it: an age box missed, a code to keep, their
record in plain words, errors where they look, an icon, staff pages without the respondent's footer, and a
plain-HTTP trial whose forms all failed without saying why."""
import re

from tests.conftest import answer, csrf_token, start

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
    from tests.conftest import sign_in
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
