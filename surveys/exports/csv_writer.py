"""CSV: one row per respondent, a column per field, and a last column naming the fields withheld from the row (an
empty cell is unanswered unless it is named there); cells a spreadsheet would run as formulas kept as text."""
from __future__ import annotations

import csv
import io

from models.survey import Survey

from .lines import Line, TextWriter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell(value) -> str | int | float:
    if isinstance(value, str):  # most cells: checked first
        return neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return neutralise("; ".join(str(item) for item in value))  # coded with integers, or text
    return value


class CsvWriter(TextWriter):
    media_type, extension = "text/csv; charset=utf-8", "csv"

    def __init__(self, survey: Survey):
        self.names = [f.name for f in survey.stored_fields]

    def header(self) -> str:
        return self._write([["respondent", "submitted_at", "language", *self.names, "withheld"]])

    def rows(self, lines: list[Line]) -> str:
        names = self.names
        return self._write([respondent, submitted_at, language,
                            *[_cell(answers[n]) if n in answers else "" for n in names], ";".join(withheld)]
                           for respondent, submitted_at, language, answers, withheld in lines)

    @staticmethod
    def _write(rows) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue()
