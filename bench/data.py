"""A seeded generator of responses, fast enough for ten million: encrypted exactly as the
service stores them, in worker processes (one per core), and inserted in batches by the
calling process while the workers seal the next ones.

Seeded per block of BLOCK responses, so the same seed gives the same answers and consent
states whatever the number of processes or the batch size. Identifiers (public ids, receipt
digests) and the wrapped keys stay random: they must never repeat between runs."""
import json
import multiprocessing
import os
import random
import secrets
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta, timezone

from sqlalchemy.engine import Connection, Engine

from models.base import utcnow
from models.crypto import KeyRing, seal_answers
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES
from surveys.auth import receipt_digest

WELLBEING = ["very good", "good", "fair", "poor", "very poor"]
ACTIVITIES = ["walking", "cycling", "swimming", "gardening", "none of these"]
FIRST = ["Ann", "Bo", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun"]
LAST = ["Lee", "Diaz", "Okafor", "Novak", "Singh", "Berg", "Rossi", "Kim", "Silva", "Haddad"]
#: Responses per seeded block: the unit of work of one process, and of reproducibility.
BLOCK = 5000
NOTICE = "2026-11-01"

RESPONSE_COLUMNS = ("id", "public_id", "survey_id", "submitted_at", "updated_at", "receipt_digest", "non_pii", "pii",
                    "spi", "data_key", *CONSENT_CHOICES, "notice_version")
EVENT_COLUMNS = ("response_id", "at", "source", "changes", "notice_version", "actor", "note", "gpc")


def answers(rng: random.Random) -> tuple[dict, dict, dict]:
    """(non-PII, PII, SPI) answers for the demo survey."""
    non_pii = {"wellbeing": rng.choice(WELLBEING), "sleep_hours": round(rng.uniform(4, 10), 1),
               "visits": rng.randint(0, 12), "activities": sorted(rng.sample(ACTIVITIES, rng.randint(1, 2)))}
    pii = {"full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
           "birth_date": f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
    if rng.random() < 0.5:
        pii["email"] = f"person{rng.randint(1, 10**9)}@example.org"
    spi = {"smoker": rng.random() < 0.2}
    if rng.random() < 0.3:
        spi["conditions"] = rng.choice(["asthma", "diabetes", "hypertension", "migraine"])
    return non_pii, pii, spi


def consent(rng: random.Random) -> dict[str, bool]:
    """The three choices, in CONSENT_CHOICES' order."""
    return {"opt_out_third_party": rng.random() < 0.25, "opt_out_other_purposes": rng.random() < 0.2,
            "spi_disclosure": rng.random() < 0.4}


def generate(engine: Engine, ring: KeyRing, survey: Survey, count: int, seed: int = 2026,
             batch: int = 50_000, progress=None, processes: int | None = None) -> None:
    """`count` responses to `survey`, submitted 30 s apart from a year ago, about `batch` per transaction
    (whole blocks of BLOCK: what a block holds depends on the seed alone)."""
    start = utcnow() - timedelta(days=365)
    blocks = [(survey.id, seed, number, min(BLOCK, count - first), start + timedelta(seconds=30 * first))
              for number, first in enumerate(range(0, count, BLOCK))]
    processes = processes or os.cpu_count() or 1
    per_transaction = max(1, batch // BLOCK)
    # fork: the ring reaches the workers without being written anywhere.
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                             initializer=_start_worker, initargs=(engine, ring, engine.dialect.name)) as pool, \
            engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Two indexes on random keys (public id, receipt digest): past a few million rows their pages no
            # longer fit SQLite's default 2 MB cache, and every insert would read its pages back from the OS.
            connection.exec_driver_sql("PRAGMA cache_size = -1048576")
            connection.commit()
        pending, ready, done = deque(), [], 0
        for block in blocks:  # a few blocks ahead of the inserts, never all in memory
            pending.append(pool.submit(_sealed_block, block))
            if len(pending) > 2 * processes:
                ready += pending.popleft().result()
                if len(ready) >= per_transaction * BLOCK:
                    done, ready = _store(connection, ready, done, progress), []
        while pending:
            ready += pending.popleft().result()
        if ready:
            _store(connection, ready, done, progress)


def _store(connection: Connection, rows: list[tuple], done: int, progress) -> int:
    with connection.begin():
        _insert(connection, rows)
    if progress:
        progress(done + len(rows))
    return done + len(rows)


_worker: dict = {}


def _start_worker(engine: Engine, ring: KeyRing, dialect: str) -> None:
    engine.dispose(close=False)  # the parent's pooled connections are the parent's alone
    _worker.update(ring=ring, dialect=dialect)


def _sealed_block(block: tuple) -> list[tuple]:
    """One block's responses, sealed: each row in RESPONSE_COLUMNS' order without its id, then its consent
    event's changes; every value as the database driver takes it."""
    survey_id, seed, number, size, first_at = block
    ring, sqlite = _worker["ring"], _worker["dialect"] == "sqlite"
    rng = random.Random(f"{seed}/{number}")
    rows = []
    for i in range(size):
        public_id = secrets.token_hex(16)  # 128 bits; hex, so it never reads as a command-line option
        non_pii, pii, spi = answers(rng)
        choices = consent(rng)
        sealed = seal_answers(ring, survey_id, public_id, pii, spi)
        when = first_at + timedelta(seconds=30 * i)
        if sqlite:  # stored as SQLAlchemy stores an aware time there: UTC, as text
            when = when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        rows.append((public_id, survey_id, when, when, receipt_digest(secrets.token_hex(20)), json.dumps(non_pii),
                     sealed.pii, sealed.spi, sealed.data_key, *choices.values(), NOTICE, json.dumps(choices)))
    return rows


def _insert(connection: Connection, rows: list[tuple]) -> None:
    """Driver-level inserts with ids taken first, so each consent event knows its response without a lookup."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # nobody else takes the next ids meanwhile
        first = connection.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM responses").scalar_one()
        ids = range(first, first + len(rows))
    else:
        ids = connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('responses', 'id')) FROM generate_series(1, %(n)s)",
            {"n": len(rows)}).scalars().all()
    responses = [(response_id, *row[:-1]) for response_id, row in zip(ids, rows)]
    events = [(response_id, row[2], "api", row[-1], NOTICE, "respondent", "", False)
              for response_id, row in zip(ids, rows)]
    if connection.dialect.name == "sqlite":
        for table, columns, values in (("responses", RESPONSE_COLUMNS, responses),
                                       ("consent_events", EVENT_COLUMNS, events)):
            placeholders = ", ".join("?" for _ in columns)
            connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", values)
        return
    # PostgreSQL: COPY, one statement per table instead of one per row (the counts follow per statement).
    cursor = connection.connection.driver_connection.cursor()
    for table, columns, values in (("responses", RESPONSE_COLUMNS, responses),
                                   ("consent_events", EVENT_COLUMNS, events)):
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
