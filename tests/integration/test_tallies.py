"""Counting from kept tallies gives what reading every row gave (tests/row_by_row.py keeps that computation): over
random values of every counted type in every column, random consent states, recipients, purposes and time bounds,
cold and warm, with rows spread over many blocks and groups of ids."""
import random
import secrets
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from models.aggregates import COUNTED
from models.crypto import KeyRing, seal_answers
from models.disclosure import Audience
from models.distribution import CountedValues
from models.recipient import INTERNAL
from models.response import Response
from models.tally import KeptTally
from models.vocabulary import CONSENT_CHOICES, PurposeRelation, RecipientKind
from surveys import catalogue, db, releases, tallies
from surveys.disclosures import Disclosure
from surveys.recipients import find_recipient
from surveys.releases import admitted, withheld_by_field
from tests.row_by_row import MEASURED, row_by_row, same_figures

SURVEY = """
slug: counted
title: Counted
purpose: care-quality
fields:
  - {name: pick, type: choice, choices: [0, 1, a, b], classification: non_pii}
  - {name: picks, type: multi_choice, choices: [a, b, c], classification: non_pii}
  - {name: flag, type: boolean, classification: pii}
  - {name: amount, type: number, classification: spi}
  - {name: times, type: integer, classification: non_pii}
  - {name: born, type: date, classification: pii}
  - {name: bedtime, type: time, classification: non_pii}
  - {name: seen, type: datetime, classification: spi}
  - {name: note, type: text, classification: non_pii}
  - {name: secret, type: choice, choices: ["yes", "no"], classification: spi}
  - {name: tags, type: multi_choice, choices: [x, y], classification: pii}
  - {name: level, type: integer, classification: pii}
"""
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**53), 2**53),
                    st.sampled_from([True, False, "7", None, 0, -0.0, 1e308, -1.7e308, 5e-324]))
# Text as the service stores it: no lone surrogate, no NUL (models/text.py refuses both where text enters).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)
VALUES = {
    "choice": st.sampled_from([0, 1, "a", "b", "0", True, False, 1.0, None, "yes", "no"]),
    "multi_choice": st.lists(st.sampled_from(["a", "b", "c", "x", 0, 1, True]), max_size=4),
    "boolean": st.sampled_from([True, False, 0, 1, None, "", "no", 2.5]),
    "number": NUMBERS, "integer": NUMBERS,
    "date": st.one_of(st.dates().map(str), st.sampled_from([0, "", "2026", None])),
    "datetime": st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), st.just(3)),
    "time": st.one_of(st.times().map(lambda t: t.strftime("%H:%M")), st.sampled_from(["", "7:5", 12])),
    "text": TEXT,
}
FIELD_TYPES = {"pick": "choice", "picks": "multi_choice", "flag": "boolean", "amount": "number", "times": "integer",
               "born": "date", "bedtime": "time", "seen": "datetime", "note": "text", "secret": "choice",
               "tags": "multi_choice", "level": "integer"}
CLASSES = {"pick": "non_pii", "picks": "non_pii", "flag": "pii", "amount": "spi", "times": "non_pii", "born": "pii",
           "bedtime": "non_pii", "seen": "spi", "note": "non_pii", "secret": "spi", "tags": "pii", "level": "pii"}
AUDIENCES = [Audience(RecipientKind.INTERNAL, PurposeRelation.ORIGINAL, False),
             Audience(RecipientKind.INTERNAL, PurposeRelation.OTHER, True),
             Audience(RecipientKind.THIRD_PARTY, PurposeRelation.ORIGINAL),
             Audience(RecipientKind.THIRD_PARTY, PurposeRelation.OTHER)]


@st.composite
def responses(draw, max_size=30):
    """Rows: (id, submitted_at, consent flags, {column: {field: value}}). A field's value is mostly in its class's
    column, sometimes in another (as after a reclassification); some fields are missing."""
    ids = sorted(draw(st.sets(st.integers(1, 200_000), max_size=max_size)))
    rows = []
    for row_id in ids:
        hours = draw(st.integers(0, 24 * 400))
        flags = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
        columns = {"non_pii": {}, "pii": {}, "spi": {}}
        for name, ftype in FIELD_TYPES.items():
            if draw(st.integers(0, 4)) == 0:
                continue
            column = CLASSES[name] if draw(st.integers(0, 7)) else draw(st.sampled_from(list(columns)))
            columns[column][name] = draw(VALUES[ftype])
        rows.append((row_id, START + timedelta(hours=hours), flags, columns))
    return rows


