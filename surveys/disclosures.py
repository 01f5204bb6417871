"""Use cases of disclosure: what leaves the system, to whom, for what, and its record.

`disclosed_rows` is the only code that reads answers for disclosure (its read and open steps, read_rows and
Opener, serve a pool of processes too); exports, API pages and aggregates are built from what it yields, and
each is written to the ledger.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable, Iterator

from sqlalchemy import Integer, Text, cast, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from models.base import utc_text
from models.crypto import KeyRing, open_answers
from models.json_objects import json_object
from models.disclosure import Audience, ConsentState, Decision, Withheld, decide_classes
from models.recipient import Recipient
from models.response import Response
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, Classification, SurveyStatus

from .errors import SurveyInReview
from .recipients import require_purpose

DROP_WITHHELD = "drop"    # leave out respondents with anything withheld
BLANK_WITHHELD = "blank"  # leave withheld cells empty


@dataclass(frozen=True)
class Disclosure:
    """One request to disclose: from a survey, to a recipient, for a purpose, asked by an actor."""
    survey: Survey
    recipient: Recipient
    purpose: str
    actor: str
    audience: Audience


def prepare(survey: Survey, recipient: Recipient, purpose: str, actor: str, spi_clearance: bool = False) -> Disclosure:
    """Check that this recipient may receive this survey for this purpose; Forbidden if not. Nothing of a draft
    goes anywhere: the classes the rule would apply are not yet confirmed."""
    if survey.status == SurveyStatus.DRAFT:
        raise SurveyInReview(f"The survey {survey.slug!r} is a draft awaiting its classification review; "
                             "nothing of it is disclosed until a reviewer confirms it.")
    require_purpose(recipient, survey, purpose)
    # Loaded now, so a streamed export can use them after the request's session has closed.
    survey.fields, recipient.purposes  # noqa: B018
    return Disclosure(survey, recipient, purpose, actor, Audience.of(recipient.kind, survey.purpose, purpose, spi_clearance))


#: The consent columns, in CONSENT_CHOICES' order: a row's flags are read as one tuple in that order.
_CHOICE_COLUMNS = tuple(Response.__table__.c[key] for key in CONSENT_CHOICES)


@lru_cache(maxsize=256)
def _decisions(audience: Audience, flags: tuple[bool, ...]) -> dict[Classification, Decision]:
    return decide_classes(audience, ConsentState(**dict(zip(CONSENT_CHOICES, flags))))


@dataclass(frozen=True, eq=False)
class _Plan:
    """For one consent state: which encrypted columns to open, which fields go out, which stay in.
    Compared by identity: each export makes one per consent state and counts rows by it."""
    open_pii: bool
    open_spi: bool
    disclosed: tuple[str, ...]
    withheld: dict[str, Withheld]
    #: Drop mode and something withheld: the respondent is left out whole, and nothing of theirs is opened.
    drops: bool = False
    #: The withheld fields' names, as every line lists them.
    withheld_names: tuple[str, ...] = ()
    #: Memo of order(): rows hold few combinations of answers (bounded all the same, for odd data).
    orders: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    def order(self, held: tuple[str, ...]) -> tuple[str, ...]:
        """Of the answers a row holds (their names, as stored), those disclosed, in the survey's order."""
        names = tuple(name for name in self.disclosed if name in held)
        if len(self.orders) < 1024:
            self.orders[held] = names
        return names


def _plan(fields: tuple[tuple[str, Classification], ...], decisions: dict[Classification, Decision],
          mode: str = BLANK_WITHHELD) -> _Plan:
    withheld = {name: decisions[cls].reason for name, cls in fields if not decisions[cls].disclose}
    return _Plan(
        open_pii=decisions[Classification.PII].disclose, open_spi=decisions[Classification.SPI].disclose,
        disclosed=tuple(name for name, cls in fields if decisions[cls].disclose), withheld=withheld,
        drops=bool(withheld) and mode == DROP_WITHHELD, withheld_names=tuple(withheld))


@dataclass(slots=True)
class DisclosedRow:
    id: int
    public_id: str
    #: When it was submitted, as every payload writes a time (models.base.iso_utc): seconds, UTC, with a Z.
    submitted: str
    #: The language it was answered in (non-PII: it goes out with every row).
    language: str
    answers: dict[str, Any]
    plan: _Plan
    #: Left out whole (drop mode, something withheld): nothing of it was decrypted.
    dropped: bool = False

    @property
    def withheld(self) -> dict[str, Withheld]:
        return self.plan.withheld

    @property
    def submitted_at(self) -> datetime:
        return datetime.fromisoformat(self.submitted)  # seconds: what every payload shows of it


_RESPONSES = Response.__table__.c
#: A row as the read step gives it: (id, public id, submitted (as DisclosedRow.submitted), language, non-PII
#: answers (JSON text), PII blob, SPI blob, wrapped data key, *consent flags from FLAGS, in CONSENT_CHOICES' order).
RawRow, FLAGS = tuple, 8


