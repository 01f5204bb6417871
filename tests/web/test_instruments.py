"""Instruments through the app: sections, grids, coded choices, conditions and scores, by the API, the web form
and corrections, and everywhere answers go out."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.crypto import open_answers
from models.draft import Draft
from models.response import Response
from surveys import db, drafts
from surveys.keys import keyring
from tests.conftest import (answer, bearer, csv_rows, csrf_token, download, last_page, page_name,
                            raw_database_bytes, shown_code, sign_in)

PHQ = """
slug: phq
title: Mood check
purpose: care-quality
sections:
  - name: intro
    title: About you
    fields:
      - {name: age, type: integer, classification: non_pii, min: 18, max: 120, role: age}
      - name: clinic
        type: choice
        appearance: dropdown
        classification: non_pii
        choices: [north, south]
      - {name: zip, type: text, classification: pii, pattern: "^[0-9]{5}$"}
  - name: mood
    title: Your mood
    fields:
      - {name: note_two_weeks, type: note, label: The last two weeks.}
      - matrix: phq
        label: How often have you been bothered by…
        classification: spi
        required: true
        choices:
          - {value: 0, label: Not at all}
          - {value: 1, label: Several days}
          - {value: 2, label: More than half the days}
          - {value: 3, label: Nearly every day}
        rows:
          - {name: phq1, label: Little interest}
          - {name: phq2, label: Feeling down}
      - name: phq_total
        type: calculated
        formula: "sum(phq1, phq2)"
        classification: spi
      - {name: smoker, type: boolean, classification: spi}
      - {name: cigarettes, type: integer, classification: spi, required: true, show_if: "smoker == true"}
  - name: follow_up
    title: Follow-up
    show_if: "phq_total >= 3"
    fields:
      - {name: harm, type: choice, classification: spi, required: true,
         choices: [{value: y, label: "Yes"}, {value: n, label: "No"}]}
      - {name: seen_at, type: datetime, classification: non_pii}
      - {name: bedtime, type: time, classification: non_pii}
