import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models.base import utcnow
from models.ledger import LedgerEntry
from models.ledger_lines import lines_of
from models.response import ConsentEvent, Response
from surveys import db
from tests.conftest import (ON_POSTGRES, answer, csrf_token, exported_file, raw_database_bytes, shown_code, sign_in,
                            start)

DEMO = "wellbeing-demo"
GIVEN = {"full_name": "Ann Lee", "wellbeing": "good", "visits": 4, "smoker": True, "conditions": "asthma"}


@pytest.fixture
def receipt(submit):
    return submit(DEMO, GIVEN).get_json()["receipt"]


def test_the_receipt_is_entered_in_a_form_and_opens_the_record(client, receipt):
    page = client.get("/me")
    assert 'method="post"' in page.get_data(as_text=True)
    response = sign_in(client, receipt)
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/record")
    assert receipt not in response.headers["Location"]
    html = client.get("/me/record").get_data(as_text=True)
    for shown in ("Ann Lee", "asthma", "<td>yes</td>", "Nobody has received your answers", "History of your choices"):
        assert shown in html


def test_a_wrong_receipt_is_refused(client, receipt):
    response = sign_in(client, "AAAA-BBBB-CCCC")
    assert response.status_code == 401 and "matches no response" in response.get_data(as_text=True)
    assert client.get("/me/record").status_code == 302


def test_pages_with_answers_are_never_cached(client, receipt):
    sign_in(client, receipt)
    for path in ("/me/record", "/me/answers", "/me/download"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_the_self_service_session_expires_when_idle(client, receipt, monkeypatch):
    from datetime import timedelta

    from surveys import self_service
    sign_in(client, receipt)
    assert client.get("/me/record").status_code == 200
    later = self_service.utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(self_service, "utcnow", lambda: later)
    assert client.get("/me/record").status_code == 302


def test_answers_are_corrected_with_the_same_checks(client, receipt):
    sign_in(client, receipt)
    page = client.get("/me/answers")
    html = page.get_data(as_text=True)
    assert 'value="Ann Lee"' in html and 'value="4"' in html  # prefilled
    bad = client.post("/me/answers", data={"csrf_token": csrf_token(page.data), "q_full_name": "Ann Lee",
                                           "q_wellbeing": "good", "q_visits": "many"})
    assert bad.status_code == 200 and "Enter a whole number." in bad.get_data(as_text=True)
    good = client.post("/me/answers", data={"csrf_token": csrf_token(page.data), "q_full_name": "Ann Smith",
                                            "q_wellbeing": "fair", "q_visits": "5", "q_smoker": "no"})
    assert good.status_code == 302
    record = client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()
    assert record["answers"] == {"full_name": "Ann Smith", "wellbeing": "fair", "visits": 5, "smoker": False}


def test_each_consent_change_is_an_event_and_takes_effect_on_the_very_next_export(app, client, receipt, login,
                                                                                  make_recipient):
    make_recipient("Acme", surveys=(DEMO,))
    token_holder = app.test_client()
    sign_in(client, receipt)
    page = client.get("/me/record")
    client.post("/me/consent", data={"csrf_token": csrf_token(page.data), "opt_out_third_party": "y"})
    with app.app_context():
        events = db.session().scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
        assert [e.changes for e in events] == [
            {"opt_out_third_party": False, "opt_out_other_purposes": False, "spi_disclosure": False},
            {"opt_out_third_party": True}]
        assert events[1].notice_version == "2026-11-01" and events[1].source == "form"
    staff = app.test_client()
    email = "r@example.org"
    from tests.conftest import PASSWORD
    app.test_cli_runner().invoke(args=["users", "create", email, "--role", "researcher", "--password-stdin"],
                                 input=PASSWORD + "\n")
    app.test_cli_runner().invoke(args=["users", "grant", email, DEMO, "--role", "exporter"])
    login_page = staff.get("/researcher/login")
    staff.post("/researcher/login", data={"csrf_token": csrf_token(login_page.data), "email": email,
                                         "password": PASSWORD})
    form = staff.get("/researcher/export")
    from models.recipient import Recipient
    with app.app_context():
        acme = db.session().scalar(select(Recipient.id).where(Recipient.name == "Acme"))
    data = exported_file(staff, staff.post("/researcher/export/download", data={
        "csrf_token": csrf_token(form.data), "survey": DEMO, "recipient": str(acme), "purpose": "care-quality",
        "format": "jsonl", "mode": "blank"})).decode()
    assert "Ann Lee" not in data and json.loads(data.splitlines()[0])["answers"] == {"wellbeing": "good",
                                                                                     "visits": 4}
    assert token_holder  # the recipient's API sees the same: covered in test_third_party


def test_the_download_holds_everything_given(client, receipt):
    sign_in(client, receipt)
    response = client.get("/me/download")
    assert response.headers["Content-Disposition"].startswith("attachment")
    body = json.loads(response.data)
    assert body["answers"] == GIVEN and body["survey"] == DEMO
    assert body["consent_history"][0]["notice_version"] == "2026-11-01"
    assert {q["name"]: q["classification"] for q in body["questions"]}["conditions"] == "spi"


def test_withdrawing_erases_everything_and_the_receipt_stops_working(app, client, submit, instance_path, runner,
                                                                     make_survey):
    make_survey("slug: notes\ntitle: N\npurpose: p\nfields:\n  - {name: note, type: text, classification: non_pii}\n")
    code = submit("notes", {"note": "withdrawn-canary-xyz"}).get_json()["receipt"]
    other = submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"]
    sign_in(client, code)
    page = client.get("/me/record")
    unconfirmed = client.post("/me/withdraw", data={"csrf_token": csrf_token(page.data)})
    assert unconfirmed.status_code == 302 and client.get("/api/v1/me", headers={"X-Receipt": code}).status_code == 200
    done = client.post("/me/withdraw", data={"csrf_token": csrf_token(page.data), "confirm": "y"})
    assert "Your answers are erased" in done.get_data(as_text=True)
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).status_code == 401
    assert client.get("/me/record").status_code == 302
    assert client.get("/api/v1/me", headers={"X-Receipt": other}).status_code == 200
    assert b"withdrawn-canary-xyz" not in raw_database_bytes(app, instance_path)  # its non-PII answers too
    with app.app_context():
        entry = db.session().scalars(select(LedgerEntry).where(LedgerEntry.action == "erasure")).one()
        assert entry.note.startswith("withdrawn: ") and entry.fields == []
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


