"""The counts the dashboard, the survey pages and the export preview read, and the blocks' stamps the kept tallies
are checked against, stay equal to a fresh count of the responses after every kind of write: through the API, the respondent's pages, the staff command line, the
retention purge, the benchmark's bulk paths, a migration, and any sequence of them."""
import json
from collections import Counter
from datetime import timedelta, timezone

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import delete, func, literal_column, select, text, update
from sqlalchemy.exc import DBAPIError

from models.block_stamps import BLOCK_BITS, BlockStamp
from models.crypto import KeyRing
from models.response import Response
from models.response_counts import ResponseCount
from models.vocabulary import CONSENT_CHOICES
from surveys import catalogue, db, previews
from tests.conftest import DEMO, answer, csrf_token, shown_code, sign_in, start

STATES = st.fixed_dictionaries({key: st.booleans() for key in CONSENT_CHOICES})
CHANGES = st.fixed_dictionaries({}, optional={key: st.booleans() for key in CONSENT_CHOICES})


def fresh(engine) -> Counter:
    """(survey, UTC day, the three flags) → responses, counted from the rows themselves."""
    with engine.connect() as connection:
        rows = connection.execute(select(Response.survey_id, Response.submitted_at,
                                         *(Response.__table__.c[key] for key in CONSENT_CHOICES))).all()
    return Counter((survey, at.astimezone(timezone.utc).date(), *map(bool, flags)) for survey, at, *flags in rows)


def kept(engine) -> Counter:
    cells = (ResponseCount.survey_id, ResponseCount.day,
             *(ResponseCount.__table__.c[key] for key in CONSENT_CHOICES))
    with engine.connect() as connection:
        rows = connection.execute(select(*cells, func.sum(ResponseCount.responses)).group_by(*cells)).all()
    return Counter({(survey, day, *map(bool, flags)): n for survey, day, *flags, n in rows if n})


def fresh_stamps(engine) -> dict:
    """(survey, block) → (responses, sum of revisions), from the rows themselves."""
    with engine.connect() as connection:
        block = Response.id.op(">>")(literal_column(str(BLOCK_BITS)))
        rows = connection.execute(select(Response.survey_id, block, func.count(), func.sum(Response.revision))
                                  .group_by(Response.survey_id, block))
        return {(survey, block): (count, int(revisions)) for survey, block, count, revisions in rows}


def kept_stamps(engine) -> dict:
    c = BlockStamp.__table__.c
    with engine.connect() as connection:
        rows = connection.execute(select(c.survey_id, c.block, func.sum(c.responses), func.sum(c.revisions))
                                  .group_by(c.survey_id, c.block))
        return {(survey, block): (int(count), int(revisions)) for survey, block, count, revisions in rows if count}


def assert_counts_agree(app) -> None:
    counted = fresh(app.extensions["surveys.engine"])
    assert kept(app.extensions["surveys.engine"]) == counted
    assert kept_stamps(app.extensions["surveys.engine"]) == fresh_stamps(app.extensions["surveys.engine"])
    with app.app_context():  # and what the readers make of them
        session = db.session()
        surveys = catalogue.list_surveys(session)
        by_survey = Counter()
        for (survey, *_), n in counted.items():
            by_survey[survey] += n
        assert catalogue.response_counts(session, [s.id for s in surveys]) == {k: v for k, v in by_survey.items()}
        for overview in catalogue.survey_overviews(session, surveys):
            mine = {key: n for key, n in counted.items() if key[0] == overview.survey.id}
            assert overview.responses == sum(mine.values())
            assert overview.opted_out_third_party == sum(n for key, n in mine.items() if key[2])
            assert overview.spi_consent == sum(n for key, n in mine.items() if key[4])
            days = dict(overview.per_day)
            for (_, day, *_), n in mine.items():
                if str(day) in days:
                    days[str(day)] -= n
            assert set(days.values()) == {0}
            groups = Counter()
            for (_, _, *flags), n in mine.items():
                groups[tuple(flags)] += n
            assert dict(previews.consent_groups(session, overview.survey)) == dict(groups)


