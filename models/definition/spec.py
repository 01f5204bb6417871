"""What a checked survey definition is: its specs, its patterns and limits, and how a problem is told."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..vocabulary import MIN_AGE, RETENTION_DAYS, Classification, FieldType, Role, SurveyStatus

SLUG = re.compile(r"^[a-z0-9-]+$")
PURPOSE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_LONG_DIGITS = re.compile(r"^[+-]?[0-9_]+$")  # an integer the reader kept as text (see _construct_int)
MAX_FIELDS = 200
MAX_CHOICES = 100

SURVEY_KEYS = {"slug", "title", "purpose", "purpose_description", "description",
               "min_age", "retention_days", "status", "fields"}
FIELD_KEYS = {"name", "label", "help", "type", "classification", "required", "role",
              "choices", "min", "max"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType
    classification: Classification
    required: bool = False
    role: Role | None = None
    choices: tuple[str, ...] | None = None
    min: int | float | str | None = None
    max: int | float | str | None = None
    help: str = ""


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


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        at = f"{self.where} (line {self.line})" if self.line else self.where
        return f"{at}: {self.message}"


class DefinitionError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))
