"""Aggregates over N responses of the demo survey for a third party: cold (no kept tally: every block counted and
kept), warm, after one more response, and with a time bound; the results page, whole and for a quarter; and one
respondent's record with R aggregate releases of their survey in the ledger. With --reference, the row-by-row
computation the tallies replaced runs too, and the figures of both are compared.

    python -m bench.aggregates [--responses 1000000] [--dir /tmp/surveys-bench] [--releases 10000] [--reference]
"""
import argparse
import json
import os
import secrets
import statistics
import time
from datetime import timedelta

from bench.common import DEFAULT_DIR, bench_app, ensure_responses

ROUNDS = 3
EMAIL, PASSWORD = "bench-results@example.org", "bench results password"


class Steps:
    """Each thing timed, on the benchmark instance's demo survey, through the app as it serves them."""

    def __init__(self, app):
        from sqlalchemy import func, select

        from models.crypto import KeyRing
        from models.response import Response
        from surveys import catalogue, db, disclosures, recipients
        self.app = app
        # No application context stays pushed: each request of the test clients must have its own.
        with app.app_context():
            session = db.session()
            self.survey = catalogue.get_survey(session, "wellbeing-demo")
            partner = recipients.list_recipients(session)[1]
            self.d = disclosures.prepare(self.survey, partner, "care-quality", "bench")
            self.rows, self.first = session.execute(select(func.count(), func.min(Response.submitted_at)).where(
                Response.survey_id == self.survey.id)).one()
        self.ring = KeyRing.load(app.config["KEYRING_FILE"])
        self.sessions = app.extensions["surveys.sessions"]
        self.client = app.test_client()
        self.receipt = self.respondent = None
        runner = app.test_cli_runner()
        runner.invoke(args=["users", "create", EMAIL, "--role", "admin", "--spi-access", "--password-stdin"],
                      input=PASSWORD + "\n")
        page = self.client.get("/researcher/login").get_data(as_text=True)
        signed = self.client.post("/researcher/login", data={"csrf_token": _csrf(page), "email": EMAIL,
                                                            "password": PASSWORD})
        assert signed.status_code == 302, signed.get_data(as_text=True)[:300]

    def cold(self) -> bytes:
        from sqlalchemy import delete

        from models.tally import KeptTally
        with self.sessions.begin() as session:
            session.execute(delete(KeptTally).where(KeptTally.survey_id == self.survey.id))
        return self.aggregate()

    def aggregate(self, since=None) -> bytes:
        from surveys.exports import aggregate_release
        return aggregate_release(self.sessions, self.ring, self.d, self.app.config["AGGREGATE_K"], since=since)

    def submit(self) -> None:
        sent = self.client.post("/api/v1/surveys/wellbeing-demo/responses", json={
            "answers": {"wellbeing": "good", "sleep_hours": 7.5, "smoker": False, "full_name": "Bench Person"},
            "consent": {"participate": True, "age_confirmed": True}})
        assert sent.status_code == 201, sent.get_data(as_text=True)
        self.receipt = sent.get_json()["receipt"]

    def results_page(self, start=None, days=None):
        query = "" if start is None else f"?from={start.date()}&to={(start + timedelta(days=days)).date()}"
        page = self.client.get(f"/researcher/surveys/wellbeing-demo/results{query}")
        assert page.status_code == 200, page.status_code

    def add_releases(self, count: int) -> None:
        """`count` more releases of the survey, each like the last one made, all after the bench respondent."""
        from sqlalchemy import select

        from models import ledger
        from models.ledger import LedgerEntry
        with self.sessions.begin() as session:
            last = next(entry for entry in session.scalars(
                select(LedgerEntry).where(LedgerEntry.action == "aggregate").order_by(LedgerEntry.seq.desc()))
                if entry.cohort.get("since") is None and entry.cohort.get("until") is None)
            fields = {c.name: getattr(last, c.name) for c in LedgerEntry.__table__.columns
                      if c.name not in ("id", "seq", "at", "batch", "prev_digest", "digest")}
            for n in range(count):
                ledger.append(session, LedgerEntry(**fields, batch=secrets.token_hex(16)))

    def my_record(self) -> None:
        record = self.client.get("/api/v1/me", headers={"X-Receipt": self.receipt})
        assert record.status_code == 200 and record.get_json()["disclosures"], record.status_code

    def my_page(self) -> None:
        if self.respondent is None:
            self.respondent = self.app.test_client()
            page = self.respondent.get("/me").get_data(as_text=True)
            signed = self.respondent.post("/me", data={"csrf_token": _csrf(page), "code": self.receipt})
            assert signed.status_code == 302, signed.status_code
        page = self.respondent.get("/me/record")
        assert page.status_code == 200 and b"counted in summary figures" in page.data, page.status_code

    def row_by_row(self) -> dict:
        """The aggregate as it was computed before kept tallies: every row read and opened, in one pass."""
        from models.aggregates import Aggregate
        from surveys.disclosures import disclosed_rows
        totals = Aggregate(self.survey.stored_fields)
        with self.sessions() as read:
            for row in disclosed_rows(read, self.ring, self.d):
                totals.add(row.answers)
        return {**totals.result(self.survey.slug, self.app.config["AGGREGATE_K"]), "purpose": self.d.purpose}

    @staticmethod
    def same(reference: dict, counted: dict) -> bool:
        """Equal, but for a mean or a standard deviation a rounding apart."""
        for name, summary in reference["fields"].items():
            for figure in ("mean", "sd"):
                if figure in summary and abs((summary[figure] or 0) - (counted["fields"][name][figure] or 0)) <= 0.01:
                    counted["fields"][name][figure] = summary[figure]
        return reference == counted


