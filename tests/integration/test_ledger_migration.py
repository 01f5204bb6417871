"""Lines written one row per respondent before 0009 move into chunks, and their entries still verify."""
import secrets
from datetime import timedelta
from types import SimpleNamespace

from alembic import command
from sqlalchemy import text

from models import ledger_lines
from models.base import utcnow
from models.ledger import GENESIS, RespondentsDigest, entry_digest
from models.schema import migrate, run


def legacy_entry(seq: int, prev: str, batch: str, lines: list, at) -> dict:
    """An entry as the ledger wrote it before 0009: its lines digested as "public id:fields"."""
    digest = RespondentsDigest(version=1)
    digest.add(lines)
    entry = dict(seq=seq, at=at.replace(microsecond=0), actor="recipient:Acme", action="api_page", recipient="Acme",
                 purpose="care-quality", purpose_relation="original", survey="wellbeing-demo", format="json",
                 fields=["wellbeing"], withheld={}, respondent_count=len(lines), respondents_digest=digest.hexdigest(),
                 payload_digest="0" * 64, note="", batch=batch)
    entry["digest"] = entry_digest(SimpleNamespace(**entry, lines_version=1, cohort=None), prev)
    return {**entry, "prev_digest": prev}


def test_lines_of_every_earlier_disclosure_move_into_chunks_and_verify_and_are_found(app, client, submit, runner,
                                                                                    monkeypatch):
    monkeypatch.setattr(ledger_lines, "CHUNK", 4)  # ten lines in one batch: three chunks
    people = [submit("wellbeing-demo", {"wellbeing": "good"}).get_json() for _ in range(10)]
    engine = app.extensions["surveys.engine"]
    run(engine, command.downgrade, "0008")
    with engine.begin() as connection:
        ids = dict(connection.execute(text("SELECT public_id, id FROM responses")).all())
        connection.execute(text("DELETE FROM ledger_entries"))
        first = [(ids[p["id"]], p["id"], "wellbeing") for p in people]
        # An erased respondent's line, written before lines kept response ids.
        second = [(ids[people[0]["id"]], people[0]["id"], "wellbeing"), (None, secrets.token_hex(16), "")]
        prev, at = GENESIS, utcnow() - timedelta(days=1)
        for seq, lines in ((1, first), (2, second)):
            batch = secrets.token_hex(16)
            entry = legacy_entry(seq, prev, batch, lines, at)
            connection.execute(text(
                "INSERT INTO ledger_entries (seq, at, actor, action, recipient, purpose, purpose_relation, survey, "
                "format, fields, withheld, respondent_count, respondents_digest, payload_digest, note, batch, "
                "prev_digest, digest) VALUES (:seq, :at, :actor, :action, :recipient, :purpose, :purpose_relation, "
                ":survey, :format, :fields, :withheld, :respondent_count, :respondents_digest, :payload_digest, "
                ":note, :batch, :prev_digest, :digest)"),
                {**entry, "fields": '["wellbeing"]', "withheld": "{}"})
            connection.execute(text("INSERT INTO ledger_respondents (batch, response_id, public_id, fields) "
                                    "VALUES (:batch, :rid, :public_id, :fields)"),
                               [{"batch": batch, "rid": rid, "public_id": public_id, "fields": fields}
                                for rid, public_id, fields in lines])
            prev = entry["digest"]
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*), sum(count) FROM ledger_lines")).one() == (4, 12)
    result = runner.invoke(args=["audit", "verify", "--full"])
    assert result.exit_code == 0 and "ledger intact: 2 entries" in result.output, result.output
    seen = client.get("/api/v1/me", headers={"X-Receipt": people[0]["receipt"]}).get_json()["disclosures"]
    assert [(d["recipient"], d["fields"]) for d in seen] == [("Acme", ["wellbeing"])] * 2
    seen = client.get("/api/v1/me", headers={"X-Receipt": people[9]["receipt"]}).get_json()["disclosures"]
    assert len(seen) == 1


def test_a_pair_of_respondent_and_disclosure_costs_at_most_24_bytes_on_disk_with_its_index(app, runner):
    """Measured on the database's own accounting of its pages, over a hundred thousand pairs."""
    from surveys import db
    engine = app.extensions["surveys.engine"]
    pairs = 100_000
    lines = [(i, secrets.token_hex(16), "wellbeing,visits,activities") for i in range(1, pairs + 1)]

    def size() -> int:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                pages = connection.execute(text("PRAGMA page_count")).scalar()
                free = connection.execute(text("PRAGMA freelist_count")).scalar()
                return (pages - free) * connection.execute(text("PRAGMA page_size")).scalar()
            return connection.execute(text("SELECT pg_total_relation_size('ledger_lines')")).scalar()

    before = size()
    with app.app_context():
        with engine.begin() as connection:
            for start in range(0, pairs, 20_000):
                ledger_lines.insert_lines(connection, secrets.token_hex(16), lines[start:start + 20_000])
        db.session().close()
    assert (size() - before) / pairs <= 24
