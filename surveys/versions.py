"""A survey's history: every definition saved, who saved it, from where, and who confirmed its classification;
any two compared, any one written out again in every format the service writes."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ledger
from models.base import utcnow
from models.definition import DefinitionError, SurveySpec, check_definition
from models.definition.writer import definition_data, stored_spec
from models.interop.loading import export_definition
from models.survey import Survey, SurveyVersion

from .errors import Conflict, NotFound

#: The formats a version can be downloaded in: suffix → what to call it.
DOWNLOADS = {".yaml": "YAML", ".json": "JSON", ".csv": "REDCap data dictionary", ".xlsx": "XLSForm"}


def record(session: Session, survey: Survey, spec: SurveySpec, actor: str, source: str, *, reviewed: bool,
           defaulted_spi: tuple[str, ...] = ()) -> SurveyVersion:
    """The definition just saved as the survey's next version, and its entry in the ledger: saving a survey
    decides how its answers will be classed, so the record says by whom, and whether that was reviewed."""
    number = (session.scalar(select(func.max(SurveyVersion.number)).where(SurveyVersion.survey_id == survey.id))
              or 0) + 1
    now = utcnow()
    version = SurveyVersion(survey_id=survey.id, number=number, definition=definition_data(spec), saved_by=actor,
                            saved_at=now, source=source, defaulted_spi=list(defaulted_spi),
                            reviewed_by=actor if reviewed else None, reviewed_at=now if reviewed else None)
    session.add(version)
    state = ("its classification taken as reviewed by whoever ran the command line" if reviewed
             else "a draft until its classification is reviewed")
    ledger.append_event(session, "survey_saved", actor, f"version {number}, from {source}: {state}; classes: "
                        + classes_note([(f.name, f.classification) for f in spec.fields if f.type != "note"]),
                        survey.slug, [f.name for f in spec.fields])
    session.flush()
    return version


def classes_note(classes: list[tuple[str, str]]) -> str:
    """(field, class) pairs as the ledger's notes write them."""
    return ", ".join(f"{name}={cls}" for name, cls in classes) or "no questions"


def history(session: Session, survey: Survey) -> list[SurveyVersion]:
    """Newest first."""
    return list(session.scalars(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
                                .order_by(SurveyVersion.number.desc())))


def latest(session: Session, survey: Survey) -> SurveyVersion | None:
    return session.scalar(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
                          .order_by(SurveyVersion.number.desc()).limit(1))


def get_version(session: Session, survey: Survey, number: int) -> SurveyVersion:
    version = session.scalar(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id,
                                                         SurveyVersion.number == number))
    if version is None:
        raise NotFound(f"The survey {survey.slug!r} has no version {number}.")
    return version


def spec_of(version: SurveyVersion | None, survey: Survey) -> SurveySpec:
    """What a version saved; for a survey saved before versions were kept, what it holds now. Conflict when the
    checker of today refuses what an older one took, so a page says why instead of failing."""
    try:
        return check_definition(version.definition) if version is not None else stored_spec(survey)
    except DefinitionError as exc:
        raise _unreadable(exc) from None


def written(spec: SurveySpec, suffix: str) -> tuple[bytes, list[str]]:
    """The definition as a file of the format its suffix names, and the notes on what the format could not keep."""
    notes: list[str] = []
    try:
        return export_definition(spec, suffix, notes), notes
    except DefinitionError as exc:
        raise _unreadable(exc) from None


def _unreadable(exc: DefinitionError) -> Conflict:
    return Conflict("This version cannot be written out: " + "; ".join(str(problem) for problem in exc.problems))


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same" | "added" | "removed" | "gap"
    text: str


def compare(old: SurveySpec, new: SurveySpec, context: int = 3) -> list[DiffLine]:
    """A readable difference of two definitions: their YAML, line by line, with a few lines around each change."""
    before = written(old, ".yaml")[0].decode().splitlines()
    after = written(new, ".yaml")[0].decode().splitlines()
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", text) for text in before[i1:i2]]
                continue
            lines += [DiffLine("removed", text) for text in before[i1:i2]]
            lines += [DiffLine("added", text) for text in after[j1:j2]]
    return lines
