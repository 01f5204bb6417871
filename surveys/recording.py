"""What a disclosure writes to the ledger: the entry, and a line for every respondent it included; or, for an
aggregate release, the entry and its cohort."""
from __future__ import annotations

import hashlib
import logging
import secrets
from collections import Counter, defaultdict
from operator import itemgetter
from typing import Iterable

from sqlalchemy.engine import Connection
from sqlalchemy.orm import sessionmaker

from models import ledger
from models.ledger import LedgerEntry, RespondentsDigest
from models.ledger_lines import Line, insert_lines

from .batch_writer import BatchWriter
from .disclosures import DisclosedRow, Disclosure, _Plan
from .releases import Release, withheld_by_field

log = logging.getLogger(__name__)


class Recorder:
    """Collects what went out while a payload is produced, then appends its ledger entry.

    Respondents are written in batches as they go (so a million-row export stays in flat
    memory), under a random batch key, by a writer thread once there is more than one batch;
    the entry that closes the batch chains them in."""

    BATCH = 20_000

    def __init__(self, sessions: sessionmaker, d: Disclosure, action: str, fmt: str):
        self.sessions, self.d, self.action, self.format = sessions, d, action, fmt
        self.batch = secrets.token_hex(16)
        self.payload = hashlib.sha256()
        self.respondents = RespondentsDigest()
        # Counted per plan and per distinct list of fields sent, and expanded once at the end.
        self._plans: Counter[_Plan] = Counter()
        self._field_lists: set[str] = set()
        self._pending: list[Line] = []
        self._handed = 0
        self._writer: BatchWriter | None = None

    def data(self, chunk: bytes) -> bytes:
        self.payload.update(chunk)
        return chunk

    @property
    def sent(self) -> int:
        """Respondents that went out so far."""
        return self._handed + len(self._pending)

    def respondent(self, row: DisclosedRow) -> None:
        self._plans[row.plan] += 1
        self._pending.append((row.id, row.public_id, ",".join(row.answers)))
        if len(self._pending) >= self.BATCH:
            self._hand_over()

    def dropped(self, row: DisclosedRow) -> None:
        self._plans[row.plan] += 1

    def add(self, lines: list[Line], plans: Counter[_Plan]) -> None:
        """A batch of rows at once, as respondent() and dropped() would have been told of them one by one: the
        lines of those that went out, and how many rows each plan had, left out or not (the pool's parent)."""
        self._plans.update(plans)
        self._pending += lines
        if len(self._pending) >= self.BATCH:
            self._hand_over()

    def _hand_over(self) -> None:
        """The pending lines to the writer thread (started with the first batch)."""
        if self._writer is None:
            with self.sessions() as session:
                engine = session.get_bind()
            self._writer = BatchWriter(engine, self._write)
        self._field_lists.update(map(itemgetter(2), self._pending))
        self._handed += len(self._pending)
        self._writer.put(self._pending)
        self._pending = []

    def _write(self, connection: Connection, lines: list[Line]) -> None:
        """Digested here, in the order written, so that the digest is of exactly what was stored."""
        self.respondents.add(lines)
        insert_lines(connection, self.batch, lines)

    def _finish_lines(self) -> None:
        self._field_lists.update(map(itemgetter(2), self._pending))
        if self._writer is not None:
            if self._pending:
                self._writer.put(self._pending)
            self._writer.close()
        elif self._pending:
            with self.sessions.begin() as session:
                self._write(session.connection(), self._pending)
        self._handed += len(self._pending)
        self._pending = []

    def close(self, note: str = "") -> LedgerEntry:
        self._finish_lines()
        sent = {name for names in self._field_lists for name in names.split(",") if name}
        withheld: dict[str, Counter] = defaultdict(Counter)
        for plan, count in self._plans.items():
            for name, reason in plan.withheld.items():
                withheld[name][reason.value] += count
        order = [f.name for f in self.d.survey.stored_fields]
        entry = dict(
            actor=self.d.actor, action=self.action, recipient=self.d.recipient.name, purpose=self.d.purpose,
            purpose_relation=self.d.audience.purpose.value, survey=self.d.survey.slug, format=self.format,
            fields=[name for name in order if name in sent],
            withheld={name: dict(withheld[name]) for name in order if name in withheld},
            respondent_count=self.respondents.count, respondents_digest=self.respondents.hexdigest(),
            payload_digest=self.payload.hexdigest(), note=note, batch=self.batch)
        return record(self.sessions, LedgerEntry(**entry))


def record(sessions: sessionmaker, entry: LedgerEntry) -> LedgerEntry:
    """Append in a transaction of its own."""
    with sessions.begin() as session:
        entry = ledger.append(session, entry)
    log.info("ledger %s: %s of %s to %s for %s (%d respondents)", entry.seq, entry.action, entry.survey,
             entry.recipient, entry.purpose, entry.respondent_count)
    return entry


def record_rows(sessions: sessionmaker, d: Disclosure, action: str, fmt: str, rows: Iterable[DisclosedRow],
                payload: bytes) -> LedgerEntry:
    """A payload already built from these rows (an API page): its entry and a line per respondent."""
    recorder = Recorder(sessions, d, action, fmt)
    for row in rows:
        recorder.respondent(row)
    recorder.data(payload)
    return recorder.close()


def record_release(sessions: sessionmaker, d: Disclosure, fmt: str, made: Release, payload: bytes) -> LedgerEntry:
    """An aggregate release: one entry with its cohort (who was counted, in which consent states, for which
    classes, over which time bound), and no line per respondent, whose answers went out only as counts. The
    entry lists no respondent (its respondent count is of lines, and there are none); the cohort says how many
    were counted."""
    order = [f.name for f in d.survey.stored_fields]
    return record(sessions, LedgerEntry(
        actor=d.actor, action="aggregate", recipient=d.recipient.name, purpose=d.purpose,
        purpose_relation=d.audience.purpose.value, survey=d.survey.slug, format=fmt, fields=made.sent(),
        withheld=withheld_by_field(made, order), respondent_count=0,
        respondents_digest=RespondentsDigest().hexdigest(), payload_digest=hashlib.sha256(payload).hexdigest(),
        note="", batch=secrets.token_hex(16), cohort=made.cohort()))
