"""Per-field tallies of disclosed answers, their summaries, and small-cell suppression: arithmetic only.

A tally holds how many answered and how many of each counted value there are (a choice, an option, yes or no, a
number, a month, an hour), never an answer's text: tallies of groups of respondents add up to the tally of all of
them, which is what lets the service count once and keep counts (see surveys/tallies.py)."""
from __future__ import annotations

import math
import sys
from collections import Counter
from typing import Any, Iterable, Mapping, Protocol

from .choices import options
from .moments import Moments
from .vocabulary import FieldType

__all__ = ["Aggregate", "Moments", "Tally", "as_float", "suppress", "tally_keys"]

COUNTED = (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.BOOLEAN)
MEASURED = (FieldType.INTEGER, FieldType.NUMBER, FieldType.CALCULATED)  # a score's answers that are numbers
LARGEST = sys.float_info.max


class FieldLike(Protocol):
    name: str
    type: Any
    classification: Any
    choices: Any


def as_float(value: Any) -> float | None:
    """A stored number as a finite float; None for what is not a number.

    Integers are bounded at submission now, but one stored before could be past the largest double:
    it counts as the largest double of its sign, so the figures stay finite (and as near as a double
    can say) rather than overflow. An infinity, never accepted, would be held the same way; a NaN,
    never accepted either, says nothing and is left out."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        if -LARGEST <= value <= LARGEST:
            return float(value)
        return LARGEST if value > 0 else -LARGEST  # not copysign: it would convert the int first
    if math.isnan(value):
        return None
    return max(-LARGEST, min(value, LARGEST))


DATES = (FieldType.DATE, FieldType.DATETIME)
#: How much of a date's or a time's text is counted: its month (YYYY-MM) and its hour and minute (HH:MM).
_PREFIX = {FieldType.DATE: 7, FieldType.DATETIME: 7, FieldType.TIME: 5}


def tally_keys(ftype: FieldType, value: Any) -> Iterable[tuple[Any, int]]:
    """What one answer adds to its field's counts, as (key, how many): the one thing to change for a new type.

    Numbers count as finite floats (their summary and their spread are made from how many of each there are);
    a multi-choice answer counts each option it holds; a boolean is yes or no; a choice its value, with its
    JSON type (0 is not "0"); a date its month and a time its minute. Text counts only as answered, so no
    tally ever holds what someone wrote."""
    if ftype in MEASURED:
        number = as_float(value)
        return () if number is None else ((number, 1),)
    if ftype is FieldType.MULTI_CHOICE:
        options: Counter = Counter()
        options.update(value)
        return options.items()
    if ftype is FieldType.BOOLEAN:
        return (("yes" if value else "no", 1),)
    if ftype is FieldType.CHOICE:
        return ((value, 1),)
    if ftype in _PREFIX and isinstance(value, str):
        return ((value[:_PREFIX[ftype]], 1),)
    return ()


class Tally:
    """What one field's disclosed answers add up to: how many answered, and how many of each key."""

    __slots__ = ("type", "answered", "counts")

    def __init__(self, ftype: FieldType):
        self.type, self.answered, self.counts = ftype, 0, Counter()

    def add(self, value: Any, times: int = 1) -> None:
        """One answer, given `times` over (by that many respondents)."""
        self.answered += times
        for key, n in tally_keys(self.type, value):
            self.counts[key] += n * times

    def add_all(self, values: list[Any]) -> None:
        """Many answers at once: the same counts as adding each, counted a type at a time (a million answers
        are counted in C, not one Python call each)."""
        self.answered += len(values)
        counts, ftype = self.counts, self.type
        if ftype in MEASURED:
            counts.update(number for number in map(as_float, values) if number is not None)
        elif ftype is FieldType.CHOICE:
            counts.update(values)
        elif ftype is FieldType.BOOLEAN:
            yes = sum(1 for value in values if value)
            counts.update({key: n for key, n in (("yes", yes), ("no", len(values) - yes)) if n})
        elif ftype is FieldType.MULTI_CHOICE:
            for value in values:
                counts.update(value)
        elif ftype in _PREFIX:
            size = _PREFIX[ftype]
            counts.update(value[:size] for value in values if isinstance(value, str))

    def merge(self, answered: int, counts: Mapping[Any, int]) -> None:
        """Another group's tally of the same field."""
        self.answered += answered
        self.counts.update(counts)

    @property
    def moments(self) -> Moments:
        """Count, mean and spread of the numbers, each distinct number added once with its count, in order."""
        moments = Moments()
        if self.type in MEASURED:
            for value in sorted(self.counts):
                moments.add(value, self.counts[value])
        return moments