@pytest.mark.skipif(ON_POSTGRES, reason="reads the SQLite file")
def test_erased_values_leave_no_trace_in_the_sqlite_files(app, client, submit, instance_path):
    marker = "erasure-marker-qqq"
    code = submit(DEMO, {"wellbeing": "good", "full_name": "x"}).get_json()["receipt"]
    with app.app_context():  # a non-PII value in clear, to look for
        db.session().execute(update(Response).values(referrer=f"https://example.org/{marker}"))
        db.commit()
    assert marker.encode() in raw_database_bytes(app, instance_path)
    assert client.delete("/api/v1/me", headers={"X-Receipt": code}).status_code == 204
    assert marker.encode() not in raw_database_bytes(app, instance_path)


def test_patch_me_corrects_answers_and_changes_consent(client, receipt):
    response = client.patch("/api/v1/me", headers={"X-Receipt": receipt},
                            json={"answers": {"visits": 6, "smoker": None}, "consent": {"spi_disclosure": True}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["answers"] == {"full_name": "Ann Lee", "wellbeing": "good", "visits": 6, "conditions": "asthma"}
    assert body["consent"]["spi_disclosure"] is True


@pytest.mark.parametrize("body, key", [
    ({"answers": {"visits": "six"}}, "visits"),
    ({"answers": {"wellbeing": None}}, "wellbeing"),
    ({"answers": {"nope": 1}}, "nope"),
    ({"consent": {"participate": False}}, "participate"),
    ({"consent": {"spi_disclosure": "yes"}}, "spi_disclosure"),
    ({"everything": 1}, "everything"),
    ({}, "body"),
])
def test_patch_me_refuses_what_does_not_fit_and_changes_nothing(client, receipt, body, key):
    response = client.patch("/api/v1/me", headers={"X-Receipt": receipt}, json=body)
    assert response.status_code == 422 and key in response.get_json()["errors"]
    assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()["answers"] == GIVEN


def test_a_correction_showing_a_minor_erases_the_response(client, receipt, count_rows):
    response = client.patch("/api/v1/me", headers={"X-Receipt": receipt}, json={"answers": {"birth_date": "2015-01-01"}})
    assert response.status_code == 403 and "erased" in response.get_json()["message"]
    assert count_rows("responses") == 0
    assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).status_code == 401


def test_delete_me_erases_and_the_respondent_is_in_no_later_disclosure(app, client, receipt, make_recipient,
                                                                       count_rows):
    token = make_recipient("Acme", surveys=(DEMO,))
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get(f"/api/v1/surveys/{DEMO}/responses?purpose=care-quality", headers=headers).get_json()
    assert len(first["data"]) == 1
    assert client.delete("/api/v1/me", headers={"X-Receipt": receipt}).status_code == 204
    assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).status_code == 401
    assert client.delete("/api/v1/me", headers={"X-Receipt": receipt}).status_code == 401
    later = client.get(f"/api/v1/surveys/{DEMO}/responses?purpose=care-quality", headers=headers).get_json()
    assert later["data"] == [] and count_rows("responses") == 0
    revoked = client.get(f"/api/v1/surveys/{DEMO}/revocations", headers=headers).get_json()["data"]
    assert [(r["respondent"], r["change"]) for r in revoked] == [(first["data"][0]["respondent"], "withdrawn")]
    with app.app_context():
        session = db.session()
        lines = [(entry.action, [public_id for _, public_id, _ in lines_of(session, entry.batch)])
                 for entry in session.scalars(select(LedgerEntry).where(LedgerEntry.action != "survey_saved"))]
    # The past disclosure's record stays whole, the erasure names who was erased, and the later page holds no one.
    erased = lines[-2][1]
    assert lines[-3:] == [("api_page", erased), ("erasure", erased), ("api_page", [])] and len(erased) == 1


