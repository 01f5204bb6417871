"""The classification review: a person with the right confirms, field by field, the class of every question of
a survey before it opens, and may change a class while no answers depend on it. Recorded in the ledger."""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import ledger
from models.account import Account
from models.base import utcnow
from models.definition import DefinitionError, check_definition
from models.definition.writer import definition_data, stored_spec
from models.expressions import parse
from models.instrument import reads_through
from models.survey import Field, Survey, SurveyVersion
from models.vocabulary import Classification, SurveyStatus

from . import access, catalogue, versions
from .errors import InvalidSubmission, StrandedData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewItem:
    field: Field
    #: Classified spi by an import for want of a tag: the reviewer should look twice.
    defaulted: bool
    #: For a calculated field: the questions its formula reads (through other scores too), with their classes.
    reads: tuple[tuple[str, Classification], ...]


def review_items(session: Session, survey: Survey) -> list[ReviewItem]:
    latest = versions.latest(session, survey)
    defaulted = set(latest.defaulted_spi if latest else ())
    by_name = {f.name: f for f in survey.fields}
    formulas = {f.name: parse(f.formula) for f in survey.fields if f.formula}
    items = []
    for f in survey.stored_fields:
        reads: tuple[tuple[str, Classification], ...] = ()
        if f.name in formulas:
            names = sorted(reads_through(formulas[f.name], formulas.get) - {f.name})
            reads = tuple((name, by_name[name].classification) for name in names if name in by_name)
        items.append(ReviewItem(f, f.name in defaulted, reads))
    return items


def confirm(session: Session, account: Account, survey: Survey, classes: dict[str, str], confirmed: set[str],
            open_after: bool) -> None:
    """Every stored field confirmed, each with the class given (its own unless changed); the survey then opens,
    or stays closed. InvalidSubmission names each field left unconfirmed or given an unknown class;
    StrandedData when a class would change under stored answers."""
    access.require(session, account, survey, access.Action.REVIEW)
    problems: dict[str, list[str]] = {}
    chosen: dict[str, Classification] = {}
    for f in survey.stored_fields:
        if f.name not in confirmed:
            problems[f.name] = ["Confirm this question's class, or change it and confirm."]
        try:
            chosen[f.name] = Classification(classes.get(f.name, f.classification))
        except ValueError:
            problems[f.name] = ["Choose pii, non_pii or spi."]
    if problems:
        raise InvalidSubmission("Every question's class must be confirmed before the survey opens.", problems)
    changed = {f.name: (f.classification, chosen[f.name]) for f in survey.stored_fields
               if chosen[f.name] != f.classification}
    reviewed = _reclassify(session, account, survey, chosen) if changed else _mark_reviewed(session, survey,
                                                                                               account.email)
    survey.status = SurveyStatus.OPEN if open_after else SurveyStatus.CLOSED
    survey.updated_at = utcnow()
    note = (f"version {reviewed.number} confirmed field by field; "
            + ("changed: " + ", ".join(f"{name} {old} → {new}" for name, (old, new) in changed.items()) + "; "
               if changed else "")
            + f"classes: {versions.classes_note([(f.name, chosen[f.name]) for f in survey.stored_fields])}; "
            + ("opened" if open_after else "left closed"))
    ledger.append_event(session, "review", account.email, note, survey.slug, [f.name for f in survey.stored_fields])
    session.flush()
    log.info("%s reviewed survey %s (%s)", account.email, survey.slug, "opened" if open_after else "closed")


def _reclassify(session: Session, account: Account, survey: Survey,
                chosen: dict[str, Classification]) -> SurveyVersion:
    """A new version with the classes changed, through the one checker (a score must be classed at least as
    strictly as what it reads), refused once answers are stored under the old classes."""
    if catalogue.has_responses(session, survey):
        raise StrandedData(f"The survey {survey.slug!r} has responses, stored under the classes they were given; "
                           "a class cannot change now. Create a new survey (a new slug) instead.")
    spec = stored_spec(survey)
    spec = dataclasses.replace(spec, fields=tuple(
        dataclasses.replace(f, classification=chosen.get(f.name, f.classification)) for f in spec.fields))
    try:
        spec = check_definition(definition_data(spec))
    except DefinitionError as exc:
        raise InvalidSubmission("These classes do not fit together.",
                                {"classes": [str(problem) for problem in exc.problems]}) from None
    catalogue.save_survey(session, spec, account.email, source="the classification review", reviewed=True)
    return versions.latest(session, survey)


def _mark_reviewed(session: Session, survey: Survey, reviewer: str) -> SurveyVersion:
    latest = versions.latest(session, survey)
    if latest is None:  # saved before versions were kept: its present state becomes version 1, reviewed now
        return versions.record(session, survey, stored_spec(survey), reviewer, "the classification review",
                               reviewed=True)
    latest.reviewed_by, latest.reviewed_at = reviewer, utcnow()
    return latest