@pytest.fixture
def counted_survey(app, make_survey):
    make_survey(SURVEY)
    with app.app_context():
        return catalogue.get_survey(db.session(), "counted").id


def store(app, survey_id: int, rows) -> None:
    """Replace the survey's responses with these rows, sealed as the service seals them (kept tallies stay:
    they must be seen to be stale)."""
    ring = KeyRing.load(app.config["KEYRING_FILE"])
    with app.extensions["surveys.engine"].begin() as connection:
        connection.execute(delete(Response).where(Response.survey_id == survey_id))
        values = []
        for row_id, submitted_at, flags, columns in rows:
            public_id = secrets.token_hex(16)
            sealed = seal_answers(ring, survey_id, public_id, columns["pii"], columns["spi"])
            values.append({"id": row_id, "public_id": public_id, "survey_id": survey_id,
                           "submitted_at": submitted_at, "receipt_digest": secrets.token_hex(32),
                           "non_pii": columns["non_pii"], "pii": sealed.pii, "spi": sealed.spi,
                           "data_key": sealed.data_key, "notice_version": "test",
                           **dict(zip(CONSENT_CHOICES, flags))})
        if values:
            connection.execute(insert(Response), values)


def disclosure(session, survey_id: int, audience: Audience) -> Disclosure:
    survey = catalogue.get_survey(session, "counted")
    survey.fields  # noqa: B018
    purpose = survey.purpose if audience.purpose is PurposeRelation.ORIGINAL else "research"
    return Disclosure(survey, find_recipient(session, INTERNAL), purpose, "test", audience)


def assert_same(app, d: Disclosure, counts, k: int, since=None, until=None) -> None:
    ring = KeyRing.load(app.config["KEYRING_FILE"])
    reference = row_by_row(app.extensions["surveys.sessions"], ring, d, k, since, until)
    made = admitted(counts, d, START, since, until)
    assert same_figures(reference["result"], made.aggregate.result(d.survey.slug, k))
    for f in d.survey.stored_fields:
        old, new = reference["tallies"][f.name], made.aggregate.tallies[f.name]
        assert old.answered == new.answered, f.name
        if old.type in COUNTED:
            assert +old.counts == +new.counts, f.name
        spread = reference["spread"].get(f.name)
        if spread is not None and spread.type in MEASURED:
            assert list(CountedValues(new.counts)) == sorted(spread.numbers), f.name
        elif spread is not None:
            assert Counter(spread.texts) == Counter(new.counts), f.name
    reasons = {name: sorted({reason.explanation for reason in found}) for name, found in made.withheld.items()}
    assert reasons == reference["reasons"]
    assert made.sent() == reference["sent"]
    assert withheld_by_field(made, [f.name for f in d.survey.stored_fields]) == reference["withheld"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=responses(), k=st.sampled_from([1, 2, 3, 11]), bounds=st.tuples(st.integers(-10, 500),
                                                                            st.integers(-10, 500)),
       audience=st.sampled_from(AUDIENCES))
def test_counts_from_kept_tallies_equal_the_row_by_row_figures(app, counted_survey, rows, k, bounds, audience):
    store(app, counted_survey, rows)
    ring = KeyRing.load(app.config["KEYRING_FILE"])
    sessions = app.extensions["surveys.sessions"]
    with app.app_context():
        session = db.session()
        d = disclosure(session, counted_survey, audience)
        first, _ = tallies.counted(sessions, ring, d.survey)
        assert_same(app, d, first, k)
        again, _ = tallies.counted(sessions, ring, d.survey)  # warm: every block and group kept
        assert_same(app, d, again, k)
        since, until = (None if day < 0 else START + timedelta(days=day, hours=day % 7) for day in bounds)
        bounded, _ = tallies.counted(sessions, ring, d.survey, since, until)
        assert_same(app, d, bounded, k, since, until)


