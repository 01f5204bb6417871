"""Surveys as respondents' requests use them: read-only copies, built once per version.

Every request still asks the database for the survey's current version (its id and
`updated_at`, which every save moves), and a copy is reused only while that version is
unchanged. So servers behind a load balancer never disagree, and a definition loaded on
any of them is what the next request sees everywhere. What is saved is building a survey
and its fields from the database on every submission: a third of its cost.

A submission through the API does not ask first: its insert carries the version of the copy
held here and stores nothing if that is no longer the current one (submissions.submit), so
the question travels with the write instead of costing a query of its own.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.choices import Choice, options
from models.instrument import Instrument
from models.survey import Field, Survey
from models.translations import choice_key, choice_owner, field_key, language_for, matrix_key, section_key
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
    #: Its languages, the first the default (empty: the service's default language only), and its texts in each
    #: further one that differ from the first's (see models/translations.py).
    languages: tuple[str, ...]
    translations: dict[str, dict[str, str]]
    fields: tuple[FieldSnapshot, ...]
    #: Pages, conditions and formulas, parsed once per version. Its pages hold the first language's texts:
    #: a page in another language takes them from localized(lang), whose instrument is this same one.
    instrument: Instrument
    #: This version in each of its languages, made on first use and shared by every copy of it (the first
    #: language's under its own tag).
    _versions: dict[str, SurveySnapshot] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.OPEN

    @classmethod
    def of(cls, survey: Survey) -> SurveySnapshot:
        def copy(field: Field) -> FieldSnapshot:
            values = {f.name: getattr(field, f.name) for f in fields(FieldSnapshot)}
            return FieldSnapshot(**{**values, "choices": options(field) or None})
        skip = ("fields", "instrument", "languages", "translations", "_versions")
        own = {f.name: getattr(survey, f.name) for f in fields(cls) if f.name not in skip}
        copied = tuple(copy(field) for field in survey.fields)
        snapshot = cls(**own, languages=tuple(survey.languages or ()), translations=survey.translations or {},
                       fields=copied, instrument=Instrument(copied, survey.layout))
        snapshot._versions[language_for(snapshot, None)] = snapshot
        return snapshot

    def localized(self, lang: str | None) -> SurveySnapshot:
        """This version with every text in `lang` (es-MX finds es), each falling back to the first language's
        text, never to nothing; a language the survey is not in gives the first language's texts. Built once per
        version and language; conditions and formulas are language-free, so the instrument is the same."""
        lang = language_for(self, lang)
        found = self._versions.get(lang)
        if found is None:
            found = self._versions[lang] = self._in(self.translations.get(lang) or {})
        return found

    def _in(self, texts: dict[str, str]) -> SurveySnapshot:
        def text(key: str, first: str) -> str:
            return texts.get(key) or first

        def copy(f: FieldSnapshot) -> FieldSnapshot:
            choices = f.choices and tuple(Choice(c.value, text(choice_key(choice_owner(f), c.value), c.label))
                                          for c in f.choices)
            return replace(f, label=text(field_key(f.name, "label"), f.label),
                           help=text(field_key(f.name, "help"), f.help), choices=choices)
        layout = dict(self.layout or {})
        if "sections" in layout:
            layout["sections"] = [{**s, "title": text(section_key(s["name"], "title"), s.get("title") or ""),
                                   "description": text(section_key(s["name"], "description"), s.get("description")
                                                       or "")} for s in layout["sections"]]
        if "matrices" in layout:
            layout["matrices"] = [{**m, "label": text(matrix_key(m["name"], "label"), m.get("label") or ""),
                                   "help": text(matrix_key(m["name"], "help"), m.get("help") or "")}
                                  for m in layout["matrices"]]
        return replace(self, title=text("title", self.title),
                       purpose_description=text("purpose_description", self.purpose_description),
                       description=text("description", self.description), layout=layout,
                       fields=tuple(copy(f) for f in self.fields), _versions=self._versions)


_VERSION = (select(Survey.__table__.c.id, Survey.__table__.c.updated_at)
            .where(Survey.__table__.c.slug == bindparam("slug")))
# Two requests racing to fill the same entry both build a correct copy; the last one stays.
_copies: weakref.WeakKeyDictionary[Engine, dict[str, SurveySnapshot]] = weakref.WeakKeyDictionary()


def held_snapshot(session: Session, slug: str) -> SurveySnapshot | None:
    """The copy this process holds, of whatever version it was made from: only for a write that carries that
    version and stores nothing if it has moved (submissions.submit)."""
    return _copies.get(session.get_bind(), {}).get(slug)


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