def consent(**choices) -> dict:
    return {"participate": True, "age_confirmed": True, **choices}


def api_submit(client, choices: dict) -> dict:
    """The response's public id and receipt."""
    sent = client.post(f"/api/v1/surveys/{DEMO}/responses",
                       json={"answers": {"wellbeing": "good"}, "consent": consent(**choices)})
    assert sent.status_code == 201, sent.get_json()
    return sent.get_json()


def test_every_write_path_keeps_the_counts_equal_to_a_fresh_count(app, client, runner, make_app):
    assert_counts_agree(app)
    submitted = [api_submit(client, {"opt_out_third_party": bool(i % 2), "spi_disclosure": i % 3 == 0})
                 for i in range(6)]
    receipts = [s["receipt"] for s in submitted]
    assert_counts_agree(app)
    # the web form
    start(client, participate=True, age_confirmed=True, opt_out_other_purposes=True)
    web = shown_code(client.get(answer(client, q_wellbeing="fair").headers["Location"]).get_data(as_text=True))
    assert_counts_agree(app)
    # consent changes: the API, then the respondent's page
    headers = {"X-Receipt": receipts[0]}
    assert client.patch("/api/v1/me", headers=headers, json={"consent": {"opt_out_third_party": True,
                                                                          "spi_disclosure": False}}).status_code == 200
    assert_counts_agree(app)
    page_client = app.test_client()
    sign_in(page_client, web)
    page = page_client.get("/me/record")
    page_client.post("/me/consent", data={"csrf_token": csrf_token(page.data), "spi_disclosure": "y"})
    assert page_client.get("/api/v1/me", headers={"X-Receipt": web}).get_json()["consent"]["spi_disclosure"]
    assert_counts_agree(app)
    # a correction moves no count; one that shows a minor erases the response
    assert client.patch("/api/v1/me", headers=headers, json={"answers": {"wellbeing": "poor"}}).status_code == 200
    assert_counts_agree(app)
    minor = {"X-Receipt": receipts[1]}
    assert client.patch("/api/v1/me", headers=minor, json={"answers": {"birth_date": "2015-01-01"}}).status_code == 403
    assert_counts_agree(app)
    # withdrawals: the API and the page
    assert client.delete("/api/v1/me", headers={"X-Receipt": receipts[2]}).status_code == 204
    page = page_client.get("/me/record")
    assert page_client.post("/me/withdraw", data={"csrf_token": csrf_token(page.data), "confirm": "y"}).status_code == 200
    assert_counts_agree(app)
    # staff erasure from the command line
    erased = runner.invoke(args=["responses", "erase", submitted[3]["id"], "--reason", "staff", "--actor", "a@example.org"])
    assert erased.exit_code == 0, erased.output
    assert_counts_agree(app)
    # a response moved back in time (its day changes), then past its retention, then purged
    with app.app_context():
        session = db.session()
        old = session.scalar(select(Response).where(Response.public_id == submitted[4]["id"]))
        old.submitted_at -= timedelta(days=4000)
        session.commit()
    assert_counts_agree(app)
    purged = runner.invoke(args=["retention", "purge"])
    assert purged.exit_code == 0 and "erased 1 response" in purged.output
    assert_counts_agree(app)
    # the benchmark's plain-insert baseline
    bench = make_app(BENCHMARK_ENDPOINTS=True, RATELIMIT_ENABLED=False).test_client()
    with app.app_context():
        survey_id = catalogue.get_survey(db.session(), DEMO).id
    assert bench.post(f"/api/benchmark/surveys/{survey_id}/plain-insert",
                      json={"answers": {"wellbeing": "good"}}).status_code == 201
    assert_counts_agree(app)


