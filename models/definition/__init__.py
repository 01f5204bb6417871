"""The survey definition format: a YAML or JSON file → a checked SurveySpec, or every problem in it,
each with where it is. Read (reader.py), then checked (checker.py); one checker for our format and
every import."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .checker import _Checker, _unstorable_text
from .reader import _read
from .spec import FIELD_NAME, PURPOSE, SLUG, DefinitionError, FieldSpec, MatrixSpec, Problem, SectionSpec, SurveySpec
from .stranding import stranding_changes

__all__ = ["FIELD_NAME", "PURPOSE", "SLUG", "DefinitionError", "FieldSpec", "MatrixSpec", "Problem", "SectionSpec",
           "SurveySpec", "check_definition", "load_definition", "parse_definition", "read_definition",
           "stranding_changes"]


def load_definition(path: str | Path) -> SurveySpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(str(path), f"cannot be read: {exc}")]) from None
    return parse_definition(text, path.name)


def parse_definition(text: str, filename: str = "survey.yaml") -> SurveySpec:
    return check_definition(read_definition(text, filename))


def read_definition(text: str, filename: str = "survey.yaml") -> Any:
    """Our format's YAML or JSON, read (every key and item knowing its line), not yet checked."""
    return _read(text, filename)


def check_definition(data: Any) -> SurveySpec:
    """Data in our definition format (read from our YAML or JSON, or made by an import) → a SurveySpec, or
    DefinitionError with every problem and where it is."""
    if problems := _unstorable_text(data):
        raise DefinitionError(problems)
    checker = _Checker()
    spec = checker.survey(data)
    if checker.problems:
        raise DefinitionError(checker.problems)
    assert spec is not None
    return spec
