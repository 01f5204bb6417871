"""Aggregate releases through the app: counted from kept tallies that are never stale (every kind of change is
followed by the right figures), recorded as one ledger entry with its cohort, and listed on the records of the
respondents they counted."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from models.base import utcnow
from models.crypto import KeyRing
from models.ledger import LedgerEntry
from models.response import Response
from models.tally import KeptTally
from surveys import catalogue, db, disclosures, recipients, tallies
from surveys.releases import admitted
from tests.conftest import ON_POSTGRES, bearer, raw_database_bytes
from tests.row_by_row import row_by_row, same_figures

SURVEY = """
slug: agg
title: Agg
purpose: care-quality
retention_days: 30
fields:
  - {name: mood, type: choice, choices: [up, down, flat], classification: non_pii}
  - {name: walks, type: multi_choice, choices: [a, b, c], classification: non_pii}
  - {name: age, type: integer, classification: pii}
  - {name: weight, type: number, classification: spi}
  - {name: hiv, type: choice, choices: [positive, negative], classification: spi}
  - {name: remark, type: text, classification: pii}
"""
CONSENTS = [{"opt_out_third_party": bool(i & 1), "opt_out_other_purposes": bool(i & 2), "spi_disclosure": bool(i & 4)}
            for i in range(8)]


def answers(rng: random.Random) -> dict:
    return {"mood": rng.choice(["up", "down", "flat"]), "walks": rng.sample(["a", "b", "c"], rng.randint(0, 2)),
            "age": rng.randint(18, 30), "weight": round(rng.uniform(50, 90), 1),
            "hiv": rng.choice(["positive", "negative"]), "remark": f"remark {rng.random()}"}


@pytest.fixture
def agg(app, make_survey, submit, make_recipient):
    """24 respondents of the survey in every consent state; a third party that may read it; their receipts."""
    make_survey(SURVEY)
    token = make_recipient("Acme", purposes=("care-quality", "research"), surveys=("agg",))
    rng = random.Random(11)
    receipts = []
    for i in range(24):
        sent = submit("agg", answers(rng), {**CONSENTS[i % 8], "participate": True, "age_confirmed": True})
        assert sent.status_code == 201, sent.get_json()
        receipts.append(sent.get_json()["receipt"])
    return {"token": token, "receipts": receipts}


def released(app, client, token: str, purpose: str, k: int = 11) -> dict:
    response = client.get(f"/api/v1/surveys/agg/aggregates?purpose={purpose}", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def assert_right(app, client, token: str) -> None:
    """The API's figures, and the counts below suppression, equal the row-by-row figures, for both purposes."""
    ring, sessions = KeyRing.load(app.config["KEYRING_FILE"]), app.extensions["surveys.sessions"]
    for purpose in ("care-quality", "research"):
        payload = released(app, client, token, purpose)
        with app.app_context():
            session = db.session()
            d = disclosures.prepare(catalogue.get_survey(session, "agg"), recipients.find_recipient(session, "Acme"),
                                    purpose, "test")
            reference = row_by_row(sessions, ring, d, app.config["AGGREGATE_K"])
            assert same_figures({**reference["result"], "purpose": purpose}, payload)
            counts, at = tallies.counted(sessions, ring, d.survey)
            unsuppressed = row_by_row(sessions, ring, d, 1)["result"]
            assert same_figures(unsuppressed, admitted(counts, d, at).aggregate.result("agg", 1))


def kept(app) -> list[tuple[int, int]]:
    with app.app_context():
        return sorted(db.session().execute(select(KeptTally.level, KeptTally.number)).all())


