"""The rules an expression runs by: null, numbers as JavaScript's doubles, comparisons by kind, the functions.

Every rule here has its twin in surveys/static/expressions.js; tests/data/expression_vectors.json holds them to it.
A whole result within ±SAFE_INTEGER is an int, an int past it becomes a float, and a result that is not a finite
number is null. Nothing raises at run time."""
from __future__ import annotations

import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from .tree import SAFE_INTEGER

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PLACES = [Decimal(1).scaleb(-n) for n in range(16)]
# Enough digits for any float below 2**52 (16 before the point) and 15 after it: quantize never runs short.
DECIMALS = Context(prec=50)
#: Past this exponent any base of 2 or more overflows a double: checked before Python builds the exact integer.
MAX_EXPONENT = 1100
NUMBER = (int, float)


def is_true(value: Any) -> bool:
    return value is True


def _number(value: Any) -> Any:
    """A whole float as an int and an int past the safe range as a float, as a JavaScript number reads."""
    if type(value) is int:
        if -SAFE_INTEGER <= value <= SAFE_INTEGER:
            return value
        try:
            return float(value)
        except OverflowError:
            return None
    if not math.isfinite(value):
        return None
    return int(value) if -SAFE_INTEGER <= value <= SAFE_INTEGER and value.is_integer() else value


def read(value: Any) -> Any:
    """A value from outside (an answer, a list item) in the evaluator's own terms."""
    kind = type(value)
    if kind is int or kind is float:
        return _number(value)
    if value is None or kind is str or kind is bool or kind is list:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, NUMBER):
        return _number(int(value) if isinstance(value, int) else float(value))
    if isinstance(value, str):
        return str(value)
    return list(value) if isinstance(value, tuple) else value  # anything else no operator accepts


def _is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float  # bool is a type of its own here


def _add(a, b):
    return _number(a + b) if _is_number(a) and _is_number(b) else None


def _sub(a, b):
    return _number(a - b) if _is_number(a) and _is_number(b) else None


def _mul(a, b):
    return _number(a * b) if _is_number(a) and _is_number(b) else None


def _div(a, b):
    if not (_is_number(a) and _is_number(b)) or b == 0:
        return None
    return _number(a / b)


def _pow(a, b):
    if not (_is_number(a) and _is_number(b)):
        return None
    if type(a) is int and type(b) is int and b >= 0:
        # Exact, as JavaScript's pow is for integers it can represent; the guard keeps 10^99999 from being built.
        return None if abs(a) > 1 and b > MAX_EXPONENT else _number(a**b)
    try:
        return _number(math.pow(a, b))
    except (OverflowError, ValueError):  # past a double, 0 to a negative power, a negative base to a fraction
        return None


def negate(a):
    return _number(-a) if _is_number(a) else None


def _same_kind(a, b) -> bool:
    return type(a) is type(b) and type(a) in (str, bool, int, float) or _is_number(a) and _is_number(b)


def _eq(a, b):
    return _same_kind(a, b) and a == b


def _ne(a, b):
    return _same_kind(a, b) and a != b


def _ordered(a, b) -> bool:
    # Text compares by code point in both languages (expressions.js walks code points, not UTF-16 units).
    return _is_number(a) and _is_number(b) or type(a) is str and type(b) is str


def _in(a, b):
    if a is None or type(b) is not list:
        return False
    return any(_eq(a, read(item)) for item in b)


BINARY = {
    "+": _add, "-": _sub, "*": _mul, "/": _div, "^": _pow, "==": _eq, "!=": _ne, "in": _in,
    "<": lambda a, b: _ordered(a, b) and a < b, "<=": lambda a, b: _ordered(a, b) and a <= b,
    ">": lambda a, b: _ordered(a, b) and a > b, ">=": lambda a, b: _ordered(a, b) and a >= b,
}


def _answered(x):
    return not (x is None or x == "" or x == [])


def _count(x):
    if x is None:
        return 0
    return len(x) if type(x) is list else None


def _numbers(values: tuple) -> list | None:
    """The values that are not null, or None if none is left or one is not a number."""
    present = [value for value in values if value is not None]
    return present if present and all(_is_number(value) for value in present) else None


def _sum(*values):
    present = _numbers(values)
    if present is None:
        return None
    total = present[0]
    for value in present[1:]:  # one addition at a time, rounding where JavaScript rounds
        total = _add(total, value)
    return total


def _mean(*values):
    present = _numbers(values)
    return None if present is None else _div(_sum(*present), len(present))


def _min(*values):
    present = _numbers(values)
    return None if present is None else min(present)


def _max(*values):
    present = _numbers(values)
    return None if present is None else max(present)


def _round(x, places):
    if not _is_number(x) or type(places) is not int or not 0 <= places <= 15:
        return None
    if type(x) is int or abs(x) >= 2**52:  # already whole
        return x
    # Half away from zero on the exact binary value, as JavaScript's toFixed rounds: 1.005 is 1.00499999…
    rounded = float(Decimal(abs(x)).quantize(PLACES[places], rounding=ROUND_HALF_UP, context=DECIMALS))
    return _number(-rounded if x < 0 else rounded)


def _abs(x):
    return _number(abs(x)) if _is_number(x) else None


def years(text, today: date):
    if type(text) is not str or not ISO_DATE.fullmatch(text):
        return None
    try:
        born = date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return None
    # As an age is counted: one born on 29 February turns a year older on 1 March in a common year.
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


CALLS = {"answered": _answered, "count": _count, "sum": _sum, "mean": _mean, "min": _min, "max": _max,
         "round": _round, "abs": _abs}