def test_retention_purge_erases_only_what_is_past_its_survey_retention(app, submit, runner, count_rows, make_survey):
    make_survey("slug: short\ntitle: S\npurpose: p\nretention_days: 30\nfields:\n"
                "  - {name: q, type: text, classification: non_pii}\n")
    old_short = submit("short", {"q": "old"}).get_json()["id"]
    young_short = submit("short", {"q": "young"}).get_json()["id"]
    old_demo = submit(DEMO, {"wellbeing": "good"}).get_json()["id"]
    with app.app_context():
        session = db.session()
        session.execute(update(Response).where(Response.public_id.in_([old_short, old_demo]))
                        .values(submitted_at=utcnow() - timedelta(days=31)))
        db.commit()
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0 and "erased 1 response(s)" in result.output
    with app.app_context():
        left = set(db.session().scalars(select(Response.public_id)))
    assert left == {young_short, old_demo}  # the demo keeps answers for ten years
    assert "erased 0 response(s)" in runner.invoke(args=["retention", "purge"]).output


def test_a_returning_respondent_is_told_what_changed_in_the_notice(app, client, receipt, instance_path):
    notice = instance_path / "privacy-notice.md"
    assert notice.exists()  # init put the default in the instance folder
    text = notice.read_text()
    notice.write_text(text.replace("version: 2026-11-01", "version: 2027-01-15")
                      + "\nWe now also share counts with public health agencies.\n")
    sign_in(client, receipt)
    html = client.get("/me/record").get_data(as_text=True)
    assert "Our privacy notice has changed" in html and "version 2027-01-15" in html
    assert re.search(r'class="added">\s*<span class="visually-hidden">Added:</span>We now also share counts', html)
    record = client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()
    assert record["consent"]["opt_out_third_party"] is False  # choices stand as given
    page = client.get("/me/record")
    client.post("/me/consent", data={"csrf_token": csrf_token(page.data), "opt_out_other_purposes": "y"})
    with app.app_context():
        latest = db.session().scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
        assert latest.notice_version == "2027-01-15"
    assert "Our privacy notice has changed" not in client.get("/me/record").get_data(as_text=True)


def test_staff_erase_a_response_found_to_be_from_a_minor(app, client, login, submit, count_rows, runner):
    public_id = submit(DEMO, {"wellbeing": "good", "full_name": "Kid"}).get_json()["id"]
    login("admin")
    page = client.get("/researcher/erase")
    asked = client.post("/researcher/erase", data={"csrf_token": csrf_token(page.data), "public_id": public_id,
                                                   "reason": "minor"})
    done = client.post("/researcher/erase", data={"csrf_token": csrf_token(asked.data), "public_id": public_id,
                                                  "reason": "minor", "confirm": "yes"})
    assert f"Erased {public_id}" in done.get_data(as_text=True)
    assert count_rows("responses") == 0
    with app.app_context():
        entry = db.session().scalars(select(LedgerEntry).where(LedgerEntry.action.not_in(("survey_saved", "grant")))).one()
        assert (entry.action, entry.actor, entry.note) == ("erasure", "admin@example.org", f"minor: {public_id}")
        assert entry.respondent_count == 1 and entry.fields == []  # one line: who, with no field
    missing = client.post("/researcher/erase", data={"csrf_token": csrf_token(page.data), "public_id": public_id,
                                                     "reason": "minor"})
    assert "already be erased" in missing.get_data(as_text=True)


def test_responses_erase_from_the_command_line(submit, runner, count_rows):
    public_id = submit(DEMO, {"wellbeing": "good"}).get_json()["id"]
    result = runner.invoke(args=["responses", "erase", public_id, "--reason", "staff", "--actor", "dpo@example.org"])
    assert result.exit_code == 0 and count_rows("responses") == 0
    assert runner.invoke(args=["responses", "erase", public_id, "--reason", "staff",
                               "--actor", "dpo@example.org"]).exit_code == 1


def test_the_receipt_page_links_to_self_service(client):
    start(client, participate=True, age_confirmed=True)
    submitted = answer(client, q_wellbeing="good")
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith(f"/s/{DEMO}/receipt")
    page = client.get(submitted.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and re.fullmatch(r"[A-Z2-7-]+", shown_code(html) or "")
    assert 'href="/me"' in html


def test_unticking_every_box_of_a_group_clears_that_answer(client, submit):
    code = submit(DEMO, {"wellbeing": "good", "activities": ["walking", "cycling"]}).get_json()["receipt"]
    sign_in(client, code)
    page = client.get("/me/answers")
    assert re.search(r'<input[^>]*checked[^>]*value="walking"', page.get_data(as_text=True))  # prefilled
    client.post("/me/answers", data={"csrf_token": csrf_token(page.data), "q_wellbeing": "good"})
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["answers"] == {"wellbeing": "good"}
