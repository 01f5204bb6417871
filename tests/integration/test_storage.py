import json

import pytest
from sqlalchemy import select, update

from models.crypto import CryptoError, KeyRing
from models.response import Response
from surveys import db, rights, submissions
from tests.conftest import csrf_token, raw_database_bytes

DEMO = "wellbeing-demo"
CANARY_PII = "Zyxwv Canaryname"
CANARY_EMAIL = "canary.qpzm@example.org"
CANARY_SPI = "canary-condition-klmnop"
CANARY_FORM_PII = "Formcanary Qwertz"
CANARY_NON_PII = "nonpii-canary-rstuvw"


CANARY_SURVEY = """
slug: canary
title: Canary
purpose: p
fields:
  - {name: note, type: text, classification: non_pii}
  - {name: name, type: text, classification: pii}
  - {name: email, type: email, classification: pii}
  - {name: condition, type: textarea, classification: spi}
"""


def test_no_pii_or_spi_plaintext_reaches_the_database(app, client, submit, make_survey, instance_path):
    make_survey(CANARY_SURVEY)
    receipt = submit("canary", {"note": CANARY_NON_PII, "name": CANARY_PII, "email": CANARY_EMAIL,
                                "condition": CANARY_SPI}).get_json()["receipt"]
    page = client.get(f"/s/{DEMO}")
    client.post(f"/s/{DEMO}", data={"csrf_token": csrf_token(page.data), "participate": "y", "age_confirmed": "y"})
    page = client.get(f"/s/{DEMO}/questions")
    response = client.post(f"/s/{DEMO}/questions", data={
        "csrf_token": csrf_token(page.data), "q_full_name": CANARY_FORM_PII, "q_wellbeing": "poor",
        "q_smoker": "yes", "q_conditions": CANARY_SPI + "-form"})
    assert response.status_code == 302

    raw = raw_database_bytes(app, instance_path)
    assert CANARY_NON_PII.encode() in raw  # the scan does see what is stored in clear
    for secret in (CANARY_PII, CANARY_EMAIL, CANARY_SPI, CANARY_FORM_PII, CANARY_SPI + "-form"):
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-16-le") not in raw, secret
    assert receipt.encode() not in raw and receipt.replace("-", "").encode() not in raw
    answers = client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()["answers"]
    assert answers == {"note": CANARY_NON_PII, "name": CANARY_PII, "email": CANARY_EMAIL, "condition": CANARY_SPI}


def _two_responses(submit):
    first = submit(DEMO, {"full_name": "Ann", "conditions": "asthma", "wellbeing": "good"}).get_json()
    second = submit(DEMO, {"full_name": "Bob", "conditions": "gout", "wellbeing": "fair"}).get_json()
    return first, second


@pytest.mark.parametrize("moved", [("pii", "spi"), ("pii", "spi", "data_key")])
def test_a_blob_moved_to_another_row_fails_to_decrypt(app, submit, moved):
    """Copied alone, or together with the data key that sealed it: either way it does not open."""
    first, second = _two_responses(submit)
    with app.app_context():
        session = db.session()
        ann = session.scalar(select(Response).where(Response.public_id == first["id"]))
        session.execute(update(Response).where(Response.public_id == second["id"])
                        .values({column: getattr(ann, column) for column in moved}))
        session.commit()
        bob = rights.find_by_receipt(session, second["receipt"])
        with pytest.raises(CryptoError):
            rights.respondent_record(session, KeyRing.load(app.config["KEYRING_FILE"]), bob)


