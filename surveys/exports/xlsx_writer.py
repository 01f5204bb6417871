"""Excel (.xlsx), streamed row by row through openpyxl's write-only mode (memory stays flat): a `data` sheet with
the CSV's columns as typed cells (numbers, dates, datetimes in UTC, times, TRUE/FALSE, text kept as text, never a
formula) and a `codebook` sheet. As in the CSV, an empty cell is unanswered unless the `withheld` column names it."""
from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable

from models.survey import Survey
from models.vocabulary import FieldType

from .codebook import codebook_rows
from .columns import as_text
from .files import FileWriter
from .lines import Line
from .variables import formula_kinds

#: What XML cannot hold (control characters), and text Excel itself would read as such an escape: written as
#: the `_xHHHH_` escape OOXML defines, which Excel reads back as the character.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


@lru_cache(maxsize=65536)
def _date(text: str) -> date:
    return date.fromisoformat(text)


@lru_cache(maxsize=2048)
def _time(text: str) -> time:
    return time.fromisoformat(text)


def _datetime(text: str) -> datetime:
    """Excel has no time zones: the UTC time, naive (the codebook says UTC)."""
    return datetime.fromisoformat(text).astimezone(timezone.utc).replace(tzinfo=None)


class XlsxWriter(FileWriter):
    media_type, extension = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"

    def __init__(self, survey: Survey):
        from openpyxl import Workbook  # a seventh of a second at start-up that only this export needs
        from openpyxl.cell import WriteOnlyCell

        super().__init__()
        self.survey = survey
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("data")
        self._cell = WriteOnlyCell
        kinds = formula_kinds(survey)
        self.fields = [(f.name, self._converter(f, kinds.get(f.name))) for f in survey.stored_fields]
        header = ["respondent", "submitted_at", "language", *(n for n, _ in self.fields), "withheld"]
        self.sheet.append([self.text(name) for name in header])

    def add(self, lines: Iterable[Line]) -> None:
        append, fields = self.sheet.append, self.fields
        for respondent, submitted_at, language, answers, withheld in lines:
            row = [respondent, _datetime(submitted_at), language]
            for name, convert in fields:
                value = answers.get(name)
                row.append(None if value is None else convert(value))
            row.append(";".join(withheld) or None)
            append(row)

    def write(self, path: str) -> None:
        codebook = self.book.create_sheet("codebook")
        for row in codebook_rows(self.survey):
            codebook.append([self.text(cell) if isinstance(cell, str) else cell for cell in row])
        self.book.save(path)

    def close(self) -> None:
        """Saving removes the sheets' own temporary files; an export stopped before that removes them here,
        at once (openpyxl would leave them, answers and all, until the process ends)."""
        for sheet in self.book.worksheets:
            if not sheet.closed:
                sheet.close()  # ends its rows and its XML, so nothing is left writing to the file
            if os.path.exists(sheet._writer.out):
                sheet._writer.cleanup()
        super().close()

    def text(self, value: str) -> Any:
        """Text as a text cell, whatever it looks like: openpyxl would take `=…` for a formula and `#N/A` for an
        error, and refuses control characters."""
        if _UNSAFE.search(value):
            value = _UNSAFE.sub(lambda m: f"_x{ord(m.group()[0]):04X}_", value)
        if value.startswith("=") or value in _ERROR_CODES:
            cell = self._cell(self.sheet, value=None)
            cell._value, cell.data_type = value[:32767], "s"
            return cell
        return value

    def _converter(self, field, kind) -> Callable[[Any], Any]:
        ftype = FieldType(field.type)
        if ftype is FieldType.CALCULATED:
            ftype = {"number": FieldType.NUMBER, "boolean": FieldType.BOOLEAN, "date": FieldType.DATE,
                     "time": FieldType.TIME, "datetime": FieldType.DATETIME}.get(kind, FieldType.TEXT)
            if ftype is FieldType.TEXT:
                return lambda value: self.text(as_text(value))
        if ftype is FieldType.DATE:
            return _date
        if ftype is FieldType.TIME:
            return _time
        if ftype is FieldType.DATETIME:
            return _datetime
        if ftype is FieldType.MULTI_CHOICE:
            return lambda value: self.text("; ".join(str(item) for item in value))
        if ftype in (FieldType.INTEGER, FieldType.NUMBER, FieldType.BOOLEAN):
            return lambda value: value
        return lambda value: self.text(value) if isinstance(value, str) else value
