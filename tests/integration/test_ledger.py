import pytest
from sqlalchemy import text

from surveys import db
from models.ledger import append_erasure
from tests.conftest import csrf_token, exported_file


@pytest.fixture
def three_entries(app, client, login, submit):
    """The demo survey's load (entry 1), the researcher's grant on it (2), then three exports (3 to 5)."""
    for i in range(3):
        submit("wellbeing-demo", {"wellbeing": "good", "full_name": f"P{i}"})
    login()
    for purpose in ("care-quality", "care-quality", "care-quality"):
        page = client.get("/researcher/export")
        response = client.post("/researcher/export/download", data={
            "csrf_token": csrf_token(page.data), "survey": "wellbeing-demo", "recipient": "1",
            "purpose": purpose, "format": "jsonl", "mode": "blank"})
        exported_file(client, response)


def sql(app, statement: str) -> None:
    with app.extensions["surveys.engine"].begin() as connection:
        connection.execute(text(statement))


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_an_intact_ledger_verifies_and_prints_its_head(three_entries, runner):
    result = verify(runner)
    assert result.exit_code == 0 and "ledger intact: 5 entries (5 checked from the first entry); head " in result.output


def test_the_next_verification_starts_from_the_signed_checkpoint_and_walks_only_what_was_added(
        app, three_entries, runner, client):
    assert "5 checked from the first entry" in verify(runner).output
    again = verify(runner)
    assert again.exit_code == 0 and "ledger intact: 5 entries (1 checked since the checkpoint at entry 5)" in again.output
    page = client.get("/researcher/export")
    client.post("/researcher/export/download", data={
        "csrf_token": csrf_token(page.data), "survey": "wellbeing-demo", "recipient": "1",
        "purpose": "care-quality", "format": "csv", "mode": "blank"}).get_data()
    added = verify(runner)
    assert "ledger intact: 6 entries (2 checked since the checkpoint at entry 5)" in added.output
    full = runner.invoke(args=["audit", "verify", "--full"])
    assert full.exit_code == 0 and "ledger intact: 6 entries (6 checked from the first entry)" in full.output


def test_an_entry_altered_before_the_checkpoint_is_found_by_a_full_verification(app, three_entries, runner):
    assert verify(runner).exit_code == 0
    sql(app, "UPDATE ledger_entries SET recipient = 'nobody' WHERE seq = 3")
    assert verify(runner).exit_code == 0  # behind the checkpoint: not walked again
    full = runner.invoke(args=["audit", "verify", "--full"])
    assert full.exit_code == 1 and "entry 3: its content no longer matches its digest" in full.output


@pytest.mark.parametrize("tamper, problem", [
    ("UPDATE ledger_checkpoints SET seq = 4", "does not match its signature"),
    ("UPDATE ledger_checkpoints SET signature = replace(signature, substr(signature, 1, 1), "
     "CASE WHEN substr(signature, 1, 1) = 'a' THEN 'b' ELSE 'a' END)", "does not match its signature"),
    ("UPDATE ledger_checkpoints SET key_id = '00000000'", "a key that is not in the key ring"),
    ("UPDATE ledger_entries SET digest = CASE WHEN substr(digest, 1, 1) = 'f' THEN 'e' ELSE 'f' END "
     "|| substr(digest, 2) WHERE seq = 5", "digest changed since it was verified"),
    # the checkpoint's own entry altered, its digest left: walked again, it no longer matches
    ("UPDATE ledger_entries SET recipient = 'nobody' WHERE seq = 5", "entry 5: its content no longer matches"),
])
def test_a_checkpoint_that_was_tampered_with_stops_the_verification(app, three_entries, runner, tamper, problem):
    assert verify(runner).exit_code == 0
    sql(app, tamper)
    result = verify(runner)
    assert result.exit_code == 1 and problem in result.output


def test_a_checkpoint_signed_before_a_key_rotation_still_verifies(app, three_entries, runner):
    assert verify(runner).exit_code == 0
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    result = verify(runner)
    assert result.exit_code == 0 and "since the checkpoint at entry 5" in result.output


def test_an_altered_entry_breaks_the_chain(app, three_entries, runner):
    sql(app, "UPDATE ledger_entries SET recipient = 'nobody' WHERE seq = 2")
    result = verify(runner)
    assert result.exit_code == 1 and "entry 2: its content no longer matches its digest" in result.output