def test_the_next_aggregate_is_right_after_every_kind_of_change(app, client, agg, submit, runner):
    token, receipts = agg["token"], agg["receipts"]
    me = {"X-Receipt": receipts[0]}
    assert_right(app, client, token)  # cold: counted and kept
    assert kept(app)
    assert client.patch("/api/v1/me", headers=me, json={"answers": {"mood": "flat", "age": 29}}).status_code == 200
    assert kept(app) == []  # the correction dropped its block's tallies: its old answers are in none
    assert_right(app, client, token)
    assert client.patch("/api/v1/me", headers=me, json={"consent": {"spi_disclosure": True,
                                                                     "opt_out_third_party": True}}).status_code == 200
    assert_right(app, client, token)
    assert client.delete("/api/v1/me", headers={"X-Receipt": receipts[1]}).status_code == 204
    assert kept(app) == []
    assert_right(app, client, token)
    assert submit("agg", {"mood": "up", "age": 44, "hiv": "positive"}, {"spi_disclosure": True}).status_code == 201
    assert_right(app, client, token)
    with app.app_context():  # an answer changed by no use case at all: its revision still moves on
        session = db.session()
        session.execute(update(Response).where(Response.public_id == session.scalar(
            select(Response.public_id).order_by(Response.id).offset(5).limit(1))).values(non_pii={"mood": "down"}))
        db.commit()
    assert_right(app, client, token)
    with app.app_context():  # three respondents past the survey's retention
        session = db.session()
        session.execute(update(Response).where(Response.id.in_(
            select(Response.id).order_by(Response.id).offset(6).limit(3).scalar_subquery()))
            .values(submitted_at=utcnow() - timedelta(days=40)))
        db.commit()
    assert_right(app, client, token)
    assert "erased 3 response(s)" in runner.invoke(args=["retention", "purge"]).output
    assert_right(app, client, token)
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    ring, sessions = KeyRing.load(app.config["KEYRING_FILE"]), app.extensions["surveys.sessions"]
    with app.app_context():
        wrapped = db.session().scalars(select(KeptTally.data_key)).all()
        assert wrapped and {ring.key_id_of(key) for key in wrapped} == {ring.current}
        assert tallies.warm(sessions, ring, catalogue.get_survey(db.session(), "agg")) == 0  # still warm
    assert_right(app, client, token)


def test_a_new_row_taking_a_deleted_rows_id_is_not_mistaken_for_it(app, client, agg, submit):
    """SQLite gives a new row the highest id plus one, so deleting the last row (here without the use case that
    drops kept tallies) and submitting again reuses its id: the revision tells the two apart."""
    token = agg["token"]
    assert_right(app, client, token)
    with app.app_context():
        session = db.session()
        last = session.scalar(select(func.max(Response.id)))
        session.execute(delete(Response).where(Response.id == last))
        db.commit()
    assert submit("agg", {"mood": "down", "walks": ["c"], "age": 99, "hiv": "positive"}, CONSENTS[7]).status_code == 201
    with app.app_context():
        newest = db.session().scalar(select(func.max(Response.id)))
    assert ON_POSTGRES or newest == last
    assert_right(app, client, token)


def test_a_release_is_one_entry_with_its_cohort_and_the_chain_verifies(app, client, agg, runner, count_rows):
    lines = count_rows("ledger_lines")
    with app.app_context():
        before = [(e.seq, e.digest) for e in db.session().scalars(select(LedgerEntry).order_by(LedgerEntry.seq))]
    payload = released(app, client, agg["token"], "research")
    assert count_rows("ledger_lines") == lines  # no line per respondent
    with app.app_context():
        entries = db.session().scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()
        assert [(e.seq, e.digest) for e in entries[:-1]] == before and all(e.cohort == {} for e in entries[:-1])
        entry = entries[-1]
    assert (entry.action, entry.recipient, entry.purpose, entry.survey, entry.respondent_count) == (
        "aggregate", "Acme", "research", "agg", 0)
    cohort = entry.cohort
    assert cohort["count"] == 24 == payload["respondents"] and cohort["since"] is None and cohort["until"] is None
    assert cohort["consent"] == ["opt_out_third_party", "opt_out_other_purposes", "spi_disclosure"]
    assert cohort["rows"] == {f"{i & 1}{i >> 1 & 1}{i >> 2 & 1}": 3 for i in range(8)}
    # a third party, another purpose: PII unless either opt-out, SPI only with consent and neither opt-out
    assert cohort["admitted"]["001"] == ["non_pii", "pii", "spi"]
    assert cohort["admitted"]["000"] == ["non_pii", "pii"]
    assert cohort["admitted"]["101"] == cohort["admitted"]["111"] == ["non_pii"]
    assert cohort["fields"] == {"non_pii": ["mood", "walks"], "pii": ["age", "remark"], "spi": ["weight", "hiv"]}
    assert entry.withheld["hiv"] == {"no_spi_consent": 12, "opted_out_third_party": 6, "opted_out_other_purposes": 3}
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    with app.extensions["surveys.engine"].begin() as connection:
        connection.execute(update(LedgerEntry).where(LedgerEntry.id == entry.id)
                           .values(cohort={**cohort, "count": 23}))
    assert runner.invoke(args=["audit", "verify"]).exit_code != 0  # the cohort is chained


def test_the_ledger_page_shows_how_many_a_release_counted(app, client, agg, login):
    released(app, client, agg["token"], "research")
    login("admin")
    html = client.get("/researcher/ledger", query_string={"action": "aggregate"}).get_data(as_text=True)
    assert "<dt>Respondents counted</dt><dd>24</dd>" in html and "<dt>Respondents</dt>" not in html


