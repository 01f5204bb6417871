"""The aggregates as they were computed before kept tallies, kept here as the reference the new counting must equal:
every row read through disclosed_rows and opened, fed one at a time to the tallies of the time (a Moments per number
field, fed in row order), the results page's spread of numbers, dates and times gathered beside them, and the
ledger's fields and withheld counts summed row by row."""
from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from typing import Any

from models.aggregates import MEASURED, Aggregate, Moments, as_float
from models.vocabulary import FieldType
from surveys.disclosures import disclosed_rows

DATES = (FieldType.DATE, FieldType.DATETIME)


class OldTally:
    def __init__(self, ftype: FieldType):
        self.type, self.answered, self.counts, self.moments = ftype, 0, Counter(), Moments()

    def add(self, value: Any) -> None:
        self.answered += 1
        if self.type in MEASURED:
            number = as_float(value)
            if number is not None:
                self.moments.add(number)
        elif self.type is FieldType.MULTI_CHOICE:
            self.counts.update(value)
        elif self.type is FieldType.BOOLEAN:
            self.counts["yes" if value else "no"] += 1
        elif self.type is FieldType.CHOICE:
            self.counts[value] += 1


class OldAggregate(Aggregate):
    def __init__(self, fields):
        super().__init__(fields)
        self.tallies = {f.name: OldTally(FieldType(f.type)) for f in self.fields}


class OldSpread:
    KINDS = (*MEASURED, *DATES, FieldType.TIME)

    def __init__(self, ftype: FieldType):
        self.type, self.numbers, self.texts = ftype, array("d"), Counter()

    def add(self, value: Any) -> None:
        if self.type in MEASURED:
            if (number := as_float(value)) is not None:
                self.numbers.append(number)
        elif isinstance(value, str):
            self.texts[value[:5] if self.type is FieldType.TIME else value[:7]] += 1


def row_by_row(sessions, ring, d, k: int, since=None, until=None) -> dict:
    """Everything a release was made of: the published result, the spreads, the reasons withheld, and what the
    ledger entry listed."""
    fields = d.survey.stored_fields
    totals = OldAggregate(fields)
    spread = {f.name: OldSpread(FieldType(f.type)) for f in fields if FieldType(f.type) in OldSpread.KINDS}
    reasons: dict[str, set] = defaultdict(set)
    withheld: dict[str, Counter] = defaultdict(Counter)
    sent: set[str] = set()
    with sessions() as read:
        for row in disclosed_rows(read, ring, d, since=since, until=until):
            totals.add(row.answers)
            sent.update(row.answers)
            for name, reason in row.withheld.items():
                reasons[name].add(reason.explanation)
                withheld[name][reason.value] += 1
            for name, value in row.answers.items():
                if name in spread:
                    spread[name].add(value)
    return {"result": totals.result(d.survey.slug, k), "tallies": totals.tallies, "spread": spread,
            "reasons": {name: sorted(found) for name, found in reasons.items()},
            "withheld": {f.name: dict(withheld[f.name]) for f in fields if f.name in withheld},
            "sent": [f.name for f in fields if f.name in sent]}


def same_figures(reference: dict, counted: dict) -> bool:
    """Equal, but for a mean or a standard deviation, which may differ by a rounding (the old sum ran in row
    order, the new one in order of value)."""
    assert reference.keys() == counted.keys()
    for name, theirs in reference["fields"].items():
        ours = dict(counted["fields"][name])
        for figure in ("mean", "sd"):
            if figure in theirs and theirs[figure] is not None and ours.get(figure) is not None:
                scale = max(abs(theirs[figure]), 1.0)
                assert math.isclose(theirs[figure], ours[figure], rel_tol=1e-9, abs_tol=0.01 + 1e-12 * scale), (
                    name, figure, theirs[figure], ours[figure])
                ours[figure] = theirs[figure]
        assert theirs == ours, (name, theirs, ours)
    return {key: value for key, value in reference.items() if key != "fields"} == \
        {key: value for key, value in counted.items() if key != "fields"}
