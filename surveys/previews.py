"""The export preview: what an export would send, counted from consent alone; no answer is read. The same plans as
disclosures.disclosed_rows decide what is withheld and whom drop mode leaves out."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.response import Erasure
from models.response_counts import ResponseCount
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, ErasureReason

from .disclosures import DROP_WITHHELD, Disclosure, _decisions, _plan

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