def test_rows_over_many_groups_are_counted_once_each_cold_and_warm(app, counted_survey):
    rng = random.Random(7)
    rows = [(row_id, START + timedelta(minutes=row_id), (rng.random() < .3, rng.random() < .2, rng.random() < .5),
             {"non_pii": {"pick": rng.choice([0, 1, "a"]), "times": rng.randint(0, 9)},
              "pii": {"flag": rng.random() < .5, "level": rng.randint(1, 3)}, "spi": {"amount": rng.random()}})
            for row_id in range(1, 300_000, 97)]
    store(app, counted_survey, rows)
    ring, sessions = KeyRing.load(app.config["KEYRING_FILE"]), app.extensions["surveys.sessions"]
    with app.app_context():
        d = disclosure(db.session(), counted_survey, AUDIENCES[2])
        assert tallies.warm(sessions, ring, d.survey) == len(rows)
        assert tallies.warm(sessions, ring, d.survey) == 0  # nothing stale: nothing counted again
        kept = db.session().execute(select(KeptTally.level, KeptTally.number)).all()
        assert {level for level, _ in kept} == {0, 1} and len(kept) == len({i >> 10 for i, *_ in rows}) + 5
        counts, _ = tallies.counted(sessions, ring, d.survey)
        assert counts.rows == len(rows)
        assert_same(app, d, counts, 11)
        middle = START + timedelta(minutes=150_000)
        bounded, _ = tallies.counted(sessions, ring, d.survey, since=middle)
        assert_same(app, d, bounded, 11, since=middle)


def test_tallies_of_ranges_left_without_responses_are_dropped(app, counted_survey):
    rows = [(row_id, START + timedelta(hours=row_id), (False, False, True),
             {"non_pii": {"pick": "a"}, "pii": {"level": 2}, "spi": {"secret": "yes"}})
            for row_id in [*range(1, 6), *range(5000, 5006), *range(70_000, 70_003)]]
    store(app, counted_survey, rows)
    ring, sessions = KeyRing.load(app.config["KEYRING_FILE"]), app.extensions["surveys.sessions"]
    with app.app_context():
        survey = catalogue.get_survey(db.session(), "counted")
        tallies.warm(sessions, ring, survey)
        kept = set(db.session().execute(select(KeptTally.level, KeptTally.number)).all())
        assert kept == {(0, 0), (0, 4), (0, 68), (1, 0), (1, 1)}
    with app.extensions["surveys.engine"].begin() as connection:  # not through an erasure: nothing dropped yet
        connection.execute(delete(Response).where(Response.id >= 5000))
    with app.app_context():
        counts, _ = tallies.counted(sessions, ring, survey)
        assert counts.rows == 5
        assert set(db.session().execute(select(KeptTally.level, KeptTally.number)).all()) == {(0, 0), (1, 0)}


def test_the_job_runners_refresh_keeps_every_survey_warm(app, counted_survey):
    """What the job runner does every few minutes: the next aggregate, after a bulk load, counts nothing afresh."""
    rows = [(row_id, START + timedelta(hours=row_id), (False, False, True), {"non_pii": {"pick": "a"},
            "pii": {"level": 2}, "spi": {"secret": "yes"}}) for row_id in range(1, 3000, 7)]
    store(app, counted_survey, rows)
    ring, sessions = KeyRing.load(app.config["KEYRING_FILE"]), app.extensions["surveys.sessions"]
    assert releases.keep_warm(sessions, ring) == len(rows)
    assert releases.keep_warm(sessions, ring) == 0
    with app.app_context():
        assert tallies.warm(sessions, ring, catalogue.get_survey(db.session(), "counted")) == 0
    periodic = {task.__name__ for task in app.extensions["surveys.jobs"].huey._registry._periodic_tasks}
    assert "warm_tallies" in periodic


def test_a_refresh_with_nothing_stale_opens_no_kept_tally(app, counted_survey, monkeypatch):
    rows = [(row_id, START + timedelta(hours=row_id), (True, False, False), {"non_pii": {"pick": "b"},
            "pii": {}, "spi": {}}) for row_id in range(1, 140_000, 499)]
    store(app, counted_survey, rows)
    ring, sessions = KeyRing.load(app.config["KEYRING_FILE"]), app.extensions["surveys.sessions"]
    with app.app_context():
        survey = catalogue.get_survey(db.session(), "counted")
        assert tallies.warm(sessions, ring, survey) == len(rows)
        opened = []
        monkeypatch.setattr(tallies, "open_tally", lambda *args: opened.append(args) or {})
        assert tallies.warm(sessions, ring, survey) == 0 and opened == []
