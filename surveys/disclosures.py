"""Use cases of disclosure: what leaves the system, to whom, for what, and its record.

`disclosed_rows` is the only code that reads answers for disclosure; exports, API
pages and aggregates are built from what it yields, and each is written to the ledger.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.crypto import KeyRing, open_answers
from models.disclosure import Audience, ConsentState, Decision, Withheld, decide_classes
from models.recipient import Recipient
from models.response import Erasure, Response
from models.response_counts import ResponseCount
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, Classification, ErasureReason, SurveyStatus

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


def _plan(fields: tuple[tuple[str, Classification], ...], decisions: dict[Classification, Decision]) -> _Plan:
    return _Plan(
        open_pii=decisions[Classification.PII].disclose, open_spi=decisions[Classification.SPI].disclose,
        disclosed=tuple(name for name, cls in fields if decisions[cls].disclose),
        withheld={name: decisions[cls].reason for name, cls in fields if not decisions[cls].disclose})


@dataclass(slots=True)
class DisclosedRow:
    id: int
    public_id: str
    submitted_at: datetime
    #: The language it was answered in (non-PII: it goes out with every row).
    language: str
    answers: dict[str, Any]
    plan: _Plan
    #: Left out whole (drop mode, something withheld): nothing of it was decrypted.
    dropped: bool = False

    @property
    def withheld(self) -> dict[str, Withheld]:
        return self.plan.withheld


_RESPONSES = Response.__table__.c


def disclosed_rows(session: Session, ring: KeyRing, d: Disclosure, *, after_id: int = 0,
                   limit: int | None = None, since: datetime | None = None, until: datetime | None = None,
                   mode: str = BLANK_WITHHELD, batch: int = 2000) -> Iterator[DisclosedRow]:
    """Each response of the survey, in submission order, with only what the rule admits.

    `since` and `until` bound the submission time (from `since`, before `until`). Blobs of a
    withheld class are never decrypted, nor any blob of a respondent that drop mode leaves
    out. Erased responses are gone from the table, so they appear in nothing.
    One SELECT streams all rows: a response erased while it runs is either wholly in or out.
    """
    fields = tuple((f.name, f.classification) for f in d.survey.stored_fields)
    plans: dict[tuple[bool, bool, bool], _Plan] = {}
    c = _RESPONSES
    # Table columns, not ORM entities: the rows stay plain tuples, which halves the cost of reading them.
    query = (select(c.id, c.public_id, c.submitted_at, c.language, c.non_pii, c.pii, c.spi, c.data_key,
                    *_CHOICE_COLUMNS)
             .where(c.survey_id == d.survey.id, c.id > after_id).order_by(c.id))
    if since is not None:
        query = query.where(c.submitted_at >= since)
    if until is not None:
        query = query.where(c.submitted_at < until)
    if limit is not None:
        query = query.limit(limit)
    survey_id = d.survey.id
    for row_id, public_id, submitted_at, language, non_pii, pii, spi, wrapped, *flags in session.execute(
            query.execution_options(yield_per=batch)):
        plan = plans.get(key := tuple(flags))
        if plan is None:
            plan = plans[key] = _plan(fields, _decisions(d.audience, key))
        if plan.withheld and mode == DROP_WITHHELD:
            yield DisclosedRow(row_id, public_id, submitted_at, language, {}, plan, dropped=True)
            continue
        values = non_pii or {}
        pii, spi = (pii if plan.open_pii else None), (spi if plan.open_spi else None)
        if pii is not None or spi is not None:
            opened_pii, opened_spi = open_answers(ring, survey_id, public_id, wrapped, pii, spi)
            values = {**values, **opened_pii, **opened_spi}
        yield DisclosedRow(row_id, public_id, submitted_at, language,
                           {name: values[name] for name in plan.disclosed if name in values}, plan)


def page_of_rows(sessions: sessionmaker, ring: KeyRing, d: Disclosure, *, after: int, limit: int,
                 since: datetime | None) -> tuple[list[DisclosedRow], bool]:
    """One page of disclosed rows after a cursor, in submission order, and whether more follow."""
    with sessions() as read:
        rows = list(disclosed_rows(read, ring, d, after_id=after, limit=limit + 1, since=since))
    return rows[:limit], len(rows) > limit


# -- preview -----------------------------------------------------------------

@dataclass
class Preview:
    total: int
    going_out: int
    withdrawn: int
    dropped: int
    #: {field name: {reason explanation: respondents}}
    withheld: dict[str, dict[str, int]]


def consent_groups(session: Session, survey: Survey) -> list[tuple[tuple[bool, ...], int]]:
    """(the consent flags in CONSENT_CHOICES' order, how many responses hold them), from the kept counts."""
    flags = tuple(ResponseCount.__table__.c[key] for key in CONSENT_CHOICES)
    return [(tuple(bool(flag) for flag in state), count) for *state, count in session.execute(
        select(*flags, func.sum(ResponseCount.responses)).where(ResponseCount.survey_id == survey.id)
        .group_by(*flags).having(func.sum(ResponseCount.responses) > 0))]


def preview(session: Session, d: Disclosure, mode: str) -> Preview:
    """What an export would send, counted from consent alone: no answer is read. The same
    plans as disclosed_rows decide what is withheld and who drop mode leaves out."""
    fields = tuple((f.name, f.classification) for f in d.survey.stored_fields)
    withheld: dict[str, Counter] = defaultdict(Counter)
    total = going_out = 0
    for flags, count in consent_groups(session, d.survey):
        plan = _plan(fields, _decisions(d.audience, flags))
        total += count
        for name, reason in plan.withheld.items():
            withheld[name][reason.explanation] += count
        if not (plan.withheld and mode == DROP_WITHHELD):
            going_out += count
    withdrawn = session.scalar(select(func.count()).select_from(Erasure).where(
        Erasure.survey_id == d.survey.id, Erasure.reason == ErasureReason.WITHDRAWN))
    return Preview(total=total, going_out=going_out, withdrawn=withdrawn, dropped=total - going_out,
                   withheld={name: dict(withheld[name]) for name, _ in fields if name in withheld})
