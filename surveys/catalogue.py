"""Use cases for surveys as a whole: find, list, save (create or update), and the staff overview."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from models.base import utcnow
from models.definition import SLUG, SurveySpec, stranding_changes
from models.response import Response
from models.response_counts import ResponseCount
from models.survey import Field, Survey
from models.vocabulary import SurveyStatus

from .errors import NotFound, StrandedData, SurveyClosed, SurveyInReview
from . import versions
from .snapshots import SurveySnapshot, held_snapshot, survey_snapshot

log = logging.getLogger(__name__)


def get_survey(session: Session, slug: str) -> Survey:
    """The survey with its fields loaded, so what is built from it outlives the session."""
    survey = session.execute(select(Survey).where(Survey.slug == slug).options(joinedload(Survey.fields))
                             ).unique().scalar_one_or_none() if SLUG.match(slug) else None
    if survey is None:
        raise NotFound(f"There is no survey {slug!r}.")
    return survey


def respondent_survey(session: Session, slug: str) -> SurveySnapshot:
    """The survey as a respondent's request uses it: a read-only copy of its current version."""
    survey = survey_snapshot(session, slug, load=lambda: get_survey(session, slug))
    if survey is None:
        raise NotFound(f"There is no survey {slug!r}.")
    return survey


def get_open_survey(session: Session, slug: str, *, held: bool = False) -> SurveySnapshot:
    """`held`: the copy of an open survey this process already holds, without asking for its current version;
    only for submissions.submit, whose insert carries that version and checks it."""
    copy = held_snapshot(session, slug) if held else None
    if copy is not None and copy.is_open:
        return copy
    survey = respondent_survey(session, slug)
    if survey.status == SurveyStatus.DRAFT:
        raise SurveyInReview(f"The survey {slug!r} is not open yet: its questions are being reviewed.")
    if not survey.is_open:
        raise SurveyClosed(f"The survey {slug!r} is closed and takes no more responses.")
    return survey


def list_open_surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).where(Survey.status == SurveyStatus.OPEN).order_by(Survey.title)))


def response_counts(session: Session, survey_ids: list[int]) -> dict[int, int]:
    """Responses per survey, for a list of them, from the kept counts (models/response_counts.py)."""
    return dict(session.execute(select(ResponseCount.survey_id, func.sum(ResponseCount.responses))
                                .where(ResponseCount.survey_id.in_(survey_ids))
                                .group_by(ResponseCount.survey_id)).all()) if survey_ids else {}


def count_responses(session: Session, survey: Survey) -> int:
    return response_counts(session, [survey.id]).get(survey.id, 0)


def has_responses(session: Session, survey: Survey) -> bool:
    """Read from the responses themselves: what it guards (a change that would strand stored answers)
    must not rest on anything kept beside them."""
    return session.scalar(select(Response.id).where(Response.survey_id == survey.id).limit(1)) is not None


def save_survey(session: Session, spec: SurveySpec, actor: str = "cli", *, source: str = "the command line",
                reviewed: bool = True, defaulted_spi: tuple[str, ...] = ()) -> tuple[Survey, bool]:
    """Create the survey, or update it in place, and keep what was saved as its next version. Once responses
    exist, a change that would strand stored answers (a field removed, reclassified or retyped, a choice dropped
    or recoded, a score's formula changed) is refused.

    Saved unreviewed (uploaded in the browser), it is a draft until a reviewer confirms its classification;
    saved by an administrator's command line, it takes the status its definition gives."""
    survey = session.scalar(select(Survey).where(Survey.slug == spec.slug))
    created = survey is None
    if created:
        survey = Survey(slug=spec.slug)
        session.add(survey)
    elif has_responses(session, survey):
        changes = stranding_changes(survey.fields, spec.fields)
        if changes:
            raise StrandedData(
                f"Survey {spec.slug!r} has responses; this definition would strand stored answers: "
                + "; ".join(changes) + ". Create a new survey (a new slug) instead.", {"fields": changes})
    for attr in ("title", "purpose", "purpose_description", "description", "min_age", "retention_days"):
        setattr(survey, attr, getattr(spec, attr))
    survey.status = spec.status if reviewed else SurveyStatus.DRAFT
    survey.layout = spec.layout()
    survey.languages = list(spec.languages)
    survey.translations = {lang: dict(texts) for lang, texts in spec.translations.items()}
    # Every save is a new version, fields included: respondents' requests compare it.
    survey.updated_at = utcnow()
    existing = {field.name: field for field in survey.fields}
    fields = []
    for position, fspec in enumerate(spec.fields):
        field = existing.get(fspec.name) or Field(name=fspec.name)
        field.position, field.label, field.help = position, fspec.label, fspec.help
        field.type, field.classification = fspec.type, fspec.classification
        field.required, field.role = fspec.required, fspec.role
        field.choices = [choice.as_json() for choice in fspec.choices] if fspec.choices else None
        field.min, field.max = fspec.min, fspec.max
        field.show_if, field.formula, field.pattern = fspec.show_if, fspec.formula, fspec.pattern
        field.appearance, field.section, field.matrix = fspec.appearance, fspec.section, fspec.matrix
        fields.append(field)
    survey.fields = fields
    session.flush()
    versions.record(session, survey, spec, actor, source, reviewed=reviewed, defaulted_spi=defaulted_spi)
    log.info("%s %s survey %s", actor, "created" if created else "updated", spec.slug)
    return survey, created

@dataclass(frozen=True)
class SurveyOverview:
    survey: Survey
    responses: int
    opted_out_third_party: int
    opted_out_other_purposes: int
    spi_consent: int
    per_day: list[tuple[str, int]]

    def rate(self, count: int) -> float:
        return count / self.responses if self.responses else 0.0


def survey_overviews(session: Session, surveys: list[Survey], days: int = 30) -> list[SurveyOverview]:
    """Counts and consent rates for each of these surveys, from the kept counts: consent flags and days only."""
    today = datetime.now(timezone.utc).date()
    start = today - timedelta(days=days - 1)
    ids = [survey.id for survey in surveys]
    n = ResponseCount.responses
    # Two grouped queries for all surveys, not two per survey.
    totals = {row[0]: row[1:] for row in session.execute(select(
        ResponseCount.survey_id, func.sum(n), *(func.sum(case((flag, n), else_=0)) for flag in (
            ResponseCount.opt_out_third_party, ResponseCount.opt_out_other_purposes, ResponseCount.spi_disclosure)),
    ).where(ResponseCount.survey_id.in_(ids)).group_by(ResponseCount.survey_id))}
    counts = {(survey_id, str(d)): total for survey_id, d, total in session.execute(
        select(ResponseCount.survey_id, ResponseCount.day, func.sum(n))
        .where(ResponseCount.survey_id.in_(ids), ResponseCount.day >= start)
        .group_by(ResponseCount.survey_id, ResponseCount.day))}
    days_shown = [str(start + timedelta(days=i)) for i in range(days)]
    return [SurveyOverview(survey, *totals.get(survey.id, (0, 0, 0, 0)),
                           per_day=[(d, counts.get((survey.id, d), 0)) for d in days_shown])
            for survey in surveys]


def list_surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.title)))