def test_keys_rotate_rewraps_every_data_key_and_keeps_every_response_readable(app, client, submit, runner):
    given = [{"full_name": f"Person {i}", "conditions": f"condition {i}", "wellbeing": "good"} for i in range(7)]
    receipts = [submit(DEMO, answers).get_json()["receipt"] for answers in given]
    old = KeyRing.load(app.config["KEYRING_FILE"]).current

    for _ in range(2):
        result = runner.invoke(args=["keys", "rotate"])
        assert result.exit_code == 0 and "re-wrapped 7 data key(s)" in result.output

    ring = KeyRing.load(app.config["KEYRING_FILE"])
    assert ring.current != old and len(ring.keys) == 3
    with app.app_context():
        wrapped = db.session().scalars(select(Response.data_key)).all()
        assert {ring.key_id_of(key) for key in wrapped} == {ring.current}
    for receipt, answers in zip(receipts, given):
        assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()["answers"] == answers
    assert submit(DEMO, {"wellbeing": "poor", "full_name": "After"}).status_code == 201


def test_a_fault_in_the_middle_of_a_submission_stores_nothing(app, client, count_rows, monkeypatch):
    def broken_receipt():
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(submissions, "new_receipt", broken_receipt)
    response = client.post(f"/api/v1/surveys/{DEMO}/responses", json={
        "answers": {"wellbeing": "good", "full_name": "Ann"}, "consent": {"participate": True, "age_confirmed": True}})
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal_server_error",
                                   "message": "Something went wrong on our side. Nothing was stored."}
    assert "disk on fire" not in response.get_data(as_text=True)
    assert count_rows("responses") == 0 and count_rows("consent_events") == 0


def test_consent_is_current_state_plus_an_event_with_the_notice_version(app, submit):
    body = submit(DEMO, {"wellbeing": "good"}, {"opt_out_other_purposes": True},
                  headers={"Sec-GPC": "1"}).get_json()
    with app.app_context():
        row = db.session().scalar(select(Response).where(Response.public_id == body["id"]))
        assert row.consent == {"opt_out_third_party": True, "opt_out_other_purposes": True, "spi_disclosure": False}
        [event] = row.events
        assert (event.source, event.notice_version, event.actor) == ("api", "2026-11-01", "respondent")
        assert event.changes == row.consent and "Global Privacy Control" in event.note
        assert json.loads(json.dumps(row.non_pii)) == {"wellbeing": "good"}
        assert row.pii is None and row.spi is None


def test_a_withdrawal_during_key_rotation_does_not_stop_it(app, client, submit, runner, monkeypatch):
    receipts = [submit(DEMO, {"full_name": f"P{i}", "wellbeing": "good"}).get_json()["receipt"] for i in range(5)]
    real, withdrew = KeyRing.rewrap, []

    def rewrap_while_someone_withdraws(ring, wrapped, aad):
        if not withdrew:  # after the batch was read, before it is written
            withdrew.append(app.test_client().delete("/api/v1/me", headers={"X-Receipt": receipts[-1]}).status_code)
        return real(ring, wrapped, aad)

    monkeypatch.setattr(KeyRing, "rewrap", rewrap_while_someone_withdraws)
    result = runner.invoke(args=["keys", "rotate"])
    assert withdrew == [204]
    assert result.exit_code == 0, result.output
    assert "re-wrapped 4 data key(s)" in result.output
    for receipt in receipts[:-1]:
        assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).status_code == 200


def test_erasing_what_another_request_just_erased_is_a_no_op_not_an_error(app, submit, count_rows):
    public_id = submit(DEMO, {"full_name": "Ann", "wellbeing": "good"}).get_json()["id"]
    sessions = app.extensions["surveys.sessions"]
    with app.app_context(), sessions() as first, sessions() as second:
        mine = rights.find_by_public_id(first, public_id)
        theirs = rights.find_by_public_id(second, public_id)  # both found it before either erased it
        assert rights.erase(second, theirs, "withdrawn", "respondent") is True
        second.commit()
        assert rights.erase(first, mine, "retention", "system:retention") is False
        first.commit()
    assert count_rows("responses") == 0 and count_rows("erasures") == 1
    assert count_rows("ledger_entries") == 2  # the demo survey saved, then one erasure, recorded once
