"""How answers spread: numbers in bins with round edges and their quartiles, dates and times in periods.
Arithmetic only; what may be published of it is decided by models.aggregates.suppress."""
from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, pairwise
from typing import Callable, Mapping, Sequence, overload

from .aggregates import LARGEST

#: The numbers of bins tried for numbers, finest first: small groups are suppressed, so a survey with few
#: answers is better drawn in a few wide bins than in many that are all hidden.
BIN_TARGETS = (10, 8, 6, 5, 4, 3, 2)
#: Whole numbers spanning fewer than this many values may get a bin each.
ONE_PER_VALUE = 20
#: Periods for dates, in months, and for times of day, in hours; the finest first.
MONTHS = ((1, "month"), (3, "quarter"), (12, "year"), (120, "decade"), (1200, "century"))
HOURS = (1, 2, 3, 6)
#: A date chart with more periods than this is not offered (but the coarsest always is).
MAX_PERIODS = 36
_YEAR_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})")
_HOUR = re.compile(r"^([0-9]{2}):[0-9]{2}")


@dataclass(frozen=True)
class Bin:
    """A range of values: from `low` (included) to `high` (excluded, but for the last bin), and its label."""
    low: float
    high: float
    label: str


class CountedValues(Sequence[float]):
    """Sorted numbers held as each distinct number and how many there are of it, read as the sorted list they
    stand for (values[i] is the i-th smallest): ten million answers of a few hundred distinct numbers take a few
    hundred entries, and their quartiles and bins come from the counts."""

    def __init__(self, counts: Mapping[float, int]):
        self.distinct = sorted(value for value, n in counts.items() if n > 0)
        self._ends = list(accumulate(counts[value] for value in self.distinct))

    @classmethod
    def of(cls, values: Sequence[float]) -> CountedValues:
        return values if isinstance(values, CountedValues) else cls(Counter(values))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, index: int) -> float: ...
    @overload
    def __getitem__(self, index: slice) -> list[float]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.distinct[bisect.bisect_right(self._ends, index)]

    def count_below(self, value: float) -> int:
        """How many of the numbers are less than `value`."""
        position = bisect.bisect_left(self.distinct, value)
        return self._ends[position - 1] if position else 0


def number_options(values: Sequence[float]) -> list[list[tuple[str, int]]]:
    """Ways to draw sorted finite values (a sorted list, or CountedValues) as a histogram, finest first: each a
    list of (label, count). Empty when the values span too wide a range, or too narrow a one for a double to hold
    distinct edges."""
    values = CountedValues.of(values)
    if not values:
        return []
    whole = all(float(v).is_integer() for v in values.distinct)
    options = []
    for target in BIN_TARGETS:
        bins = number_bins(values, target, whole)
        if bins and all(bins != seen for seen in options):
            options.append(bins)
    return [list(zip((b.label for b in bins), bin_counts(values, bins))) for bins in options]


