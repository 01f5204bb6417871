"""The retention purge erases in batches: a transaction and one ledger entry per batch, its erased responses as
the entry's lines, and nothing recorded twice when a withdrawal got there first."""
from datetime import timedelta

from sqlalchemy import func, select, update

from models.base import utcnow
from models.ledger import LedgerEntry
from models.ledger_lines import lines_of
from models.response import Erasure, Response
from models.survey import Survey
from models.tally import KeptTally
from surveys import db, rights, tallies
from surveys.retention import purge_expired

SHORT = ("slug: short\ntitle: S\npurpose: p\nretention_days: 30\nfields:\n"
         "  - {name: q, type: text, classification: non_pii}\n")


def test_a_purge_writes_one_entry_per_batch_naming_each_erased_response(app, make_survey, submit, runner):
    make_survey(SHORT)
    ids = [submit("short", {"q": f"answer {n}"}).get_json()["id"] for n in range(9)]
    old, young = ids[:8], ids[8]
    with app.app_context():
        session = db.session()
        session.execute(update(Response).where(Response.public_id.in_(old))
                        .values(submitted_at=utcnow() - timedelta(days=31)))
        rights.erase(session, rights.find_by_public_id(session, old[2]), "withdrawn", "respondent")
        db.commit()
        assert purge_expired(app.extensions["surveys.sessions"], batch=3) == 7
        session = db.session()
        entries = session.scalars(select(LedgerEntry).where(LedgerEntry.actor == "system:retention")
                                  .order_by(LedgerEntry.seq)).all()
        named = [[public_id for _, public_id, fields in lines_of(session, entry.batch) if fields == ""]
                 for entry in entries]
        reasons = dict(session.execute(select(Erasure.reason, func.count()).group_by(Erasure.reason)).all())
        left = set(session.scalars(select(Response.public_id)))
    purged = [public_id for public_id in old if public_id != old[2]]
    assert named == [purged[:3], purged[3:6], purged[6:]]  # oldest first, in batches of three
    assert [entry.respondent_count for entry in entries] == [3, 3, 1]
    assert entries[0].note == "retention: 3 responses, one per line" and entries[2].note == f"retention: {purged[6]}"
    assert {str(reason): count for reason, count in reasons.items()} == {"retention": 7, "withdrawn": 1}
    assert left == {young}
    assert runner.invoke(args=["audit", "verify", "--full"]).exit_code == 0


def test_a_purge_drops_the_kept_tallies_that_counted_the_erased(app, make_survey, submit):
    make_survey(SHORT)
    ids = [submit("short", {"q": f"answer {n}"}).get_json()["id"] for n in range(3)]
    with app.app_context():
        session = db.session()
        survey = session.scalar(select(Survey).where(Survey.slug == "short"))
        tallies.warm(app.extensions["surveys.sessions"], app.extensions["surveys.keyring"].get(), survey)
        kept = session.scalar(select(func.count()).select_from(KeptTally))
        session.execute(update(Response).where(Response.public_id == ids[0])
                        .values(submitted_at=utcnow() - timedelta(days=31)))
        db.commit()
        assert kept > 0 and purge_expired(app.extensions["surveys.sessions"]) == 1
        assert db.session().scalar(select(func.count()).select_from(KeptTally)) == 0
