"""CSV: one row per respondent, a column per field, and a last column naming the fields withheld from the row (an
empty cell is unanswered unless it is named there); cells a spreadsheet would run as formulas kept as text."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from models.survey import Survey

from .lines import Line, TextWriter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA = frozenset(FORMULA_START)  # one character each: text[:1] in it is startswith(), at a third of its cost


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text[:1] in _FORMULA else text


def _cell(value) -> str:
    """A value as its cell's text, as csv.writer would write it: numbers as str() writes them, None as nothing."""
    if isinstance(value, str):  # most cells: checked first
        return neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return neutralise("; ".join(map(str, value)))  # coded with integers, or text
    return "" if value is None else str(value)


class CsvWriter(TextWriter):
    media_type, extension = "text/csv; charset=utf-8", "csv"

    def __init__(self, survey: Survey):
        self.names = [f.name for f in survey.stored_fields]
        #: Each field's column; a line's cells start blank and only its answers are placed (most are few).
        self._column = {name: 3 + index for index, name in enumerate(self.names)}
        self._blank = [""] * (len(self.names) + 4)

    def header(self) -> str:
        return self._write([["respondent", "submitted_at", "language", *self.names, "withheld"]])

    def rows(self, lines: Iterable[Line]) -> str:
        column, blank, commas, text = self._column, self._blank, len(self._blank) - 1, []
        for respondent, submitted_at, language, answers, withheld in lines:
            cells = blank.copy()
            cells[0], cells[1], cells[2], cells[-1] = respondent, submitted_at, language, ";".join(withheld)
            for name, value in answers.items():
                at = column.get(name)
                if at is not None:
                    # _cell, with its commonest case (text that is no formula) spared a call
                    cells[at] = value if type(value) is str and value[:1] not in _FORMULA else _cell(value)
            line = ",".join(cells)
            # Joined as they are unless a cell holds what csv.writer would quote (a comma adds one to the count).
            if line.count(",") != commas or '"' in line or "\n" in line or "\r" in line:
                line = self._write([cells])[:-2]
            text.append(line)
        return "\r\n".join(text) + "\r\n" if text else ""

    @staticmethod
    def _write(rows) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue()
