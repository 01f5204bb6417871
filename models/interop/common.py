"""What every import hands the definition checker: our format's data, each part located in the file it came
from, and what the import decided on its own (fields classified spi for want of a tag, fields left out)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ..definition.spec import DefinitionError, Problem

#: A definition file larger than this is refused unread: a survey of 200 fields is a few hundred kilobytes.
MAX_BYTES = 10 * 1024 * 1024


class Located(dict):
    """A mapping of our format that knows where each key came from ("row 12, column Field Label"), the way
    the YAML reader's mappings know their lines; the checker reports problems at those places."""

    def __init__(self, items: Iterable[tuple[str, Any]] | dict = (), at: str | None = None,
                 places: dict[str, str] | None = None):
        super().__init__(items)
        self.line = at
        self.lines = dict(places or {})
        self.duplicates: list = []


class LocatedList(list):
    def __init__(self, items: Iterable[Any] = (), places: Iterable[str | None] = ()):
        super().__init__(items)
        self.lines = list(places)


@dataclass
class Imported:
    #: The survey in our definition format (mappings Located), ready for the checker.
    data: dict[str, Any]
    #: Fields no tag classified, so classified spi (fail closed); the command lists them.
    defaulted_spi: list[str] = field(default_factory=list)
    #: Fields left out under --skip-unsupported, each with where it was and why.
    skipped: list[str] = field(default_factory=list)
    #: Anything else the import did that its user should read (names changed, texts missing in a language…).
    notes: list[str] = field(default_factory=list)


def refuse(problems: list[Problem]) -> None:
    if problems:
        raise DefinitionError(problems)
