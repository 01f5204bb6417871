"""A REDCap data dictionary's bytes as rows of cells: decoded (UTF-8, else the cp1252 Excel often saves), parsed
as CSV, its headings matched under REDCap's names or the API's, each row knowing where it is in the file."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ..definition.spec import Problem
from .common import refuse
from .redcap_types import COLUMNS, HEADINGS, NEEDED


@dataclass(frozen=True)
class Row:
    #: The row as a spreadsheet numbers it: the heading row is row 1.
    number: int
    cells: dict[str, str]
    #: Each column's heading as the file writes it, to point into the file in its own words.
    headings: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.cells.get(key, "")

    def at(self, key: str | None = None) -> str:
        if key is None:
            return f"row {self.number}"
        return f"row {self.number}, column {self.headings[key]}"


def _normal(heading: str) -> str:
    return re.sub(r"\s+", " ", heading).strip().lower()


_KEYS = {_normal(name): key for key, heading in COLUMNS for name in (key, heading)}


def read_rows(raw: bytes) -> tuple[list[Row], list[str]]:
    """The dictionary's rows of fields (blank rows left out) and notes for its reader; DefinitionError if the
    bytes are not a data dictionary."""
    text, notes = _decode(raw)
    delimiter = ","
    first = text.split("\n", 1)[0]
    if "," not in first and (";" in first or "\t" in first):
        delimiter = ";" if ";" in first else "\t"
        notes.append(f"read with {'semicolons' if delimiter == ';' else 'tabs'} between cells, as the first row has")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        refuse([Problem("file", f"is not a CSV file REDCap could read: {exc}")])
    records = [(number, cells) for number, cells in enumerate(records, start=1) if any(c.strip() for c in cells)]
    if not records:
        refuse([Problem("file", "is empty: a data dictionary has a heading row and a row per field")])
    (heading_number, heading_cells), records = records[0], records[1:]
    keys = _headings(heading_cells, heading_number)
    # A column the file lacks is named in the file's own style (REDCap's headings or the API's names).
    api = heading_cells[keys.index("field_name")].strip().lower() == "field_name"
    headings = {key: key if api else heading for key, heading in COLUMNS}
    headings |= {key: heading.strip() for heading, key in zip(heading_cells, keys, strict=True) if key}
    unknown = [heading.strip() for heading, key in zip(heading_cells, keys, strict=True) if not key and heading.strip()]
    if unknown:
        notes.append(f"columns not read (not REDCap's): {', '.join(unknown)}")
    rows, problems = [], []
    for number, cells in records:
        extra = [cell for cell in cells[len(keys):] if cell.strip()]
        if extra:
            problems.append(Problem("file", f"has {len(cells)} cells, more than the {len(keys)} headings: is a comma "
                                    "not inside quotes?", f"row {number}"))
        # a short row's last cells are empty
        values = {key: cell.strip() for key, cell in zip(keys, cells, strict=False) if key}
        rows.append(Row(number, values, headings))
    refuse(problems)
    return rows, notes


def _decode(raw: bytes) -> tuple[str, list[str]]:
    if b"\x00" in raw:
        refuse([Problem("file", "is not a CSV text file: it holds NUL bytes (a binary file, or text saved as "
                        "UTF-16; save it as CSV UTF-8)")])
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        refuse([Problem("file", "is not text in UTF-8 or Windows-1252: save it as CSV UTF-8")])
    return text, ["read as Windows-1252 (cp1252), as Excel often saves CSV: it is not UTF-8"]


def _headings(cells: list[str], number: int) -> list[str | None]:
    keys = [_KEYS.get(_normal(cell)) for cell in cells]
    problems = []
    for key in {key for key in keys if key and keys.count(key) > 1}:
        problems.append(Problem("file", f"has the column {HEADINGS[key]} ({key}) twice", f"row {number}"))
    missing = [key for key in NEEDED if key not in keys]
    if missing:
        names = ", ".join(f"{HEADINGS[key]} ({key})" for key in missing)
        hint = "" if any(keys) else ": its first row has none of REDCap's column headings"
        problems.append(Problem("file", f"is not a REDCap data dictionary{hint}; missing the columns {names}",
                                f"row {number}"))
    refuse(problems)
    return keys