"""
CONSENT = {"participate": True, "age_confirmed": True, "opt_out_third_party": False,
           "opt_out_other_purposes": False, "spi_disclosure": True}


@pytest.fixture
def phq(make_survey):
    make_survey(PHQ)
    return "phq"


def post(client, answers, consent=CONSENT):
    return client.post("/api/v1/surveys/phq/responses", json={"answers": answers, "consent": consent})


def record(client, receipt):
    return client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()


def test_coded_values_keep_their_type_and_the_score_is_computed_and_stored_encrypted(app, client, phq):
    response = post(client, {"age": 40, "phq1": 2, "phq2": 0, "smoker": False, "clinic": "south"})
    assert response.status_code == 201, response.get_json()
    answers = record(client, response.get_json()["receipt"])["answers"]
    assert answers == {"age": 40, "clinic": "south", "phq1": 2, "phq2": 0, "phq_total": 2, "smoker": False}
    assert isinstance(answers["phq1"], int)
    with app.app_context():
        stored = db.session().scalar(select(Response))
        assert stored.non_pii == {"age": 40, "clinic": "south"}  # the spi score is in the sealed blob, not here
        _, spi = open_answers(keyring(), stored.survey_id, stored.public_id, stored.data_key, stored.pii, stored.spi)
        assert spi == {"phq1": 2, "phq2": 0, "phq_total": 2, "smoker": False}


@pytest.mark.parametrize("answers, field, words", [
    ({"age": 30, "phq1": "1", "phq2": 0}, "phq1", "Choose one of the options given: 0, 1, 2, 3."),
    ({"age": 30, "phq1": 1, "phq2": 0, "phq_total": 9}, "phq_total", "computed by the survey"),
    ({"age": 30, "phq1": 1, "phq2": 0, "note_two_weeks": "x"}, "note_two_weeks", "takes no answer"),
    ({"age": 30, "phq1": 1, "phq2": 0, "smoker": False, "cigarettes": 4}, "cigarettes", "not asked"),
    ({"age": 30, "phq1": 1, "phq2": 0, "smoker": True}, "cigarettes", "needs an answer"),
    ({"age": 30, "phq1": 1}, "phq2", "needs an answer"),
    ({"age": 30, "phq1": 1, "phq2": 0, "harm": "y"}, "harm", "not asked"),
    ({"age": 30, "phq1": 2, "phq2": 2}, "harm", "needs an answer"),
    ({"age": 30, "phq1": 1, "phq2": 0, "zip": "1234"}, "zip", "in the form this question asks for"),
    ({"age": 30, "phq1": 2, "phq2": 2, "harm": "n", "seen_at": "2026-11-23T10:00"}, "seen_at", "time zone"),
    ({"age": 30, "phq1": 2, "phq2": 2, "harm": "n", "bedtime": "25:00"}, "bedtime", "HH:MM"),
])
def test_the_rules_of_answering_are_422_naming_the_field_and_nothing_is_stored(client, phq, count_rows, answers,
                                                                               field, words):
    response = post(client, answers)
    assert response.status_code == 422
    assert words in " ".join(response.get_json()["errors"][field])
    assert count_rows("responses") == 0


def test_a_shown_page_takes_its_answers_and_instants_are_stored_in_utc(client, phq):
    response = post(client, {"age": 30, "phq1": 2, "phq2": 2, "harm": "n", "seen_at": "2026-11-23T10:00:00+01:00",
                             "bedtime": "22:30", "smoker": True, "cigarettes": 3})
    assert response.status_code == 201, response.get_json()
    answers = record(client, response.get_json()["receipt"])["answers"]
    assert answers["seen_at"] == "2026-11-23T09:00:00Z" and answers["bedtime"] == "22:30"
    assert answers["phq_total"] == 4 and answers["cigarettes"] == 3


def test_a_correction_recomputes_the_score_and_removes_what_it_hides(client, phq):
    receipt = post(client, {"age": 30, "phq1": 2, "phq2": 2, "harm": "y", "smoker": True,
                            "cigarettes": 10}).get_json()["receipt"]
    headers = {"X-Receipt": receipt}
    changed = client.patch("/api/v1/me", json={"answers": {"phq2": 0, "smoker": False}}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    answers = record(client, receipt)["answers"]
    assert answers["phq_total"] == 2
    assert "harm" not in answers and "cigarettes" not in answers  # the follow-up page and the count are hidden now
    refused = client.patch("/api/v1/me", json={"answers": {"cigarettes": 5}}, headers=headers)
    assert refused.status_code == 422 and "not asked" in refused.get_json()["errors"]["cigarettes"][0]
    assert client.patch("/api/v1/me", json={"answers": {"phq_total": 1}}, headers=headers).status_code == 422
    assert record(client, receipt)["answers"]["phq_total"] == 2


def test_the_listing_carries_coded_choices_and_sections(client, phq, make_recipient):
    token = make_recipient("Acme", surveys=("phq",))
    [survey] = [s for s in client.get("/api/v1/surveys", headers=bearer(token)).get_json()["data"]
                if s["slug"] == "phq"]
    fields = {f["name"]: f for f in survey["fields"]}
    assert "note_two_weeks" not in fields  # a note holds no answers
    assert fields["phq1"]["choices"][0] == {"value": 0, "label": "Not at all"}
    assert fields["phq1"]["section"] == "mood" and fields["harm"]["section"] == "follow_up"
    assert fields["phq_total"]["type"] == "calculated"


def test_exports_carry_values_and_the_codebook_their_labels_and_logic(client, phq, login):
    post(client, {"age": 30, "phq1": 3, "phq2": 1, "harm": "n"})
    login("admin", spi=True)
    rows = csv_rows(download(client, survey="phq", recipient="1", purpose="care-quality"))
    assert rows[0]["phq1"] == "3" and rows[0]["phq_total"] == "4" and rows[0]["harm"] == "n"
    assert "note_two_weeks" not in rows[0]
    codebook = csv_rows(client.get("/researcher/export/codebook/phq").get_data())
    by_field = {row["field"]: row for row in codebook}
    assert by_field["phq1"]["choices"] == "0=Not at all; 1=Several days; 2=More than half the days; 3=Nearly every day"
    assert by_field["phq1"]["matrix"] == "phq" and by_field["phq1"]["section"] == "mood"
    assert by_field["phq_total"]["formula"] == "sum(phq1, phq2)"
    assert by_field["cigarettes"]["show_if"] == "smoker == true"
    assert "note_two_weeks" not in by_field


def test_aggregates_count_coded_choices_by_value_with_labels_and_summarise_scores(client, phq, make_recipient):
    for i in range(12):
        assert post(client, {"age": 30 + i, "phq1": i % 2, "phq2": 1}).status_code == 201
    token = make_recipient("Acme", surveys=("phq",))
    result = client.get("/api/v1/surveys/phq/aggregates?purpose=care-quality", headers=bearer(token)).get_json()
    phq1 = result["fields"]["phq1"]
    assert phq1["counts"] == {"0": None, "1": None, "2": 0, "3": 0}  # six each: under k, suppressed
    assert phq1["labels"]["0"] == "Not at all"
    assert result["fields"]["phq2"]["counts"]["1"] == 12
    assert result["fields"]["phq_total"]["answered"] == 12 and result["fields"]["phq_total"]["mean"] == 1.5


def test_me_shows_labels_and_the_score(client, phq):
    receipt = post(client, {"age": 30, "phq1": 3, "phq2": 1, "harm": "n"}).get_json()["receipt"]
    assert sign_in(client, receipt).status_code == 302
    html = client.get("/me/record").get_data(as_text=True)
    assert "Nearly every day" in html and "a score computed from your answers" in html
    assert re.search(r"<td>4</td>", html)


# -- the web form -------------------------------------------------------------------------------

def consent_step(client, slug="phq"):
    page = client.get(f"/s/{slug}")
    client.post(f"/s/{slug}", data={"csrf_token": csrf_token(page.data), "participate": "y", "age_confirmed": "y"})


def test_without_javascript_a_hidden_question_s_answer_is_discarded(client, phq, count_rows):
    consent_step(client)
    sent = answer(client, "phq", q_age="40", q_phq1="0", q_phq2="1", q_smoker="no", q_cigarettes="12")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    receipt = shown_code(client.get(sent.headers["Location"]).get_data(as_text=True))
    assert record(client, receipt)["answers"] == {"age": 40, "phq1": 0, "phq2": 1, "phq_total": 1, "smoker": False}


def test_a_page_whose_condition_is_false_is_skipped_and_counted_out_of_the_progress(client, phq):
    consent_step(client)
    page = last_page(client, "phq", q_age="40", q_phq1="0", q_phq2="1")
    assert page_name(page.data) == "mood" and "Page 2 of 2" in page.get_data(as_text=True)
    page = client.get("/s/phq/questions?page=follow_up")  # asked for by address: not while it is hidden
    assert page_name(page.data) != "follow_up"


def test_the_draft_is_sealed_counted_nowhere_and_erased_at_submission(app, client, phq, count_rows, instance_path):
    consent_step(client)
    last_page(client, "phq", q_age="40", q_zip="94110", q_phq1="3", q_phq2="3")
    assert count_rows("drafts") == 1 and count_rows("responses") == 0
    assert b"94110" not in raw_database_bytes(app, instance_path)
    sent = answer(client, "phq", q_phq1="3", q_phq2="3", q_harm="n")  # Submit on page 2 leads to page 3
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert count_rows("drafts") == 0 and count_rows("responses") == 1


def test_leaving_erases_the_draft(client, phq, count_rows):
    consent_step(client)
    page = last_page(client, "phq", q_age="40")
    assert count_rows("drafts") == 1
    client.post("/s/phq/leave", data={"csrf_token": csrf_token(page.data)})
    assert count_rows("drafts") == 0


def test_finish_later_gives_a_code_once_that_resumes_on_another_device_until_it_expires(app, client, phq,
                                                                                        count_rows, runner):
    consent_step(client)
    page = last_page(client, "phq", q_age="40", q_clinic="north")
    later = client.post("/s/phq/questions", data={"csrf_token": csrf_token(page.data), "action": "later",
                                                  "page": page_name(page.data), "q_phq1": "2"})
    code = shown_code(later.get_data(as_text=True), "resume-code")
    with app.app_context():
        stored = db.session().scalar(select(Draft.resume_digest))
    assert stored and code not in stored and code.replace("-", "") not in stored
    other = app.test_client()
    form = other.get("/s/phq/resume")
    resumed = other.post("/s/phq/resume", data={"csrf_token": csrf_token(form.data), "code": code.lower()})
    assert resumed.status_code == 302
    html = other.get(resumed.headers["Location"]).get_data(as_text=True)
    assert 'value="2" checked' in html or re.search(r'checked[^>]*value="2"', html)
    assert client.get("/s/phq/questions").status_code == 200  # the first device starts afresh: the link moved
    with app.app_context():
        moved = db.session().scalar(select(Draft))
        moved.expires_at = drafts.utcnow() - timedelta(minutes=1)
        db.session().commit()
    assert runner.invoke(args=["retention", "purge"]).exit_code == 0
    assert count_rows("drafts") == 0
    form = other.get("/s/phq/resume")
    again = other.post("/s/phq/resume", data={"csrf_token": csrf_token(form.data), "code": code})
    assert again.status_code == 422 and "opens no saved answers" in again.get_data(as_text=True)


def test_the_correction_form_shows_every_section_and_applies_the_logic_again(client, phq):
    receipt = post(client, {"age": 30, "phq1": 2, "phq2": 2, "harm": "y", "smoker": True,
                            "cigarettes": 10}).get_json()["receipt"]
    assert sign_in(client, receipt).status_code == 302
    page = client.get("/me/answers")
    html = page.get_data(as_text=True)
    assert "Your mood" in html and "Follow-up" in html and "q_phq_total" not in html
    assert 'data-show-if=' in html and "/static/logic.js" in html  # the browser may show and hide as answers change
    form = {"csrf_token": csrf_token(page.data), "q_age": "30", "q_phq1": "1", "q_phq2": "0", "q_smoker": "no",
            "q_cigarettes": "10", "q_harm": "y", "q_clinic": ""}
    assert client.post("/me/answers", data=form).status_code == 302
    answers = record(client, receipt)["answers"]
    assert answers == {"age": 30, "phq1": 1, "phq2": 0, "phq_total": 1, "smoker": False}


def test_a_form_s_date_and_time_is_read_in_the_browser_s_zone_and_stored_in_utc(client, phq):
    consent_step(client)
    page = last_page(client, "phq", q_age="40", q_phq1="2", q_phq2="2")
    sent = client.post("/s/phq/questions", data={"csrf_token": csrf_token(page.data), "action": "submit",
                                                 "page": "mood", "q_phq1": "2", "q_phq2": "2"})
    page = client.get(sent.headers["Location"])
    assert page_name(page.data) == "follow_up"
    sent = client.post("/s/phq/questions", data={
        "csrf_token": csrf_token(page.data), "action": "submit", "page": "follow_up", "q_harm": "n",
        "q_seen_at": "2026-11-23T10:00", "tz_offset": "-60", "q_bedtime": "22:15"})  # UTC+1, as JavaScript says
    receipt = shown_code(client.get(sent.headers["Location"]).get_data(as_text=True))
    answers = record(client, receipt)["answers"]
    assert answers["seen_at"] == "2026-11-23T09:00:00Z" and answers["bedtime"] == "22:15"


def test_a_draft_is_counted_nowhere_and_disclosed_to_no_one(app, client, phq, make_recipient, login):
    token = make_recipient("Acme", surveys=("phq",))
    consent_step(client)
    last_page(client, "phq", q_age="40", q_zip="94110", q_phq1="3", q_phq2="3")
    page = client.get("/api/v1/surveys/phq/responses?purpose=care-quality", headers=bearer(token)).get_json()
    assert page["data"] == []
    totals = client.get("/api/v1/surveys/phq/aggregates?purpose=care-quality", headers=bearer(token)).get_json()
    assert all(summary["answered"] in (0, None) for summary in totals["fields"].values())
    login("admin", spi=True)
    dashboard = client.get("/researcher/").get_data(as_text=True)
    block = dashboard[dashboard.index("Mood check"):]
    assert re.search(r'<strong class="responses">0</strong>', block)
    assert csv_rows(download(client, survey="phq", recipient="1", purpose="care-quality")) == []
