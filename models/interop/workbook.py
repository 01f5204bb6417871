"""An XLSForm workbook read with openpyxl (read-only) into sheets of rows, each cell known by sheet, row and heading."""
from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..definition.spec import Problem

#: What the parts of an accepted file may unpack to: a small .xlsx cannot then inflate into gigabytes.
MAX_UNPACKED = 100 * 1024 * 1024
#: openpyxl and zipfile raise these for a damaged or foreign file (RuntimeError: an encrypted member, or
#: NotImplementedError for a compression method zipfile lacks).
UNREADABLE = (zipfile.BadZipFile, zlib.error, InvalidFileException, ParseError, KeyError, ValueError, TypeError,
              IndexError, AttributeError, EOFError, OSError, RuntimeError)
#: Headings XLSForm tools accept for the same column, by sheet.
ALIASES = {
    "survey": {"relevance": "relevant", "calculate": "calculation", "caption": "label",
               "choice filter": "choice_filter", "constraint message": "constraint_message",
               "required message": "required_message"},
    "choices": {"list name": "list_name", "value": "name", "caption": "label"},
    "settings": {"set form title": "form_title", "set form id": "form_id", "default language": "default_language"},
}
#: Each file type's first bytes, to say what a file is when it is not a workbook.
MAGIC = {b"%PDF": "a PDF document", b"\xd0\xcf\x11\xe0": "an old Excel 97-2003 .xls file (save it as .xlsx)"}


@dataclass
class Row:
    sheet: str
    number: int
    #: Non-empty cells by key: the heading in lower case, aliases resolved; a language after :: is kept as written.
    cells: dict[str, str]
    headings: dict[str, str] = field(repr=False, default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.cells.get(key)

    def at(self, key: str | None = None) -> str:
        """Where this row, or one of its cells, is: "survey sheet, row 7, column relevant"."""
        place = f"{self.sheet} sheet, row {self.number}"
        return f"{place}, column {self.headings.get(key, key)}" if key else place


@dataclass
class Sheet:
    name: str
    #: Keys in column order → the heading as written.
    headings: dict[str, str]
    rows: list[Row]
    #: The row that names the columns.
    heading_row: int = 1

    def heading_at(self, key: str) -> str:
        """Where a column's heading is: "survey sheet, row 1, column label::Español (es)"."""
        return f"{self.name.lower()} sheet, row {self.heading_row}, column {self.headings.get(key, key)}"


def key_of(heading: str, sheet: str) -> str:
    base, _, language = heading.partition("::")
    base = " ".join(base.lower().split())
    base = ALIASES.get(sheet, {}).get(base, base)
    return f"{base}::{language.strip()}" if language.strip() else base


def text_of(value) -> str | None:
    """A cell as the text an XLSForm means by it: 1.0 is "1", a date is its ISO form, blanks are None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date, time)):
        value = value.isoformat()
    text = str(value).strip()
    return text or None


def read_workbook(raw: bytes, problems: list[Problem]) -> dict[str, Sheet] | None:
    """The workbook's sheets by lower-case name, or None with the reason in problems."""
    for magic, what in MAGIC.items():
        if raw.startswith(magic):
            problems.append(Problem("file", f"is {what}, not an Excel workbook (.xlsx)"))
            return None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_UNPACKED:
                problems.append(Problem("file", f"unpacks to more than {MAX_UNPACKED // 2**20} MB"))
                return None
        # openpyxl warns about styles and extensions an XLSForm does not use; they are no concern of the import.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                return {sheet.title.strip().lower(): _sheet(sheet, problems) for sheet in book.worksheets}
            finally:
                book.close()
    except UNREADABLE as exc:
        reason = str(exc).strip() or type(exc).__name__
        problems.append(Problem("file", f"is not an Excel workbook (.xlsx) that can be read: {reason}"))
        return None


def _sheet(sheet, problems: list[Problem]) -> Sheet:
    name = sheet.title.strip().lower()
    sheet.reset_dimensions()  # some tools write a wrong size into the file; read what is there
    headings: dict[str, str] = {}
    columns: list[str | None] = []
    rows, heading_row = [], 1
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        texts = [text_of(value) for value in values]
        if not any(texts):
            continue
        if not columns:  # the first row with anything in it names the columns
            heading_row = number
            for text in texts:
                key = key_of(text, name) if text else None
                if key in headings:
                    problems.append(Problem(f"{name} sheet", f"has the column {text!r} twice",
                                            f"{name} sheet, row {number}"))
                    key = None
                elif key:
                    headings[key] = text
                columns.append(key)
            continue
        cells = {columns[index]: text for index, text in enumerate(texts)
                 if text and index < len(columns) and columns[index]}
        if cells:
            rows.append(Row(name, number, cells, headings))
    return Sheet(sheet.title, headings, rows, heading_row)