def _csrf(html: str) -> str:
    import re
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


class Took(float):
    """A median wall time that also carries the median CPU time of this process: on a shared machine the
    second says what the work costs, the first what a user waited."""
    cpu: float

    def __format__(self, spec: str) -> str:
        return f"{float(self):{spec}} s (CPU {self.cpu:.2f} s)"


def timed(work, rounds: int = 1) -> tuple[Took, object]:
    """The median times of `rounds` runs, and what the last one returned."""
    wall, cpu, result = [], [], None
    for _ in range(rounds):
        started, used = time.perf_counter(), time.process_time()
        result = work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    took = Took(statistics.median(wall))
    took.cpu = statistics.median(cpu)
    return took, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--dir", default=str(DEFAULT_DIR))
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--reference", action="store_true")
    args = parser.parse_args()
    app = bench_app(args.dir)
    ensure_responses(app, args.responses)
    steps = Steps(app)
    print(f"responses: {steps.rows:,}")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    cold, payload = timed(steps.cold)
    print(f"aggregates, cold (every block counted and kept): {cold:6.2f}")
    warm, warm_payload = timed(steps.aggregate, ROUNDS)
    print(f"aggregates, warm (median of {ROUNDS}):                {warm:6.2f}   target < 3 s")
    assert json.loads(payload) == json.loads(warm_payload), "cold and warm figures differ"
    if args.reference:
        old, reference = timed(steps.row_by_row)
        print(f"row by row, as before (reference):               {old:6.2f}")
        print("the same figures as row by row:", steps.same(reference, json.loads(warm_payload)))
    steps.submit()
    after, _ = timed(steps.aggregate)
    print(f"aggregates, after one more response:             {after:6.2f}")
    bounded, _ = timed(lambda: steps.aggregate(since=steps.first + timedelta(days=100)), ROUNDS)
    print(f"aggregates, from day 100 on (median of {ROUNDS}):      {bounded:6.2f}")
    page, _ = timed(steps.results_page, ROUNDS)
    print(f"results page, all responses (median of {ROUNDS}):      {page:6.2f}")
    quarter, _ = timed(lambda: steps.results_page(steps.first + timedelta(days=100), 90), ROUNDS)
    print(f"results page, a quarter (median of {ROUNDS}):          {quarter:6.2f}")
    made = 0
    for releases in sorted({min(1000, args.releases), args.releases}):
        steps.add_releases(releases - made)
        made = releases
        record, _ = timed(steps.my_record, 5)
        print(f"GET /api/v1/me with {releases:,} releases after it (median of 5): {record:6.3f}   target < 0.1 s")
        page, _ = timed(steps.my_page, 5)
        print(f"GET /me/record with {releases:,} releases after it (median of 5): {page:6.3f}   target < 0.1 s")


if __name__ == "__main__":
    main()
