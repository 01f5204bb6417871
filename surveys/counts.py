"""The counts of a set of responses, split by consent state and by where each answer is stored, so that the rule
can be applied to them afterwards for any audience: what a kept tally holds, and what releases are made from.

Counts of two sets of responses add up to the counts of both; they hold how many answered each field and how many
of each counted value there are (models.aggregates.tally_keys), never a respondent's answer as given."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from models.aggregates import Tally
from models.vocabulary import CONSENT_CHOICES, FieldType

#: A consent state: the consent columns' values in CONSENT_CHOICES' order.
State = tuple[bool, ...]
#: Where a value is stored: the plain JSON column, or one of the sealed ones. The rule opens a sealed column
#: only for a respondent whose consent admits its class, so each column's values are counted apart.
COLUMNS = ("non_pii", "pii", "spi")

INSIDE, OUTSIDE, ACROSS = "inside", "outside", "across"


@dataclass
class StateCounts:
    rows: int = 0
    #: (column, field name) → its tally.
    fields: dict[tuple[str, str], Tally] = field(default_factory=dict)

    def tally(self, column: str, name: str, ftype: FieldType) -> Tally:
        found = self.fields.get((column, name))
        if found is None:
            found = self.fields[column, name] = Tally(ftype)
        return found


@dataclass
class Counts:
    """Counts of some responses of one survey, and when the first and the last of them were submitted."""
    states: dict[State, StateCounts] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None

    def state(self, state: State) -> StateCounts:
        found = self.states.get(state)
        if found is None:
            found = self.states[state] = StateCounts()
        return found

    @property
    def rows(self) -> int:
        return sum(counts.rows for counts in self.states.values())

    def saw(self, submitted_at: datetime) -> None:
        self.first = submitted_at if self.first is None else min(self.first, submitted_at)
        self.last = submitted_at if self.last is None else max(self.last, submitted_at)

    def merge(self, other: Counts) -> Counts:
        for state, theirs in other.states.items():
            mine = self.state(state)
            mine.rows += theirs.rows
            for (column, name), tally in theirs.fields.items():
                mine.tally(column, name, tally.type).merge(tally.answered, tally.counts)
        if other.first is not None:
            self.saw(other.first)
            self.saw(other.last)
        return self

    def within(self, since: datetime | None, until: datetime | None) -> str:
        """Whether every response counted was submitted in [since, until), none was, or some were."""
        if self.first is None:
            return OUTSIDE
        if (since is None or self.first >= since) and (until is None or self.last < until):
            return INSIDE
        if (since is not None and self.last < since) or (until is not None and self.first >= until):
            return OUTSIDE
        return ACROSS

    # -- as JSON, to be sealed and kept ----------------------------------------------------------------------
    # Keys keep their JSON type (0, "0", 0.0 and true stay apart as they were counted), so they travel as
    # lists of [key, count] pairs rather than as object keys, which JSON makes text.

    def to_data(self) -> dict[str, Any]:
        return {"first": self.first and self.first.isoformat(), "last": self.last and self.last.isoformat(),
                "states": [[list(state), counts.rows,
                            [[column, name, tally.type.value, tally.answered, list(tally.counts.items())]
                             for (column, name), tally in counts.fields.items()]]
                           for state, counts in self.states.items()]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Counts:
        made = cls(first=data["first"] and datetime.fromisoformat(data["first"]),
                   last=data["last"] and datetime.fromisoformat(data["last"]))
        for state, rows, fields in data["states"]:
            counts = made.states[tuple(state)] = StateCounts(rows)
            for column, name, ftype, answered, pairs in fields:
                tally = counts.fields[column, name] = Tally(FieldType(ftype))
                tally.answered = answered
                tally.counts.update(dict(pairs))
        return made


def total(parts: Iterable[Counts]) -> Counts:
    made = Counts()
    for part in parts:
        made.merge(part)
    return made


def state_of(values: dict[str, bool]) -> State:
    return tuple(bool(values[key]) for key in CONSENT_CHOICES)
