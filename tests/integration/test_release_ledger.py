"""An aggregate release's cohort is chained only where there is one: every entry written before cohorts existed,
and every other entry since, keeps the digest the old rule gives it, through the migration that added them."""
import hashlib
import json

from alembic import command
from sqlalchemy import select

from models.ledger import LedgerEntry
from models.schema import migrate, run
from surveys import db
from tests.conftest import bearer


def old_digest(entry: LedgerEntry) -> str:
    """entry_digest as it was before cohorts: CHAINED, and the version of its lines where it is not the first."""
    names = ("seq", "at", "actor", "action", "recipient", "purpose", "purpose_relation", "survey", "format", "fields",
             "withheld", "respondent_count", "respondents_digest", "payload_digest", "note", "batch")
    content = {name: getattr(entry, name) for name in names}
    if entry.lines_version != 1:
        content["lines_version"] = entry.lines_version
    content["at"] = entry.at.isoformat()
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{entry.prev_digest}\n{canonical}".encode()).hexdigest()


def test_entries_without_a_cohort_keep_their_digests_through_the_migration(app, client, submit, make_recipient,
                                                                           runner, login):
    token = make_recipient("Acme")
    for i in range(3):
        submit("wellbeing-demo", {"wellbeing": "good", "full_name": f"P{i}"})
    login()  # a grant: another entry
    assert client.get("/api/v1/surveys/wellbeing-demo/responses?purpose=care-quality",
                      headers=bearer(token)).status_code == 200
    engine = app.extensions["surveys.engine"]
    run(engine, command.downgrade, "0010")
    migrate(engine)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/surveys/wellbeing-demo/aggregates?purpose=care-quality",
                      headers=bearer(token)).status_code == 200
    with app.app_context():
        entries = db.session().scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()
    assert [old_digest(e) == e.digest for e in entries] == [True] * (len(entries) - 1) + [False]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
