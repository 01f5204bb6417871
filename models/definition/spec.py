"""What a checked survey definition is: its specs, its patterns and limits, and how a problem is told."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..choices import Choice
from ..vocabulary import MIN_AGE, RETENTION_DAYS, Appearance, Classification, FieldType, Role, SurveyStatus

SLUG = re.compile(r"^[a-z0-9-]+$")
PURPOSE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_LONG_DIGITS = re.compile(r"^[+-]?[0-9_]+$")  # an integer the reader kept as text (see _construct_int)
MAX_FIELDS = 1000  # a long REDCap project has hundreds; past a thousand no one answers
MAX_CHOICES = 100
MAX_SECTIONS = 50
#: A BCP 47 language tag, as far as a survey needs one: a language, then any subtags (es, pt-BR, zh-Hant-TW).
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_LANGUAGES = 20

SURVEY_KEYS = {"slug", "title", "purpose", "purpose_description", "description",
               "min_age", "retention_days", "status", "fields", "sections", "languages"}
SECTION_KEYS = {"name", "title", "description", "show_if", "fields"}
FIELD_KEYS = {"name", "label", "help", "type", "classification", "required", "role",
              "choices", "min", "max", "show_if", "formula", "pattern", "appearance"}
MATRIX_KEYS = {"matrix", "label", "help", "classification", "required", "choices", "rows", "show_if"}
ROW_KEYS = {"name", "label", "help", "classification", "required", "show_if"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType
    classification: Classification
    required: bool = False
    role: Role | None = None
    choices: tuple[Choice, ...] | None = None
    min: int | float | str | None = None
    max: int | float | str | None = None
    help: str = ""
    show_if: str | None = None
    formula: str | None = None
    pattern: str | None = None
    appearance: Appearance | None = None
    #: The section (page) it is on, when the survey has sections.
    section: str | None = None
    #: The grid it is a row of.
    matrix: str | None = None


@dataclass(frozen=True)
class SectionSpec:
    name: str
    title: str
    description: str = ""
    show_if: str | None = None

    def as_json(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description, "show_if": self.show_if}


@dataclass(frozen=True)
class MatrixSpec:
    """A grid: its rows are choice fields on one shared scale, shown together under one label."""
    name: str
    label: str
    help: str = ""
    show_if: str | None = None

    def as_json(self) -> dict:
        return {"name": self.name, "label": self.label, "help": self.help, "show_if": self.show_if}


@dataclass(frozen=True)
class SurveySpec:
    slug: str
    title: str
    purpose: str
    fields: tuple[FieldSpec, ...]
    purpose_description: str = ""
    description: str = ""
    min_age: int = MIN_AGE
    retention_days: int = RETENTION_DAYS
    status: SurveyStatus = SurveyStatus.OPEN
    sections: tuple[SectionSpec, ...] = ()
    matrices: tuple[MatrixSpec, ...] = ()
    #: The languages its texts are in, the first the default; empty: the service's default language only.
    languages: tuple[str, ...] = ()
    #: For each language after the first, its texts that differ from the first's, by the keys of
    #: models/translations.py ("title", "field.<name>.label", "choice.<field>.<value>"…); the first language's
    #: texts are the attributes themselves.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    def layout(self) -> dict:
        """Sections and grids as stored beside the fields."""
        return {"sections": [s.as_json() for s in self.sections], "matrices": [m.as_json() for m in self.matrices]}


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    #: The line of a YAML or JSON file, or where in an imported file: "row 12", "survey sheet, row 7".
    line: int | str | None = None

    def __str__(self) -> str:
        if isinstance(self.line, str):
            return f"{self.where} ({self.line}): {self.message}"
        at = f"{self.where} (line {self.line})" if self.line else self.where
        return f"{at}: {self.message}"


class DefinitionError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))