def test_a_time_bound_is_applied_and_recorded(app, client, agg):
    with app.app_context():
        session = db.session()
        ids = session.scalars(select(Response.id).order_by(Response.id)).all()
        session.execute(update(Response).where(Response.id.in_(ids[:10]))
                        .values(submitted_at=utcnow() - timedelta(days=3)))
        db.commit()
    since = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = client.get(f"/api/v1/surveys/agg/aggregates?purpose=care-quality&since={stamp}",
                          headers=bearer(agg["token"]))
    assert response.status_code == 200 and response.get_json()["respondents"] == 14
    with app.app_context():
        entry = db.session().scalars(select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(1)).one()
    assert entry.cohort["since"] == stamp.replace("Z", ".000000Z") and entry.cohort["count"] == 14
    bad = client.get("/api/v1/surveys/agg/aggregates?purpose=care-quality&until=yesterday", headers=bearer(agg["token"]))
    assert bad.status_code == 422 and "until" in bad.get_json()["errors"]


def test_kept_tallies_hold_no_answer_in_the_clear(app, client, agg, submit, instance_path):
    submit("agg", {"weight": 77.123456, "mood": "up"}, {"spi_disclosure": True})
    released(app, client, agg["token"], "care-quality")
    assert kept(app)
    assert b"77.123456" not in raw_database_bytes(app, instance_path)


def test_a_respondents_record_lists_the_releases_that_counted_them(app, client, agg, submit, login):
    token = agg["token"]
    with app.app_context():  # the others answered a day ago
        db.session().execute(update(Response).values(submitted_at=utcnow() - timedelta(days=1)))
        db.commit()
    released(app, client, token, "care-quality")  # before they answered: not theirs
    sent = submit("agg", {"mood": "up", "age": 20, "weight": 60.5, "remark": "hello"}).get_json()
    me = {"X-Receipt": sent["receipt"]}
    submitted = client.get("/api/v1/me", headers=me).get_json()["submitted_at"]
    released(app, client, token, "care-quality")  # a third party, original purpose: non-PII and PII, not SPI
    login(spi=True)
    assert client.get("/researcher/surveys/agg/results").status_code == 200  # staff with clearance: all of it
    assert client.patch("/api/v1/me", headers=me, json={"consent": {"opt_out_third_party": True}}).status_code == 200
    released(app, client, token, "care-quality")  # after their opt-out: non-PII only
    ended = client.get(f"/api/v1/surveys/agg/aggregates?purpose=care-quality&until={submitted}", headers=bearer(token))
    assert ended.status_code == 200  # bounded to before they answered: not theirs
    record = client.get("/api/v1/me", headers=me).get_json()["disclosures"]
    counted = [(d["recipient"], d["purpose"], sorted(d["fields"])) for d in record if d.get("kind") == "aggregate"]
    assert counted == [("Acme", "care-quality", ["age", "mood", "remark"]),
                       ("internal", "care-quality", ["age", "mood", "remark", "weight"]),
                       ("Acme", "care-quality", ["mood"])]
    assert all(set(d) == {"at", "recipient", "purpose", "fields", "kind"} for d in record if "kind" in d)
    earlier = client.get("/api/v1/me", headers={"X-Receipt": agg["receipts"][2]}).get_json()["disclosures"]
    assert [d["recipient"] for d in earlier if d.get("kind") == "aggregate"] == [  # before every release
        "Acme", "Acme", "internal", "Acme", "Acme"]


def test_the_record_page_explains_a_summary_in_the_respondents_language(app, client, agg):
    from tests.conftest import sign_in
    released(app, client, agg["token"], "care-quality")
    assert sign_in(client, agg["receipts"][0]).status_code == 302
    english = client.get("/me/record?lang=en").get_data(as_text=True)
    assert "counted in summary figures" in english and "These answers were counted in an anonymous summary" in english
    spanish = client.get("/me/record?lang=es").get_data(as_text=True)
    assert "contadas en cifras de resumen" in spanish and "Estas respuestas se contaron en un resumen anónimo" in spanish


def test_a_long_list_of_dates_reads_as_how_many_from_the_first_to_the_last(app, client, agg):
    from tests.conftest import sign_in
    for _ in range(7):
        released(app, client, agg["token"], "research")
    assert sign_in(client, agg["receipts"][0]).status_code == 302
    assert "7 times, from " in client.get("/me/record?lang=en").get_data(as_text=True)
    assert "7 veces, desde el " in client.get("/me/record?lang=es").get_data(as_text=True)
    record = client.get("/api/v1/me", headers={"X-Receipt": agg["receipts"][0]}).get_json()["disclosures"]
    assert len([d for d in record if d.get("kind") == "aggregate"]) == 7  # the API lists each
