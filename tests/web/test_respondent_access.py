"""A respondent's browser and the server: one submission per form, a receipt shown once, and a
self-service session that ends when they leave."""
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.respondent_access import SubmissionToken
from models.response import Response
from surveys import db, self_service, submissions
from tests.conftest import ON_POSTGRES, csrf_token, last_page, page_name, raw_database_bytes, shown_code

DEMO = "wellbeing-demo"
ANSWERS = {"q_full_name": "Ann Lee", "q_wellbeing": "good"}


#: The last page's Submit, as the browser sends it.
FINAL = {"action": "submit", "page": "habits"}


def consented(client) -> str:
    """Through the consent step and the pages before the last, with ANSWERS; returns the last page's CSRF token."""
    page = client.get(f"/s/{DEMO}")
    client.post(f"/s/{DEMO}", data={"csrf_token": csrf_token(page.data), "participate": "y", "age_confirmed": "y"})
    last = last_page(client, **ANSWERS)
    assert b'value="submit"' in last.data and page_name(last.data) == FINAL["page"]
    return csrf_token(last.data)


def receipt_shown(html: str) -> str | None:
    return shown_code(html)


def twin(app, client):
    """Another browser holding a copy of this one's cookie, as a replay or a double click would."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def session_content(app, client) -> str:
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    return json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie.value)) + cookie.value


def test_a_form_posted_twice_at_once_stores_one_response_whose_receipt_is_shown_once(app, client, count_rows):
    token = consented(client)
    other = twin(app, client)
    barrier, results = threading.Barrier(2), {}

    def post(name, browser):
        barrier.wait()
        results[name] = browser.post(f"/s/{DEMO}/questions", data={"csrf_token": token, **FINAL})

    threads = [threading.Thread(target=post, args=(name, browser)) for name, browser in (("a", client), ("b", other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[n].status_code for n in "ab"] == [302, 302]
    assert all(results[n].headers["Location"].endswith(f"/s/{DEMO}/receipt") for n in "ab")
    assert count_rows("responses") == 1 and count_rows("consent_events") == 1
    pages = [browser.get(f"/s/{DEMO}/receipt").get_data(as_text=True) for browser in (other, client)]
    codes = [receipt_shown(page) for page in pages]
    assert len([code for code in codes if code]) == 1, "the receipt is shown exactly once"
    assert "already been shown" in pages[codes.index(None)]
    code = next(code for code in codes if code)
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["answers"]["full_name"] == "Ann Lee"


def test_a_double_click_whose_first_answer_the_browser_dropped_still_shows_the_receipt(app, client, count_rows):
    token = consented(client)
    dropped = twin(app, client)  # the first click's response, and the cookie it set, never reach the page
    assert dropped.post(f"/s/{DEMO}/questions", data={"csrf_token": token, **FINAL}).status_code == 302
    second = client.post(f"/s/{DEMO}/questions", data={"csrf_token": token, **FINAL})
    assert second.status_code == 302 and count_rows("responses") == 1
    code = receipt_shown(client.get(f"/s/{DEMO}/receipt").get_data(as_text=True))
    assert code and client.get("/api/v1/me", headers={"X-Receipt": code}).status_code == 200


def test_a_replayed_form_after_its_receipt_was_shown_stores_nothing(app, client, count_rows):
    token = consented(client)
    replay = twin(app, client)
    client.post(f"/s/{DEMO}/questions", data={"csrf_token": token, **FINAL})
    assert receipt_shown(client.get(f"/s/{DEMO}/receipt").get_data(as_text=True))
    again = replay.post(f"/s/{DEMO}/questions", data={"csrf_token": token, **FINAL})
    assert again.status_code == 302 and count_rows("responses") == 1
    page = replay.get(f"/s/{DEMO}/receipt").get_data(as_text=True)
    assert receipt_shown(page) is None and "already been shown" in page


def test_a_new_consent_step_is_a_new_submission(client, count_rows):
    for _ in range(2):
        client.post(f"/s/{DEMO}/questions", data={"csrf_token": consented(client), **FINAL})
    assert count_rows("responses") == 2 and count_rows("submission_tokens") == 2


def test_the_cookie_never_carries_the_receipt_code_or_the_public_id(app, client, instance_path):
    token = consented(client)
    client.post(f"/s/{DEMO}/questions", data={"csrf_token": token, **FINAL})
    before_receipt = session_content(app, client)
    stored_before_shown = raw_database_bytes(app, instance_path)
    code = receipt_shown(client.get(f"/s/{DEMO}/receipt").get_data(as_text=True))
    # While it waits for its page the code is sealed under the browser's token: not in the database in clear.
    assert code.encode() not in stored_before_shown and code.replace("-", "").encode() not in stored_before_shown
    with app.app_context():
        public_id = db.session().scalar(select(Response.public_id))
        sealed = db.session().scalar(select(SubmissionToken.sealed_receipt))
    assert sealed is None  # shown once: the sealed copy is gone
    page = client.get("/me")
    client.post("/me", data={"csrf_token": csrf_token(page.data), "code": code})
    signed_in = session_content(app, client)
    for content in (before_receipt, signed_in):
        for secret in (code, code.replace("-", ""), public_id):
            assert secret not in content


def sign_in(client, code):
    page = client.get("/me")
    assert client.post("/me", data={"csrf_token": csrf_token(page.data), "code": code}).status_code == 302


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_opens_nothing(app, client, submit,
                                                                                    count_rows):
    code = submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"]
    sign_in(client, code)
    copy = twin(app, client)
    assert copy.get("/me/record").status_code == 200
    page = client.get("/me/record")
    assert client.post("/me/leave", data={"csrf_token": csrf_token(page.data)}).status_code == 302
    assert count_rows("respondent_sessions") == 0
    assert copy.get("/me/record").status_code == 302
    assert copy.get("/me/download").status_code == 302


def test_withdrawal_ends_every_session_of_the_response(app, client, submit, count_rows):
    code = submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"]
    sign_in(client, code)
    other = app.test_client()
    sign_in(other, code)
    assert count_rows("respondent_sessions") == 2
    page = client.get("/me/record")
    client.post("/me/withdraw", data={"csrf_token": csrf_token(page.data), "confirm": "y"})
    assert count_rows("respondent_sessions") == 0 and other.get("/me/record").status_code == 302


def test_an_idle_session_row_is_removed_when_it_is_next_seen(app, client, submit, count_rows, monkeypatch):
    sign_in(client, submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"])
    later = self_service.utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(self_service, "utcnow", lambda: later)
    assert client.get("/me/record").status_code == 302 and count_rows("respondent_sessions") == 0


def test_receipt_tokens_older_than_a_day_are_purged_with_retention(app, client, runner, count_rows, monkeypatch):
    client.post(f"/s/{DEMO}/questions", data={"csrf_token": consented(client), **FINAL})
    assert count_rows("submission_tokens") == 1
    assert runner.invoke(args=["retention", "purge"]).exit_code == 0 and count_rows("submission_tokens") == 1
    later = submissions.utcnow() + timedelta(days=2)
    monkeypatch.setattr(submissions, "utcnow", lambda: later)
    assert runner.invoke(args=["retention", "purge"]).exit_code == 0
    assert count_rows("submission_tokens") == 0 and count_rows("responses") == 1


def test_a_correction_re_seals_under_a_fresh_data_key(app, client, submit):
    code = submit(DEMO, {"wellbeing": "good", "full_name": "Old Name"}).get_json()["receipt"]
    with app.app_context():
        before = db.session().scalar(select(Response.data_key))
    assert client.patch("/api/v1/me", headers={"X-Receipt": code},
                        json={"answers": {"full_name": "New Name"}}).status_code == 200
    with app.app_context():
        after = db.session().scalar(select(Response.data_key))
    assert after != before
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["answers"]["full_name"] == "New Name"


@pytest.mark.skipif(ON_POSTGRES, reason="reads the SQLite file and its write-ahead log")
@pytest.mark.parametrize("surface", ["api", "form"])
def test_after_a_correction_the_old_ciphertext_and_its_key_are_in_neither_the_file_nor_the_wal(
        app, client, submit, instance_path, surface):
    code = submit(DEMO, {"wellbeing": "good", "full_name": "Old Name", "conditions": "old condition"}
                  ).get_json()["receipt"]
    with app.app_context():
        old = db.session().execute(select(Response.pii, Response.spi, Response.data_key)).one()
    assert all(blob in raw_database_bytes(app, instance_path) for blob in old)
    if surface == "api":
        client.patch("/api/v1/me", headers={"X-Receipt": code},
                     json={"answers": {"full_name": "New Name", "conditions": "new condition"}})
    else:
        sign_in(client, code)
        page = client.get("/me/answers")
        assert client.post("/me/answers", data={"csrf_token": csrf_token(page.data), "q_wellbeing": "good",
                                                "q_full_name": "New Name", "q_conditions": "new condition"}
                           ).status_code == 302
    stored = raw_database_bytes(app, instance_path)
    for blob in old:
        assert blob not in stored
