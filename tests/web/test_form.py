import re

import pytest

from tests.conftest import answer, csrf_token, shown_code, start

DEMO = "wellbeing-demo"


def test_the_consent_step_states_purpose_voluntariness_notice_and_choices(client):
    html = client.get(f"/s/{DEMO}").get_data(as_text=True)
    assert "improve follow-up care for our patients" in html
    assert "voluntary" in html
    assert re.search(r'notice-version">2026-11-01<', html)
    assert "I am at least 18 years old" in html
    for name in ("participate", "age_confirmed", "opt_out_third_party", "opt_out_other_purposes", "spi_disclosure"):
        checkbox = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'type="checkbox"' in checkbox and "checked" not in checkbox
    assert "Global Privacy Control" not in html


def test_gpc_presets_the_third_party_opt_out_and_says_why(client):
    html = client.get(f"/s/{DEMO}", headers={"Sec-GPC": "1"}).get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="opt_out_third_party"|<input[^>]*name="opt_out_third_party"[^>]*checked',
                     html)
    assert "Global Privacy Control" in html
    spi = re.search(r'<input[^>]*name="spi_disclosure"[^>]*>', html).group(0)
    assert "checked" not in spi


def test_the_form_refuses_a_post_without_its_csrf_token(client, count_rows):
    response = client.post(f"/s/{DEMO}", data={"participate": "y", "age_confirmed": "y"})
    assert response.status_code == 400
    assert client.get(f"/s/{DEMO}/questions").status_code == 302  # consent was not taken
    assert count_rows("responses") == 0


def test_participation_must_be_ticked(client):
    response = start(client, age_confirmed=True)
    assert response.status_code == 200
    assert "tick &#39;participate&#39;" in response.get_data(as_text=True)


