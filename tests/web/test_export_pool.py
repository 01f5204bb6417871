"""An export opened and written by a pool of processes (`export --workers 2`, export_stream's `workers`): the same
bytes and the same ledger entry as in one process, whatever the consent states, recipient, mode or format; the rule
applied there as here; no key handed to the workers; a row that does not open stopping it as it stops one process.
Also the time each line carries, written by the database, as iso_utc writes it."""
import json
import pickle
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from models.base import iso_utc
from models.crypto import CryptoError, KeyRing
from models.disclosure import ConsentState
from models.ledger import LedgerEntry
from models.response import Response
from models.vocabulary import PurposeRelation, RecipientKind
from surveys import catalogue, db, disclosures, recipients
from surveys.exports import WRITERS, pool
from surveys.pseudonyms import pseudonym_key_aad
from tests.conftest import CLASSES, COMBOS, combo_tag, csv_rows, independent_statement
from tests.web.test_analysis_exports import codebook_of, read, rich  # noqa: F401  (rich: the survey's fixture)

#: What a ledger entry says of an export, but for its time, sequence and digests of chain and batch.
SAME = ("actor", "action", "recipient", "purpose", "purpose_relation", "survey", "format", "fields", "withheld",
        "respondent_count", "respondents_digest", "note")


def export(runner, tmp_path, slug: str, fmt: str, workers: int, mode: str = "blank", recipient: str = "Acme",
           purpose: str = "care-quality") -> bytes:
    path = tmp_path / f"{slug}-{recipient}-{purpose}-{mode}-{workers}.{fmt}"
    result = runner.invoke(args=["export", slug, "--recipient", recipient, "--purpose", purpose, "--format", fmt,
                                 "--withheld", mode, "--output", str(path), "--workers", str(workers)])
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def last_exports(app, count: int = 2) -> list[LedgerEntry]:
    with app.app_context():
        return db.session().scalars(select(LedgerEntry).where(LedgerEntry.action == "export")
                                    .order_by(LedgerEntry.seq.desc()).limit(count)).all()[::-1]


@pytest.fixture
def shared(rich, make_recipient):  # noqa: F811  (rich: the fixture imported above)
    make_recipient("Acme", surveys=("rich",))
    return rich


@pytest.mark.parametrize("fmt, mode, recipient", [
    ("csv", "blank", "Acme"), ("csv", "drop", "Acme"), ("jsonl", "blank", "Acme"), ("jsonl", "drop", "Acme"),
    ("csv", "blank", "internal"), ("jsonl", "blank", "internal")])
def test_a_pooled_export_is_the_same_bytes_and_the_same_ledger_entry_as_one_process(
        app, runner, shared, tmp_path, fmt, mode, recipient):
    alone = export(runner, tmp_path, "rich", fmt, 1, mode, recipient)
    pooled = export(runner, tmp_path, "rich", fmt, 2, mode, recipient)
    assert pooled == alone and alone.count(b"\n") >= 3  # each consent state sends something, or drops it
    one, two = last_exports(app)
    assert [getattr(two, key) for key in SAME] == [getattr(one, key) for key in SAME]
    assert two.payload_digest == one.payload_digest and two.format == f"{fmt}:{mode}"


@pytest.mark.parametrize("fmt", ["sav", "dta", "xlsx"])
def test_a_pooled_file_holds_what_one_process_writes(app, client, runner, login, shared, tmp_path, fmt):
    """Compared by content: SPSS, Stata and Excel write the time they were made into the file."""
    login()
    book = codebook_of(client, "rich")
    alone = read(fmt, export(runner, tmp_path, "rich", fmt, 1), book, tmp_path / "alone")
    assert read(fmt, export(runner, tmp_path, "rich", fmt, 2), book, tmp_path / "pooled") == alone
    one, two = last_exports(app)
    assert [getattr(two, key) for key in SAME] == [getattr(one, key) for key in SAME]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("purpose, relation", [("care-quality", "original"), ("marketing", "other")])
