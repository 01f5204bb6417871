"""Surveys as respondents' requests use them: read-only copies, built once per version.

Every request still asks the database for the survey's current version (its id and
`updated_at`, which every save moves), and a copy is reused only while that version is
unchanged. So servers behind a load balancer never disagree, and a definition loaded on
any of them is what the next request sees everywhere. What is saved is building a survey
and its fields from the database on every submission: a third of its cost.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.choices import Choice, options
from models.instrument import Instrument
from models.survey import Field, Survey
from models.vocabulary import SurveyStatus


@dataclass(frozen=True, slots=True)
class FieldSnapshot:
    name: str
    position: int
    label: str
    help: str
    type: str
    classification: str
    required: bool
    role: str | None
    choices: tuple[Choice, ...] | None
    min: Any
    max: Any
    show_if: str | None
    formula: str | None
    pattern: str | None
    appearance: str | None
    section: str | None
    matrix: str | None


@dataclass(frozen=True, slots=True)
class SurveySnapshot:
    id: int
    slug: str
    title: str
    purpose: str
    purpose_description: str
    description: str
    min_age: int
    retention_days: int
    status: str
    updated_at: datetime
    layout: dict[str, Any]
    fields: tuple[FieldSnapshot, ...]
    #: Pages, conditions and formulas, parsed once per version.
    instrument: Instrument

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.OPEN

    @classmethod
    def of(cls, survey: Survey) -> SurveySnapshot:
        def copy(field: Field) -> FieldSnapshot:
            values = {f.name: getattr(field, f.name) for f in fields(FieldSnapshot)}
            return FieldSnapshot(**{**values, "choices": options(field) or None})
        own = {f.name: getattr(survey, f.name) for f in fields(cls) if f.name not in ("fields", "instrument")}
        copied = tuple(copy(field) for field in survey.fields)
        return cls(**own, fields=copied, instrument=Instrument(copied, survey.layout))


_VERSION = (select(Survey.__table__.c.id, Survey.__table__.c.updated_at)
            .where(Survey.__table__.c.slug == bindparam("slug")))
# Two requests racing to fill the same entry both build a correct copy; the last one stays.
_copies: weakref.WeakKeyDictionary[Engine, dict[str, SurveySnapshot]] = weakref.WeakKeyDictionary()


def survey_snapshot(session: Session, slug: str, load: Callable[[], Survey]) -> SurveySnapshot | None:
    """The survey as it is now in the database, or None if there is none by that slug;
    `load` reads the whole survey when the copy held is missing or of another version."""
    version = session.connection().execute(_VERSION, {"slug": slug}).first()
    if version is None:
        return None
    known = _copies.setdefault(session.get_bind(), {})
    copy = known.get(slug)
    if copy is None or (copy.id, copy.updated_at) != tuple(version):
        copy = known[slug] = SurveySnapshot.of(load())  # its own version, whatever changed meanwhile
    return copy