def test_age_not_confirmed_is_marked_beside_its_box_and_nothing_is_kept(client, count_rows):
    response = start(client, participate=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="age_confirmed-error"' in html
    assert "Thank you for your interest" not in html
    assert client.get(f"/s/{DEMO}/questions").status_code == 302
    assert count_rows("responses") == 0


def test_the_questions_wait_for_the_consent_step(client):
    response = client.get(f"/s/{DEMO}/questions")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/s/{DEMO}")


def pages_html(client) -> str:
    """Every page of the demo survey as a respondent first sees it (the follow-up page is skipped until the
    mood score asks for it)."""
    return "".join(client.get(f"/s/{DEMO}/questions?page={name}").get_data(as_text=True)
                   for name in ("about_you", "wellbeing", "habits"))


def test_each_field_type_gets_its_input_and_a_plain_words_class_label(client):
    start(client, participate=True, age_confirmed=True)
    html = pages_html(client)
    expected = {"full_name": 'type="text"', "email": 'type="email"', "birth_date": 'type="date"',
                "sleep_hours": 'type="number"', "visits": 'type="number"', "wellbeing": 'type="radio"',
                "activities": 'type="checkbox"', "smoker": 'type="radio"', "bedtime": 'type="time"',
                "last_visit": 'type="datetime-local"', "phq1": 'type="radio"', "postcode": 'type="text"'}
    for name, input_type in expected.items():
        tag = re.search(rf'<input[^>]*name="q_{name}"[^>]*>', html).group(0)
        assert input_type in tag, (name, tag)
    for name in ("full_name", "email", "birth_date", "visits", "wellbeing", "bedtime", "last_visit"):
        assert f'aria-describedby="q_{name}' in re.search(rf'<input[^>]*name="q_{name}"[^>]*>', html).group(0)
    assert re.search(r'<textarea[^>]*name="q_conditions"', html)
    assert re.search(r'<select[^>]*name="q_clinic"', html)  # appearance: dropdown
    assert 'step="1"' in re.search(r'<input[^>]*name="q_visits"[^>]*>', html).group(0)
    assert '<label for="q_full_name">Your full name</label>' in html
    assert "<legend>Overall, how would you rate your wellbeing this month?" in html
    assert "The next questions are about the last two weeks." in html  # a note
    assert "q_phq_total" not in html  # a score is computed, never asked
    # Sensitive: the grid (once for its rows), smoker, cigarettes, conditions; Personal: the four on the
    # first page; Not identifying: clinic, wellbeing, sleep hours, bedtime, visits, last visit, activities.
    assert html.count("<strong>Sensitive.</strong>") == 4
    assert html.count("<strong>Personal.</strong>") == 4
    assert html.count("<strong>Not identifying.</strong>") == 7
    assert "Shared with third parties or used for other purposes only with your explicit consent" in html


def test_errors_rerender_next_to_the_inputs_and_keep_what_was_typed(client, count_rows):
    start(client, participate=True, age_confirmed=True)
    response = answer(client, q_full_name="Ann Lee", q_email="ann@")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Enter an email address" in html and 'id="q_email-error"' in html
    email = re.search(r'<input[^>]*name="q_email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in email and 'value="ann@"' in email and "q_email-error" in email
    assert 'value="Ann Lee"' in html
    assert "Page 1 of 3" in html  # the errors are shown on the page that has them
    response = answer(client, q_full_name="Ann Lee")  # the second page needs its answer
    html = response.get_data(as_text=True)
    assert "Page 2 of 3" in html and 'id="q_wellbeing-error"' in html and "This question needs an answer." in html
    response = answer(client, q_wellbeing="good", q_visits="lots")
    html = response.get_data(as_text=True)
    assert "Page 3 of 3" in html and 'id="q_visits-error"' in html and "Enter a whole number." in html
    visits = re.search(r'<input[^>]*name="q_visits"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in visits and 'value="lots"' in visits and "q_visits-error" in visits
    assert count_rows("responses") == 0


def test_a_complete_submission_shows_the_receipt_once(client, count_rows):
    start(client, participate=True, age_confirmed=True, spi_disclosure=True)
    response = answer(client, q_full_name="Ann Lee", q_wellbeing="good", q_visits="3", q_sleep_hours="7.5",
                      q_birth_date="1970-04-01", q_activities=["walking", "gardening"], q_smoker="no",
                      q_conditions="asthma")
    assert response.status_code == 302
    receipt_page = client.get(response.headers["Location"])
    assert receipt_page.status_code == 200 and receipt_page.headers["Cache-Control"] == "no-store"
    code = shown_code(receipt_page.get_data(as_text=True))
    assert "shows it only once" in receipt_page.get_data(as_text=True) or "only once" in receipt_page.get_data(
        as_text=True)
    assert client.get(f"/s/{DEMO}/receipt").status_code == 302  # not shown again
    record = client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()
    assert record["answers"] == {"full_name": "Ann Lee", "birth_date": "1970-04-01", "wellbeing": "good",
                                 "sleep_hours": 7.5, "visits": 3, "activities": ["walking", "gardening"],
                                 "smoker": False, "conditions": "asthma"}
    assert record["consent"]["spi_disclosure"] is True
    assert count_rows("responses") == 1
    assert client.get(f"/s/{DEMO}/questions").status_code == 302  # a refresh cannot submit twice


def test_gpc_through_the_form_is_recorded(client):
    start(client, headers={"Sec-GPC": "1"}, participate=True, age_confirmed=True, opt_out_third_party=True)
    location = answer(client, q_wellbeing="fair").headers["Location"]
    code = shown_code(client.get(location).get_data(as_text=True))
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["consent"]["opt_out_third_party"]


def test_a_minor_by_birth_date_is_refused_kindly_and_nothing_is_kept(client, count_rows):
    start(client, participate=True, age_confirmed=True)
    response = answer(client, q_wellbeing="good", q_birth_date="2016-02-02", q_full_name="Kid")
    assert response.status_code == 403
    assert "Nothing you entered has been kept" in response.get_data(as_text=True)
    assert count_rows("responses") == 0
    assert client.get(f"/s/{DEMO}/questions").status_code == 302


def test_the_respondent_can_leave_at_any_point(client, count_rows):
    start(client, participate=True, age_confirmed=True)
    page = client.get(f"/s/{DEMO}/questions")
    response = client.post(f"/s/{DEMO}/leave", data={"csrf_token": csrf_token(page.data)})
    assert "Nothing you entered has been kept" in response.get_data(as_text=True)
    assert client.get(f"/s/{DEMO}/questions").status_code == 302
    assert count_rows("responses") == 0


@pytest.mark.parametrize("path, status", [("/s/nope", 404), ("/", 200), ("/privacy", 200)])
def test_pages_answer_in_html(client, path, status):
    response = client.get(path)
    assert response.status_code == status and response.mimetype == "text/html"


def test_the_pages_load_nothing_from_elsewhere(client):
    start(client, participate=True, age_confirmed=True)
    for path in ("/", f"/s/{DEMO}/questions", "/privacy"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', html), path
        assert "style=" not in html
        assert all(src.startswith("/static/") for src in re.findall(r'<script src="([^"]+)"></script>', html))
        assert html.count("<script") == len(re.findall(r'<script src="/static/[a-z]+\.js"></script>', html))
