"""Benchmark: the ledger at ten million (respondent, disclosure) pairs.

Disclosures are recorded through the service's own Recorder, for respondents that need not exist
(the ledger keeps no foreign key): ten exports of a million respondents, then a thousand API pages
of a thousand. Then: bytes on disk per pair, index included; `audit verify --full`; one more
disclosure and the verification from the checkpoint; and a respondent's disclosures.

    python -m bench.ledger [--respondents 1000000] [--exports 10] [--dir /tmp/surveys-bench-ledger]
"""
import argparse
import random
import secrets
import shutil
import statistics
import time
from types import SimpleNamespace

from bench.common import bench_app
from models import ledger, ledger_audit
from models.crypto import KeyRing
from models.disclosure import Withheld
from surveys import db
from surveys.disclosures import DisclosedRow, _Plan
from surveys.recording import Recorder

PLAN = _Plan(open_pii=True, open_spi=False, disclosed=("wellbeing", "visits", "full_name"),
             withheld={"smoker": Withheld.NO_SPI_CONSENT})
ANSWERS = {"wellbeing": "good", "visits": 3, "full_name": "x"}


def disclosure(action: str) -> SimpleNamespace:
    return SimpleNamespace(actor="bench", recipient=SimpleNamespace(name="Bench Partner"), purpose="care-quality",
                           audience=SimpleNamespace(purpose=SimpleNamespace(value="original")),
                           survey=SimpleNamespace(slug="wellbeing-demo", stored_fields=[
                               SimpleNamespace(name=n) for n in ("wellbeing", "visits", "full_name", "smoker")]))


def record(sessions, action: str, people: list[str], first: int, count: int) -> None:
    recorder = Recorder(sessions, disclosure(action), action, "csv")
    for rid in range(first, first + count):
        recorder.respondent(DisclosedRow(rid, people[rid], None, "en", ANSWERS, PLAN))
    recorder.close()


def disk_bytes(engine) -> int:
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        free = connection.exec_driver_sql("PRAGMA freelist_count").scalar()
        return (pages - free) * connection.exec_driver_sql("PRAGMA page_size").scalar()


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--exports", type=int, default=10)
    parser.add_argument("--dir", default="/tmp/surveys-bench-ledger")
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    app = bench_app(args.dir)
    sessions, engine = app.extensions["surveys.sessions"], app.extensions["surveys.engine"]
    ring = KeyRing.load(app.config["KEYRING_FILE"])
    n = args.respondents
    people = [""] + [secrets.token_hex(16) for _ in range(n)]
    before = disk_bytes(engine)
    seconds = [timed(lambda: record(sessions, "export", people, 1, n)) for _ in range(args.exports)]
    pages = n // 1000
    paging = timed(lambda: [record(sessions, "api_page", people, 1 + p * 1000, 1000) for p in range(pages)])
    pairs = args.exports * n + pages * 1000
    size = disk_bytes(engine) - before
    print(f"recorded {pairs:,} pairs: an export of {n:,} in {statistics.median(seconds):.1f} s (median of "
          f"{args.exports}); {pages:,} API pages of 1,000 in {paging:.1f} s")
    print(f"on disk: {size / 2**20:.0f} MB = {size / pairs:.1f} bytes per (respondent, disclosure) pair, "
          f"index included (target ≤ 24)")
    with app.app_context():
        session = db.session()
        full = timed(lambda: ledger_audit.verify(session, ring, full=True))
        session.commit()
        record(sessions, "export", people, 1, 1000)
        result = []
        incremental = timed(lambda: result.append(ledger_audit.verify(session, ring)))
        session.commit()
        assert not result[0].breaks and result[0].checked == 2  # the checkpoint's entry, and the new one
        print(f"audit verify --full: {full:.1f} s for {result[0].entries - 1:,} entries; "
              f"from the checkpoint after one more disclosure: {incremental * 1000:.0f} ms")
        rng, lookups = random.Random(7), []
        for rid in rng.sample(range(1, n + 1), 200):
            started = time.perf_counter()
            found = ledger.disclosures_of(session, rid, people[rid])
            lookups.append(time.perf_counter() - started)
            assert len(found) == args.exports + 1 + (rid <= 1000)
        print(f"a respondent's disclosures ({args.exports + 2} or so each): median "
              f"{statistics.median(lookups) * 1000:.1f} ms, slowest of 200 {max(lookups) * 1000:.1f} ms (target < 50)")


if __name__ == "__main__":
    main()