class Aggregate:
    """Tallies for every field of a survey, fed one respondent's disclosed answers at a time, or whole tallies of
    groups of respondents."""

    def __init__(self, fields: Iterable[FieldLike]):
        self.fields = list(fields)
        self.tallies = {f.name: Tally(FieldType(f.type)) for f in self.fields}
        self.respondents = 0

    def add(self, answers: Mapping[str, Any]) -> None:
        self.respondents += 1
        for name, value in answers.items():
            self.tallies[name].add(value)

    def merge(self, name: str, answered: int, counts: Mapping[Any, int]) -> None:
        self.tallies[name].merge(answered, counts)

    def result(self, slug: str, k: int) -> dict:
        """Per field: counts per choice, or a numeric summary. Counts from 1 to k-1 are suppressed,
        and so are enough others that none can be derived."""
        out = {f.name: _summary(f, self.tallies[f.name], k) for f in self.fields}
        return {"survey": slug, "k": k, "respondents": self.respondents if self.respondents >= k else None,
                "fields": out}


def _summary(f: FieldLike, tally: Tally, k: int) -> dict[str, Any]:
    ftype = FieldType(f.type)
    summary: dict[str, Any] = {"type": ftype.value, "classification": f.classification, "suppressed": False}
    if tally.answered < k:
        summary.update(answered=None, suppressed=True)
    elif ftype in COUNTED:
        # Counted by value (JSON keys are text: 0 is "0"); coded choices' labels travel beside the counts.
        choices = options(f) if ftype is not FieldType.BOOLEAN else ()
        values = [c.value for c in choices] if choices else ["yes", "no"]
        cells = [str(value) for value in values]
        counts = {cell: tally.counts.get(value, 0) for cell, value in zip(cells, values)}
        hidden = suppress(counts, k, additive=ftype is not FieldType.MULTI_CHOICE)
        summary.update(answered=tally.answered,
                       counts={cell: (None if cell in hidden else n) for cell, n in counts.items()},
                       suppressed_cells=sorted(hidden, key=cells.index))
        if any(str(c.value) != c.label for c in choices):
            summary["labels"] = {str(c.value): c.label for c in choices}
    elif ftype in MEASURED:
        moments = tally.moments
        mean, sd = moments.mean, moments.sd
        summary.update(answered=tally.answered, mean=None if mean is None else round(mean, 2),
                       sd=None if sd is None else round(sd, 2))
    else:
        summary.update(answered=tally.answered)
    return summary


def suppress(counts: dict[str, int], k: int, additive: bool = True) -> set[str]:
    """Primary suppression of counts 1..k-1. Where the cells add up to a published total,
    complementary suppression: the smallest published cells are hidden too until at least
    two are hidden and together they hold at least k, so subtracting the published cells
    from the total reveals neither one small cell nor a small group."""
    hidden = {cell for cell, n in counts.items() if 0 < n < k}
    if additive and hidden:
        shown = sorted((n, cell) for cell, n in counts.items() if cell not in hidden)
        while shown and (len(hidden) < 2 or sum(counts[c] for c in hidden) < k):
            hidden.add(shown.pop(0)[1])
    return hidden
