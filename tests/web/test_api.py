import pytest
from sqlalchemy import select

from surveys import clients, db

DEMO = "wellbeing-demo"
GOOD = {"full_name": "Ann Lee", "wellbeing": "good", "visits": 2, "smoker": False}


def test_a_valid_submission_is_stored_and_returns_an_id_and_receipt(submit, count_rows):
    response = submit(DEMO, GOOD)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "receipt", "consent"}
    assert body["consent"] == {"opt_out_third_party": False, "opt_out_other_purposes": False, "spi_disclosure": False}
    assert len(body["receipt"].replace("-", "")) >= 26  # base32 of at least 128 bits
    assert count_rows("responses") == 1 and count_rows("consent_events") == 1


def test_the_receipt_shows_the_respondent_their_own_record(client, submit):
    receipt = submit(DEMO, GOOD, {"spi_disclosure": True}).get_json()["receipt"]
    response = client.get("/api/v1/me", headers={"X-Receipt": receipt})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["survey"] == DEMO
    assert body["answers"] == GOOD
    assert body["consent"] == {"opt_out_third_party": False, "opt_out_other_purposes": False,
                               "spi_disclosure": True}
    assert body["disclosures"] == []
    assert body["submitted_at"].endswith("Z")


def test_a_receipt_is_read_however_it_is_typed(client, submit):
    receipt = submit(DEMO, GOOD).get_json()["receipt"]
    sloppy = receipt.lower().replace("-", " ")
    assert client.get("/api/v1/me", headers={"X-Receipt": sloppy}).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"X-Receipt": "AAAA-BBBB"}, {"X-Receipt": "x" * 500}])
def test_a_missing_or_wrong_receipt_is_401(client, submit, headers):
    submit(DEMO, GOOD)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "unknown_receipt"


@pytest.mark.parametrize("answers, field, message", [
    ({**GOOD, "shoe_size": 42}, "shoe_size", "This survey has no such question."),
    ({**GOOD, "visits": "2"}, "visits", "Enter a whole number."),
    ({**GOOD, "visits": 400}, "visits", "Enter a number of at most 365."),
    ({**GOOD, "wellbeing": "great"}, "wellbeing",
     "Choose one of the options given: 'very good', 'good', 'fair', 'poor', 'very poor'."),
    ({"full_name": "Ann"}, "wellbeing", "This question needs an answer."),
    ({**GOOD, "email": "ann@"}, "email", "Enter an email address like name@example.org."),
    ({**GOOD, "birth_date": "1990-13-01"}, "birth_date", "Enter a real date as YYYY-MM-DD."),
    ({**GOOD, "activities": ["flying"]}, "activities",
     "Choose only from the options given: 'walking', 'cycling', 'swimming', 'gardening', 'none of these'."),
    ({**GOOD, "smoker": "no"}, "smoker", "Answer yes or no."),
])
def test_an_answer_that_does_not_fit_is_422_with_the_field_named(submit, count_rows, answers, field, message):
    response = submit(DEMO, answers)
    assert response.status_code == 422
    assert response.get_json()["errors"][field] == [message]
    assert count_rows("responses") == 0 and count_rows("consent_events") == 0


def test_every_problem_is_reported_together(submit):
    response = submit(DEMO, {"visits": -1, "smoker": 1}, {"participate": False})
    assert set(response.get_json()["errors"]) == {"visits", "smoker", "wellbeing", "participate"}


@pytest.mark.parametrize("consent, key", [
    ({"participate": False}, "participate"),
    ({"spi_disclosure": "yes"}, "spi_disclosure"),
    ({"share_with_everyone": True}, "share_with_everyone"),
])
def test_consent_that_does_not_fit_is_422(submit, count_rows, consent, key):
    response = submit(DEMO, GOOD, consent)
    assert response.status_code == 422 and key in response.get_json()["errors"]
    assert count_rows("responses") == 0


@pytest.mark.parametrize("body", [[1, 2], {"answers": GOOD, "consent": {"participate": True, "age_confirmed": True},
                                           "extra": 1}, {"answers": [], "consent": {"participate": True,
                                                                                  "age_confirmed": True}}])
def test_a_body_of_the_wrong_shape_is_422(client, count_rows, body):
    response = client.post(f"/api/v1/surveys/{DEMO}/responses", json=body)
    assert response.status_code == 422 and response.get_json()["errors"]
    assert count_rows("responses") == 0


@pytest.mark.parametrize("consent", [{"age_confirmed": False}, {"age_confirmed": None}, {"age_confirmed": "yes"}])
def test_age_not_confirmed_is_403_and_nothing_is_stored(submit, count_rows, consent):
    response = submit(DEMO, GOOD, consent)
    assert response.status_code == 403 and response.get_json()["error"] == "not_eligible"
    assert count_rows("responses") == 0


def test_a_minor_by_birth_date_is_403_and_nothing_is_stored(submit, count_rows):
    response = submit(DEMO, {**GOOD, "birth_date": "2015-05-05", "visits": "bad"})
    assert response.status_code == 403
    assert count_rows("responses") == 0 and count_rows("consent_events") == 0