@dataclass(frozen=True)
class Opening:
    """What the open step needs of a disclosure, as plain values (it can travel to another process)."""
    survey_id: int
    fields: tuple[tuple[str, Classification], ...]
    audience: Audience
    mode: str

    @classmethod
    def of(cls, d: Disclosure, mode: str) -> Opening:
        return cls(d.survey.id, tuple((f.name, f.classification) for f in d.survey.stored_fields), d.audience, mode)


def read_rows(session: Session, d: Disclosure, *, after_id: int = 0, limit: int | None = None,
              since: datetime | None = None, until: datetime | None = None,
              batch: int = 100) -> Iterator[list[RawRow]]:
    """The read step: each response of the survey in submission order, as stored (nothing opened or decoded), in
    small batches (freed before the collector would sweep them; the driver fetches more at a time). One SELECT
    streams all rows: a response erased while it runs is either wholly in or out. Columns are read raw: the
    JSON and time types' own result processing cost a third of an export."""
    c = _RESPONSES
    query = (select(c.id, c.public_id, utc_text(c.submitted_at, session.get_bind().dialect.name), c.language,
                    cast(c.non_pii, Text), c.pii, c.spi, c.data_key, *_RAW_CHOICES)
             .where(c.survey_id == d.survey.id, c.id > after_id).order_by(c.id))
    if since is not None:
        query = query.where(c.submitted_at >= since)
    if until is not None:
        query = query.where(c.submitted_at < until)
    if limit is not None:
        query = query.limit(limit)
    with session.execute(query.execution_options(yield_per=max(batch, 2000))) as result:  # closed if left early
        yield from result.partitions(batch)


#: The consent columns unconverted: a row's flags are a key to its plan, nothing more.
_RAW_CHOICES = tuple(type_coerce(column, Integer) for column in _CHOICE_COLUMNS)


class Opener:
    """The open step: each raw row's plan, from its consent flags, applied to it. Blobs of a withheld class are
    never decrypted, nor any blob of a respondent that drop mode leaves out."""

    def __init__(self, ring: KeyRing | None, opening: Opening):
        self.ring, self.opening = ring, opening
        self.plans: dict[tuple, _Plan] = {}

    def plan_of(self, flags: tuple) -> _Plan:
        if (plan := self.plans.get(flags)) is None:
            decisions = _decisions(self.opening.audience, tuple(bool(flag) for flag in flags))
            plan = self.plans[flags] = _plan(self.opening.fields, decisions, self.opening.mode)
        return plan

    def open_rows(self, rows: Iterable[RawRow]) -> Iterator[DisclosedRow]:
        """One row at a time, as it is consumed: a row that has gone out is freed before the next is opened
        (a batch of opened rows held at once would be swept by the garbage collector, again and again)."""
        ring, survey_id, plans = self.ring, self.opening.survey_id, self.plans
        for row in rows:
            row_id, public_id, submitted, language, non_pii, pii, spi, wrapped = row[:FLAGS]
            plan = plans.get(flags := row[FLAGS:]) or self.plan_of(flags)
            if plan.drops:
                yield DisclosedRow(row_id, public_id, submitted, language, {}, plan, True)
                continue
            values = json_object(non_pii) if non_pii is not None and non_pii != "null" else {}  # null: none
            pii, spi = (pii if plan.open_pii else None), (spi if plan.open_spi else None)
            if pii is not None or spi is not None:
                for opened in open_answers(ring, survey_id, public_id, wrapped, pii, spi):  # PII's, then SPI's
                    values.update(opened)
            names = plan.orders.get(tuple(values)) or plan.order(tuple(values))
            yield DisclosedRow(row_id, public_id, submitted, language, {name: values[name] for name in names}, plan)


def disclosed_rows(session: Session, ring: KeyRing, d: Disclosure, *, after_id: int = 0,
                   limit: int | None = None, since: datetime | None = None, until: datetime | None = None,
                   mode: str = BLANK_WITHHELD, batch: int = 100) -> Iterator[DisclosedRow]:
    """Each response of the survey, in submission order, with only what the rule admits: read_rows, then
    Opener.open_rows. `since` and `until` bound the submission time (from `since`, before `until`). Erased
    responses are gone from the table, so they appear in nothing."""
    opener = Opener(ring, Opening.of(d, mode))
    for rows in read_rows(session, d, after_id=after_id, limit=limit, since=since, until=until, batch=batch):
        yield from opener.open_rows(rows)


def page_of_rows(sessions: sessionmaker, ring: KeyRing, d: Disclosure, *, after: int, limit: int,
                 since: datetime | None) -> tuple[list[DisclosedRow], bool]:
    """One page of disclosed rows after a cursor, in submission order, and whether more follow."""
    with sessions() as read:
        rows = list(disclosed_rows(read, ring, d, after_id=after, limit=limit + 1, since=since))
    return rows[:limit], len(rows) > limit
