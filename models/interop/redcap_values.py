"""The cells of a data dictionary that hold values, read as our format holds them: coded choices with their
type, and bounds (numbers, times, dates and dates with times in ISO)."""
from __future__ import annotations

import re
from datetime import date

from ..submission import SAFE_INTEGER

_WHOLE = re.compile(r"(0|-?[1-9][0-9]{0,15})")  # a code 01 is text: its value is not the number 1
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DAY_FIRST = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")
_DATE = {"ymd": re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})"), "mdy": _DAY_FIRST, "dmy": _DAY_FIRST}
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?")


def coded_choices(text: str, problem) -> tuple:
    """"1, Yes | 0, No" → ((1, "Yes"), (0, "No")): whole-number codes when every code is one, else text."""
    pairs = []
    for part in re.split(r"\||\\n|\n", text):
        if not part.strip():
            continue
        code, comma, label = part.partition(",")
        if not comma or not code.strip():
            problem(f"has the choice {part.strip()!r}, which is not 'code, label'", "select_choices_or_calculations")
            continue
        pairs.append((code.strip(), label.strip()))
    if not pairs and text.strip() == "":
        problem("has no choices", "select_choices_or_calculations")
    if pairs and all(_WHOLE.fullmatch(code) and abs(int(code)) <= SAFE_INTEGER for code, _ in pairs):
        return tuple((int(code), label) for code, label in pairs)
    return tuple(pairs)


def bound(text: str, ftype: str, order: str):
    """A bound as `ftype` keeps it, or None; dates may be written Y-M-D or in the field's own order."""
    if ftype == "integer":
        return int(text) if _WHOLE.fullmatch(text.lstrip("+")) and abs(int(text)) <= SAFE_INTEGER else None
    if ftype == "number":
        if not _DECIMAL.fullmatch(text):
            return None
        value = float(text)
        return int(value) if value.is_integer() and abs(value) <= SAFE_INTEGER else value
    if ftype == "time":
        match = _TIME.fullmatch(text)
        return f"{int(match[1]):02d}:{match[2]}" if match and not match[3] else None
    day, _, clock = text.replace("T", " ").partition(" ")
    moment = _date(day, order)
    if ftype == "date":
        return moment if not clock else None
    match = _TIME.fullmatch(clock)
    if moment is None or match is None:
        return None
    return f"{moment}T{int(match[1]):02d}:{match[2]}:{match[3] or '00'}Z"


def _date(text: str, order: str) -> str | None:
    for way in dict.fromkeys(("ymd", order)):  # Y-M-D always; the field's own order too
        match = _DATE[way].fullmatch(text)
        if match:
            parts = dict(zip(way, (int(group) for group in match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"]).isoformat()
            except ValueError:
                return None
    return None
