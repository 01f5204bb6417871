"""The checks every part of a definition is made of: known keys, text, whole numbers, enums, each problem located."""
from __future__ import annotations

import re
from typing import Any

from ..submission import is_whole
from .reader import line_of
from .spec import Problem


class Checks:
    """Each check records what is wrong and where, then goes on: every problem is reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str, line: int | None) -> None:
        self.problems.append(Problem(where, message, line))

    def duplicates(self, mapping: Any, where: str) -> None:
        for key, line in getattr(mapping, "duplicates", []):
            self.add(f"{where}.{key}" if where else key, "is given twice", line)

    def opened(self, item: Any, where: str, line: int | None, keys: set[str], shape: str,
               name_key: str = "name") -> str | None:
        """An item of a list as a mapping: the prefix its problems are located by (`fields[2] (age).`), with its
        repeated and unknown keys reported; None, and a problem, when it is not a mapping at all."""
        if not isinstance(item, dict):
            self.add(where, f"must be a mapping with {shape}", line)
            return None
        raw = item.get(name_key)
        at = f"{where} ({raw})." if isinstance(raw, str) else f"{where}."
        self.duplicates(item, at.rstrip("."))
        self.unknown_keys(item, keys, at)
        return at

    def unknown_keys(self, mapping: dict, allowed: set[str], where: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.add(f"{where}{key}", f"is not a known key (expected one of: {', '.join(sorted(allowed))})",
                         line_of(mapping, key))

    def text(self, mapping: dict, key: str, where: str, *, required: bool, max_len: int,
             pattern: re.Pattern | None = None, pattern_hint: str = "") -> str | None:
        value = mapping.get(key)
        line = line_of(mapping, key) or getattr(mapping, "line", None)
        if value is None:
            if required:
                self.add(f"{where}{key}", "is missing", line)
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(f"{where}{key}", "must be non-empty text", line)
            return None
        if len(value) > max_len:
            self.add(f"{where}{key}", f"must be at most {max_len} characters", line)
            return None
        if pattern and not pattern.match(value):
            self.add(f"{where}{key}", f"{value!r} {pattern_hint}", line)
            return None
        return value.strip()

    def integer(self, mapping: dict, key: str, where: str, default: int, low: int, high: int,
                why_low: str = "") -> int:
        value = mapping.get(key, default)
        if not is_whole(value) or not low <= value <= high:
            hint = f" ({why_low})" if why_low and is_whole(value) and value < low else ""
            self.add(f"{where}{key}", f"must be a whole number from {low} to {high}{hint}", line_of(mapping, key))
            return default
        return value

    def enum(self, mapping: dict, key: str, where: str, kind: type, *, required: bool) -> Any:
        value = mapping.get(key)
        line = line_of(mapping, key) or getattr(mapping, "line", None)
        allowed = ", ".join(member.value for member in kind)
        if value is None:
            if required:
                self.add(f"{where}{key}", f"is missing (one of: {allowed})", line)
            return None
        try:
            return kind(value)
        except ValueError:
            self.add(f"{where}{key}", f"{value!r} is not one of: {allowed}", line)
            return None

    def flag(self, mapping: dict, key: str, where: str) -> bool | None:
        value = mapping.get(key)
        if value is not None and not isinstance(value, bool):
            self.add(f"{where}{key}", "must be true or false", line_of(mapping, key))
            return None
        return value

    def items(self, mapping: dict, key: str, where: str, what: str, most: int) -> list | None:
        """A non-empty list under `key`, or None with the problem recorded."""
        value = mapping.get(key)
        line = line_of(mapping, key) or getattr(mapping, "line", None)
        if value is None:
            self.add(f"{where}{key}", f"is missing: it needs at least one {what}", line)
            return None
        if not isinstance(value, list) or not value:
            self.add(f"{where}{key}", f"must be a non-empty list of {what}s", line)
            return None
        if len(value) > most:
            self.add(f"{where}{key}", f"has {len(value)} {what}s; at most {most} are allowed", line)
            return None
        return value