def test_the_workers_send_exactly_what_the_rule_allows_and_no_withheld_value(
        app, runner, panel, make_recipient, tmp_path, fmt, purpose, relation):
    make_recipient("Acme", purposes=("care-quality", "marketing"), surveys=("panel",))
    data = export(runner, tmp_path, "panel", fmt, 2, purpose=purpose)
    assert data == export(runner, tmp_path, "panel", fmt, 1, purpose=purpose)
    if fmt == "csv":
        rows = {row["tag"]: row for row in csv_rows(data)}
    else:
        rows = {line["answers"]["tag"]: line["answers"] for line in map(json.loads, data.decode().splitlines())}
    assert set(rows) == {combo_tag(c) for c in COMBOS}
    for combo in COMBOS:
        tag, consent = combo_tag(combo), ConsentState(*combo)
        for field, cls in CLASSES.items():
            allowed = independent_statement(cls, RecipientKind.THIRD_PARTY, PurposeRelation(relation), consent, False)
            value = f"{field}-of-{tag}" if field != "tag" else tag
            assert (rows[tag].get(field) == value) is allowed, (field, combo)
            if not allowed:
                assert value.encode() not in data


def test_batches_come_back_in_the_order_they_were_read_however_the_workers_finish(
        app, runner, shared, tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "BATCH_ROWS", 1)  # ten batches of one row, a worker free for each
    monkeypatch.setattr(pool, "AHEAD", 3)
    assert export(runner, tmp_path, "rich", "jsonl", 2) == export(runner, tmp_path, "rich", "jsonl", 1)


def test_the_workers_are_handed_no_key_only_what_a_reader_of_the_database_holds(app, shared):
    with app.app_context():
        session = db.session()
        partner = recipients.find_recipient(session, "Acme")
        d = disclosures.prepare(catalogue.get_survey(session, "rich"), partner, "care-quality", "bench")
        task = pickle.dumps(pool.task_of(d, "blank", app.config["KEYRING_FILE"], WRITERS["csv"](d.survey)))
        ring = KeyRing.load(app.config["KEYRING_FILE"])
        keys = [*ring.keys.values(), ring.unwrap(partner.pseudonym_key, pseudonym_key_aad(partner.name))]
    assert app.config["KEYRING_FILE"].encode() in task and partner.pseudonym_key in task  # the wrapped one
    assert not [key for key in keys if key in task]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_row_that_does_not_open_stops_the_export_and_nothing_is_written(app, runner, shared, tmp_path, workers):
    with app.app_context():
        session = db.session()
        victim = session.scalars(select(Response).where(Response.pii.is_not(None)).order_by(Response.id)).first()
        session.execute(update(Response).where(Response.id == victim.id).values(pii=victim.pii[:-1] + b"\0"))
        db.commit()
    (out := tmp_path / "out").mkdir()
    result = runner.invoke(args=["export", "rich", "--recipient", "internal", "--purpose", "care-quality",
                                 "--format", "csv", "--output", str(out / "rich.csv"), "--workers", str(workers)])
    assert result.exit_code != 0 and isinstance(result.exception, CryptoError) and not list(out.iterdir())
    [entry] = last_exports(app, 1)
    assert entry.note == "the download stopped before the end"


@pytest.mark.parametrize("workers", [1, 2])
def test_each_line_carries_its_time_to_the_second_in_utc_as_iso_utc_writes_it(app, runner, shared, tmp_path,
                                                                              workers):
    late = datetime(2026, 3, 1, 12, 0, 59, 999999, tzinfo=timezone.utc)  # a microsecond short of the minute
    with app.app_context():
        session = db.session()
        first = session.scalars(select(Response).order_by(Response.id)).first()
        session.execute(update(Response).where(Response.id == first.id).values(submitted_at=late))
        db.commit()
        times = {r.public_id: iso_utc(r.submitted_at) for r in db.session().scalars(select(Response))}
    rows = csv_rows(export(runner, tmp_path, "rich", "csv", workers, recipient="internal"))
    assert {row["respondent"]: row["submitted_at"] for row in rows} == times
    assert times[first.public_id] == "2026-03-01T12:00:59Z"