def number_bins(values: Sequence[float], target: int, whole: bool) -> list[Bin] | None:
    """About `target` bins over sorted finite values, with edges at round numbers (1, 2 or 5 times a power of ten);
    whole numbers spanning few values one bin each."""
    low, high = values[0], values[-1]
    span = high - low
    if not math.isfinite(span) or span > LARGEST / 4:
        return None
    if whole and span < ONE_PER_VALUE and max(abs(low), abs(high)) < 2 ** 53 and target == BIN_TARGETS[0]:
        return [Bin(v, v + 1, _number(v, 0)) for v in _whole_range(low, high)]
    if span == 0:
        return [Bin(low, high, _number(low, _decimals(abs(low) or 1)))]
    step = _round_step(span / target)
    if step is None:
        return None
    if whole:
        step = max(step, 1.0)
    start = math.floor(low / step) * step
    # Whole numbers' bins are labelled by the numbers in them ("10–19"), so the highest gets a bin of its own
    # past an edge; other bins are ranges, and the last holds its upper edge.
    count = int((high - start) // step) + 1 if whole else max(1, math.ceil((high - start) / step))
    if count > 3 * target:
        return None
    edges = [start + i * step for i in range(count + 1)]
    if any(b <= a for a, b in pairwise(edges)) or not all(map(math.isfinite, edges)):
        return None
    decimals = _decimals(step)
    if whole:
        return [Bin(a, b, _number(a, 0) + ("" if step == 1 else "–" + _number(b - 1, 0)))
                for a, b in pairwise(edges)]
    return [Bin(a, b, f"{_number(a, decimals)}–{_number(b, decimals)}") for a, b in pairwise(edges)]


def bin_counts(values: Sequence[float], bins: list[Bin]) -> list[int]:
    """How many of the sorted values fall in each bin; the first and last bins hold whatever lies past them (a
    value rounding put beside the edge it belongs inside)."""
    below = values.count_below if isinstance(values, CountedValues) else partial(bisect.bisect_left, values)
    cuts = [0, *(below(b.low) for b in bins[1:]), len(values)]
    return [b - a for a, b in pairwise(cuts)]


def quantile(values: Sequence[float], p: float) -> float:
    """The p-quantile of sorted values, linearly interpolated between the two nearest (numpy's default)."""
    position = p * (len(values) - 1)
    below = math.floor(position)
    a, b = values[below], values[min(below + 1, len(values) - 1)]
    fraction = position - below
    between = a + (b - a) * fraction
    if not math.isfinite(between):  # b - a past the largest double: half of it is not, nor is a step of it
        half = b / 2 - a / 2
        between = (a + half * fraction) + half * fraction
    return min(max(between, a), b)


def period_options(texts: Mapping[str, int]) -> list[list[tuple[str, int]]]:
    """Dates and date-times (ISO texts, or their first seven characters, with how many there are of each)
    counted per month, quarter, year, decade or century, finest first, each with every period from the first
    to the last listed, empty or not; none with more than MAX_PERIODS periods, but for the coarsest."""
    months: Counter[int] = Counter()
    for text, count in texts.items():
        if (match := _YEAR_MONTH.match(text)) and 1 <= int(match[2]) <= 12:
            months[int(match[1]) * 12 + int(match[2]) - 1] += count
    if not months:
        return []
    first, last = min(months), max(months)
    options = []
    for size, unit in MONTHS:
        if last // size - first // size < MAX_PERIODS or (size, unit) == MONTHS[-1]:
            options.append(_grouped(months, first, last, size, partial(_period_label, size=size, unit=unit)))
    return options


def hour_options(texts: Mapping[str, int]) -> list[list[tuple[str, int]]]:
    """Times of day (HH:MM, with how many there are of each) counted per hour, or per 2, 3 or 6 hours, finest
    first, from the earliest to the latest."""
    hours: Counter[int] = Counter()
    for text, count in texts.items():
        if (match := _HOUR.match(text)) and int(match[1]) < 24:
            hours[int(match[1])] += count
    if not hours:
        return []
    first, last = min(hours), max(hours)
    return [_grouped(hours, first, last, size, partial(_hours_label, size=size)) for size in HOURS]


def _grouped(counts: Counter[int], first: int, last: int, size: int,
             label: Callable[[int], str]) -> list[tuple[str, int]]:
    groups: Counter[int] = Counter()
    for index, count in counts.items():
        groups[index // size] += count
    return [(label(group), groups[group]) for group in range(first // size, last // size + 1)]


def _hours_label(index: int, size: int) -> str:
    return f"{index * size:02d}:00" if size == 1 else f"{index * size:02d}:00–{index * size + size - 1:02d}:59"


def _period_label(index: int, size: int, unit: str) -> str:
    if unit == "month":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if unit == "quarter":
        return f"{index // 4:04d} Q{index % 4 + 1}"
    year = index * size // 12
    return f"{year:04d}" if unit == "year" else f"{year:04d}s"


def _whole_range(low: float, high: float) -> list[float]:
    return [low + i for i in range(int(high - low) + 1)]


def _round_step(raw: float) -> float | None:
    """The smallest of 1, 2, 5 times a power of ten that is at least `raw`."""
    if not raw > 0 or not math.isfinite(raw):
        return None
    power = 10.0 ** math.floor(math.log10(raw))
    if power == 0:
        return None
    return next(step for step in (power, 2 * power, 5 * power, 10 * power) if step >= raw)


def _decimals(step: float) -> int:
    """Enough decimals to tell edges this far apart."""
    return max(0, -math.floor(math.log10(step))) if step < 1 else 0


def _number(value: float, decimals: int) -> str:
    return figure(round(value, decimals), decimals)


def figure(value: float, decimals: int = 2) -> str:
    """A number as a person reads it: thousands grouped, at most `decimals` decimals, trailing zeros dropped;
    very large or very small magnitudes in scientific notation."""
    if value == 0:
        return "0"
    if not 1e-4 <= abs(value) < 1e15:
        return f"{value:.4g}"
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