def test_a_minor_by_age_is_403(make_survey, submit, count_rows):
    slug = make_survey("slug: aged\ntitle: A\npurpose: p\nmin_age: 21\nfields:\n"
                       "  - {name: age, type: integer, classification: non_pii, role: age}\n")
    assert submit(slug, {"age": 20}).status_code == 403
    assert submit(slug, {"age": 21}).status_code == 201
    assert count_rows("responses") == 1


def test_an_unknown_survey_is_404(submit):
    response = submit("no-such-survey", GOOD)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_a_closed_survey_is_409(make_survey, submit, count_rows):
    slug = make_survey("slug: closed\ntitle: C\npurpose: p\nstatus: closed\nfields:\n"
                       "  - {name: q, type: text, classification: non_pii}\n")
    response = submit(slug, {"q": "hello"})
    assert response.status_code == 409 and response.get_json()["error"] == "survey_closed"
    assert count_rows("responses") == 0


def test_a_body_that_is_not_json_is_415(client):
    response = client.post(f"/api/v1/surveys/{DEMO}/responses", data="answers=1",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response.get_json()["error"] == "unsupported_media_type"


def test_malformed_json_is_400(client):
    response = client.post(f"/api/v1/surveys/{DEMO}/responses", data="{nope", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_a_body_over_the_limit_is_413(client, count_rows):
    big = '{"answers": {"full_name": "' + "x" * 300_000 + '"}}'
    response = client.post(f"/api/v1/surveys/{DEMO}/responses", data=big, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "request_entity_too_large"
    assert count_rows("responses") == 0


def test_a_wrong_method_is_405_in_the_json_shape(client):
    response = client.put(f"/api/v1/surveys/{DEMO}/responses")
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"


def test_gpc_starts_the_third_party_opt_out_set(client, submit):
    receipt = submit(DEMO, GOOD, headers={"Sec-GPC": "1"}).get_json()["receipt"]
    consent = client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()["consent"]
    assert consent["opt_out_third_party"] is True


def test_request_metadata_is_kept_as_non_pii_with_the_address_truncated(app, submit):
    response = submit(DEMO, GOOD, headers={"User-Agent": "TestBrowser/1.0",
                                           "Referer": "https://example.org/news?patient=ann#x"},
                      environ_base={"REMOTE_ADDR": "203.0.113.77"})
    public_id = response.get_json()["id"]
    with app.app_context():
        from models.response import Response
        row = db.session().query(Response).filter_by(public_id=public_id).one()
        assert (row.client_ip, row.user_agent, row.referrer) == (
            "203.0.113.0", "TestBrowser/1.0", "https://example.org/news")


@pytest.mark.parametrize("addr, kept", [("2001:db8:abcd:1234::1", "2001:db8:abcd::"), ("10.1.2.3", "10.1.2.0"),
                                        ("not an address", None)])
def test_addresses_are_truncated_to_a_network(addr, kept):
    assert clients.describe_client(addr, None, None).ip == kept


def test_with_truncation_configured_off_the_whole_address_is_kept(app, make_app):
    client = make_app(TRUNCATE_IP=False).test_client()
    response = client.post(f"/api/v1/surveys/{DEMO}/responses", environ_base={"REMOTE_ADDR": "203.0.113.77"},
                           json={"answers": GOOD, "consent": {"participate": True, "age_confirmed": True}})
    from models.response import Response
    with client.application.app_context():
        row = db.session().query(Response).filter_by(public_id=response.get_json()["id"]).one()
        assert row.client_ip == "203.0.113.77"


SMALL = """
slug: small
title: Small
purpose: care-quality
fields:
  - {name: mood, type: choice, classification: non_pii, choices: [up, down]}
"""


def test_a_definition_loaded_through_one_server_is_what_the_next_submission_to_another_meets(
        app, make_app, make_survey, tmp_path):
    from tests.conftest import CONSENT
    make_survey(SMALL)
    other = make_app(RATELIMIT_ENABLED=False).test_client()  # a second server, its copy of the survey taken
    post = lambda answers: other.post("/api/v1/surveys/small/responses",  # noqa: E731
                                      json={"answers": answers, "consent": CONSENT})
    assert post({"mood": "up"}).status_code == 201
    assert post({"mood": "up", "note": "x"}).status_code == 422  # no such field yet
    definition = tmp_path / "small.yaml"
    definition.write_text(SMALL + "  - {name: note, type: text, classification: non_pii, required: true}\n")
    assert app.test_cli_runner().invoke(args=["surveys", "load", str(definition)]).exit_code == 0
    assert post({"mood": "up"}).status_code == 422  # the new field is required at once
    assert post({"mood": "up", "note": "x"}).status_code == 201
    definition.write_text(SMALL.replace("title: Small", "title: Small\nstatus: closed")
                          + "  - {name: note, type: text, classification: non_pii, required: true}\n")
    assert app.test_cli_runner().invoke(args=["surveys", "load", str(definition)]).exit_code == 0
    assert post({"mood": "up", "note": "x"}).status_code == 409


def test_saving_a_definition_always_moves_its_version(app, make_survey):
    from models.survey import Survey
    make_survey(SMALL)
    with app.app_context():
        before = db.session().scalars(select(Survey).where(Survey.slug == "small")).one().updated_at
    make_survey(SMALL.replace("[up, down]", "[up, down, flat]"))  # only a field changes
    with app.app_context():
        after = db.session().scalars(select(Survey).where(Survey.slug == "small")).one().updated_at
    assert after > before