def test_a_deleted_entry_breaks_the_chain(app, three_entries, runner):
    sql(app, "DELETE FROM ledger_entries WHERE seq = 2")
    result = verify(runner)
    assert result.exit_code == 1 and "entry 3: out of sequence" in result.output
    assert "does not follow the entry before it" in result.output


def test_reordered_entries_break_the_chain(app, three_entries, runner):
    sql(app, "UPDATE ledger_entries SET seq = -seq WHERE seq IN (1, 2)")
    sql(app, "UPDATE ledger_entries SET seq = 2 WHERE seq = -1")
    sql(app, "UPDATE ledger_entries SET seq = 1 WHERE seq = -2")
    result = verify(runner)
    assert result.exit_code == 1 and "ledger broken" in result.output


@pytest.mark.parametrize("tamper", [
    "DELETE FROM ledger_lines WHERE id = (SELECT min(id) FROM ledger_lines)",
    # the lines moved to other respondents: the ids are digested too
    "UPDATE ledger_lines SET ids = (SELECT ids FROM ledger_lines WHERE id = (SELECT max(id) FROM ledger_lines)), "
    "first_id = first_id + 1, last_id = last_id + 1 WHERE id = (SELECT min(id) FROM ledger_lines)",
    # a respondent hidden from their own record by a range that no longer holds them
    "UPDATE ledger_lines SET first_id = last_id WHERE id = (SELECT min(id) FROM ledger_lines)",
    "UPDATE ledger_lines SET lists = '[\"wellbeing\"]' WHERE id = (SELECT min(id) FROM ledger_lines)",
    "UPDATE ledger_lines SET count = count + 1 WHERE id = (SELECT min(id) FROM ledger_lines)",
])
def test_an_altered_list_of_respondents_breaks_the_chain(app, three_entries, runner, tamper):
    sql(app, tamper)
    result = verify(runner)
    assert result.exit_code == 1 and "its list of respondents was altered" in result.output


def test_cutting_the_tail_is_caught_by_the_checkpoint_and_against_a_recorded_head(app, three_entries, runner):
    head = verify(runner).output.strip().split("head ")[1]
    sql(app, "DELETE FROM ledger_entries WHERE seq = 5")
    result = verify(runner)
    assert result.exit_code == 1 and "the end was cut off" in result.output
    assert runner.invoke(args=["audit", "verify", "--full"]).exit_code == 0  # the chain alone cannot see it
    result = runner.invoke(args=["audit", "verify", "--full", "--head", head])
    assert result.exit_code == 1 and "no longer in the ledger" in result.output


def test_appends_chain_one_after_another(app, three_entries):
    with app.app_context():
        session = db.session()
        from models.survey import Survey
        survey = session.query(Survey).first()
        append_erasure(session, survey.slug, [(7, "ab" * 16)], "staff", "admin@example.org")
        db.commit()
        rows = session.execute(text("SELECT seq, prev_digest, digest FROM ledger_entries ORDER BY seq")).all()
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5, 6]
    assert all(rows[i].prev_digest == rows[i - 1].digest for i in range(1, 4))
    assert rows[0].prev_digest == "0" * 64


def test_the_admin_ledger_page_lists_entries(client, three_entries, login):
    login("admin", email="boss@example.org")
    html = client.get("/researcher/ledger").get_data(as_text=True)
    assert html.count(" export (jsonl:blank)</strong>") == 3


def test_each_respondent_sees_exactly_the_page_that_held_them_among_many(client, submit, make_recipient):
    token = make_recipient("Acme")
    people = [submit("wellbeing-demo", {"wellbeing": "good"}).get_json() for _ in range(7)]
    other = make_recipient("Other")
    headers, cursor, pages = {"Authorization": f"Bearer {token}"}, "", 0
    while True:
        page = client.get(f"/api/v1/surveys/wellbeing-demo/responses?purpose=care-quality&limit=2{cursor}",
                          headers=headers).get_json()
        pages += 1
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    client.get("/api/v1/surveys/wellbeing-demo/responses?purpose=care-quality&limit=1",
               headers={"Authorization": f"Bearer {other}"})
    assert pages == 4
    seen = [client.get("/api/v1/me", headers={"X-Receipt": p["receipt"]}).get_json()["disclosures"] for p in people]
    assert [[d["recipient"] for d in s] for s in seen] == [["Acme", "Other"]] + [["Acme"]] * 6
