"""The kept response counts under concurrent writers: two gunicorn workers, many connections."""
import random
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, select

from models.response import Response
from models.response_counts import SLOTS
from surveys.auth import receipt_digest
from tests.load.test_races import _call
from tests.web.test_response_counts import fresh, kept

SUBMIT = "/api/v1/surveys/wellbeing-demo/responses"


def submit(live_server, choices: dict) -> tuple[int, dict]:
    return live_server.post(SUBMIT, {"answers": {"wellbeing": "good"},
                                     "consent": {"participate": True, "age_confirmed": True, **choices}})


def test_opposite_consent_changes_sharing_their_two_cells_wait_on_each_other_and_never_deadlock(live_server,
                                                                                               database_url):
    """Each of these responses (one day, one count slot) flips between two states, half of them the other way
    round at the same moment: each change takes both cells, and in one order, or two would wait on each other."""
    receipts = [submit(live_server, {})[1]["receipt"] for _ in range(8 * SLOTS)]
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            ids = dict(connection.execute(select(Response.receipt_digest, Response.id)).all())
        same_slot = [r for r in receipts if ids[receipt_digest(r)] % SLOTS == 0][:8]
        assert len(same_slot) == 8

        def flip(i: int) -> list[int]:
            states = [{"opt_out_third_party": False}, {"opt_out_third_party": True}]
            return [_call(live_server, "PATCH", "/api/v1/me", same_slot[i], {"consent": states[(i + n + 1) % 2]})
                    for n in range(12)]
        for i in range(0, 8, 2):  # half of them start in the other state
            assert _call(live_server, "PATCH", "/api/v1/me", same_slot[i], {"consent": {"opt_out_third_party": True}}) == 200
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = [status for done in pool.map(flip, range(8)) for status in done]
        assert set(statuses) == {200}
        assert kept(engine) == fresh(engine)
    finally:
        engine.dispose()


def test_submissions_consent_changes_and_withdrawals_racing_keep_the_counts_and_never_answer_500(live_server,
                                                                                                  database_url):
    receipts = [submit(live_server, {})[1]["receipt"] for _ in range(24)]
    rng = random.Random(16)
    calls = []
    for _ in range(240):
        kind = rng.choice(["submit", "change", "change", "change", "withdraw"])
        choices = {key: rng.random() < 0.5 for key in ("opt_out_third_party", "spi_disclosure")}
        calls.append((kind, rng.choice(receipts), choices))

    def run(call) -> tuple[str, int]:
        kind, receipt, choices = call
        if kind == "submit":
            return kind, submit(live_server, choices)[0]
        if kind == "change":
            return kind, _call(live_server, "PATCH", "/api/v1/me", receipt, {"consent": choices})
        return kind, _call(live_server, "DELETE", "/api/v1/me", receipt)

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(run, calls))
    assert all(status < 500 for _, status in statuses), sorted(set(statuses))
    assert {status for kind, status in statuses if kind == "submit"} == {201}
    engine = create_engine(database_url)
    try:
        assert kept(engine) == fresh(engine)
    finally:
        engine.dispose()