def test_the_seeded_generator_keeps_the_counts_and_gives_the_same_answers_for_the_same_seed(app, monkeypatch):
    from bench import data
    monkeypatch.setattr(data, "BLOCK", 7)  # several blocks, shared out among the processes
    with app.app_context():
        survey = catalogue.get_survey(db.session(), DEMO)
    ring, engine = KeyRing.load(app.config["KEYRING_FILE"]), app.extensions["surveys.engine"]
    data.generate(engine, ring, survey, 30, seed=7, processes=2)
    data.generate(engine, ring, survey, 30, seed=7, processes=1)
    data.generate(engine, ring, survey, 30, seed=8, processes=2)
    assert_counts_agree(app)
    with engine.connect() as connection:
        rows = [json.dumps(list(row), sort_keys=True) for row in connection.execute(
            select(Response.non_pii, *(Response.__table__.c[k] for k in CONSENT_CHOICES)).order_by(Response.id))]
    assert len(rows) == 90 and rows[:30] == rows[30:60] != rows[60:]
    assert len(set(rows[:30])) > 20  # and not one answer repeated


def test_the_migration_counts_the_responses_already_stored(app, client):
    from alembic import command

    from models.schema import migrate, run
    for i in range(5):
        api_submit(client, {"opt_out_third_party": i % 2 == 0})
    engine = app.extensions["surveys.engine"]
    run(engine, command.downgrade, "0011")
    with engine.begin() as connection:  # stored while nothing counted them
        connection.execute(update(Response).where(Response.id == 1).values(spi_disclosure=True))
        connection.execute(delete(Response).where(Response.id == 2))
    migrate(engine)
    assert sum(kept(engine).values()) == 4 and sum(n for n, _ in kept_stamps(engine).values()) == 4
    assert_counts_agree(app)
    api_submit(client, {})  # and the triggers are back
    assert_counts_agree(app)


def test_a_count_out_of_step_with_the_responses_stops_the_write_instead_of_drifting(app, client):
    receipt = api_submit(client, {})["receipt"]
    engine = app.extensions["surveys.engine"]
    with engine.begin() as connection:
        connection.execute(delete(ResponseCount))
    with pytest.raises(DBAPIError, match="out of step"), engine.begin() as connection:
        connection.execute(delete(Response))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM responses")).scalar_one() == 1
    assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).status_code == 200


def test_any_sequence_of_submissions_consent_changes_corrections_and_withdrawals_keeps_them(app, client):
    class Respondents(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.receipts: list[str] = []

        @rule(choices=STATES)
        def submit(self, choices):
            self.receipts.append(api_submit(client, choices)["receipt"])

        @precondition(lambda self: self.receipts)
        @rule(data=st.data(), changes=CHANGES)
        def change_consent(self, data, changes):
            receipt = data.draw(st.sampled_from(self.receipts))
            assert client.patch("/api/v1/me", headers={"X-Receipt": receipt},
                                json={"consent": changes}).status_code == 200

        @precondition(lambda self: self.receipts)
        @rule(data=st.data(), minor=st.booleans())
        def correct(self, data, minor):
            receipt = data.draw(st.sampled_from(self.receipts))
            body = {"birth_date": "2015-01-01"} if minor else {"wellbeing": "fair"}
            status = client.patch("/api/v1/me", headers={"X-Receipt": receipt}, json={"answers": body}).status_code
            assert status == (403 if minor else 200)
            if minor:
                self.receipts.remove(receipt)

        @precondition(lambda self: self.receipts)
        @rule(data=st.data())
        def withdraw(self, data):
            receipt = data.draw(st.sampled_from(self.receipts))
            assert client.delete("/api/v1/me", headers={"X-Receipt": receipt}).status_code == 204
            self.receipts.remove(receipt)

        @invariant()
        def counts_agree(self):
            # The app outlives each example: a count broken in one shows in every later one.
            assert kept(app.extensions["surveys.engine"]) == fresh(app.extensions["surveys.engine"])
            assert kept_stamps(app.extensions["surveys.engine"]) == fresh_stamps(app.extensions["surveys.engine"])

    run_state_machine_as_test(Respondents, settings=settings(max_examples=12, stateful_step_count=12,
                                                             deadline=None))
    assert_counts_agree(app)
