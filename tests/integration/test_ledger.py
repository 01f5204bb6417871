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
    assert result.exit_code == 0 and "ledger intact: 5 entries; head " in result.output


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


def test_an_altered_list_of_respondents_breaks_the_chain(app, three_entries, runner):
    sql(app, "DELETE FROM ledger_respondents WHERE id = (SELECT min(id) FROM ledger_respondents)")
    result = verify(runner)
    assert result.exit_code == 1 and "its list of respondents was altered" in result.output


def test_cutting_the_tail_is_caught_against_a_recorded_head(app, three_entries, runner):
    head = verify(runner).output.strip().split("head ")[1]
    sql(app, "DELETE FROM ledger_entries WHERE seq = 5")
    assert verify(runner).exit_code == 0  # the chain alone cannot see a missing tail
    result = runner.invoke(args=["audit", "verify", "--head", head])
    assert result.exit_code == 1 and "no longer in the ledger" in result.output


def test_appends_chain_one_after_another(app, three_entries):
    with app.app_context():
        session = db.session()
        from models.survey import Survey
        survey = session.query(Survey).first()
        append_erasure(session, survey.slug, "abc", "staff", "admin@example.org")
        db.commit()
        rows = session.execute(text("SELECT seq, prev_digest, digest FROM ledger_entries ORDER BY seq")).all()
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5, 6]
    assert all(rows[i].prev_digest == rows[i - 1].digest for i in range(1, 4))
    assert rows[0].prev_digest == "0" * 64


def test_the_admin_ledger_page_lists_entries(client, three_entries, login):
    login("admin", email="boss@example.org")
    html = client.get("/researcher/ledger").get_data(as_text=True)
    assert html.count(" export (jsonl:blank)</strong>") == 3
