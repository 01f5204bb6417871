"""XLSForm constraints ↔ our min, max and pattern: the bounds (`. >= 0 and . <= 120`) and `regex(., '…')` forms,
both ways; any other constraint is an XPathError, since a rule the service would not enforce cannot be imported."""
from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from ..expressions.tree import literal_source
from ..submission import pattern_problem
from .xpath import FLIP, XPathError, parse_xpath
from .xpath_out import quote

BOUNDED = ("integer", "number", "date")
SHAPES = "only bounds (like . >= 0 and . <= 120) and regex(., '…') can be imported"


def read_constraint(text: str, ftype: str) -> dict[str, Any]:
    """A constraint → {"min": …, "max": …, "pattern": …} for a field of our type `ftype`, or XPathError."""
    tree = parse_xpath(text)
    parts: list[tuple] = []
    while tree[0] == "op" and tree[1] == "and":
        parts.insert(0, tree[3])
        tree = tree[2]
    parts.insert(0, tree)
    found: dict[str, Any] = {}
    for part in parts:
        if part[0] == "call" and part[1] == "regex" and len(part[2]) == 2 and part[2][0] == ("dot",):
            found["pattern"] = full_match(_text(part[2][1]))
            continue
        if part[0] != "op" or part[1] not in FLIP or ("dot",) not in part[2:]:
            raise XPathError(f"is not a bound or a pattern: {SHAPES}")
        op, value = (part[1], part[3]) if part[2] == ("dot",) else (FLIP[part[1]], part[2])
        if op in ("=", "!="):
            raise XPathError(f"uses {op} on the answer: {SHAPES}")
        if ftype not in BOUNDED:
            raise XPathError("bounds an answer that is not a number or a date")
        key, bound = _bound(op, _constant(value, ftype), ftype)
        # Two bounds on one side (. >= 0 and . >= 5): the stricter one holds.
        if key in found:
            bound = max(found[key], bound) if key == "min" else min(found[key], bound)
        found[key] = bound
    return found


def _text(node: tuple) -> str:
    """A string literal, or concat() of them (how a pattern holding both quotes is written)."""
    if node[0] == "str":
        return node[1]
    if node[0] == "call" and node[1] == "concat" and all(arg[0] == "str" for arg in node[2]):
        return "".join(arg[1] for arg in node[2])
    raise XPathError("uses regex() with a pattern that is not written out as text")


def _constant(node: tuple, ftype: str) -> Any:
    if ftype == "date":
        if node[0] == "call" and node[1] == "date" and len(node[2]) == 1:
            node = node[2][0]
        if node[0] == "str":
            try:
                return date.fromisoformat(node[1])
            except ValueError:
                pass
        raise XPathError("bounds a date with something other than a date written as date('YYYY-MM-DD')")
    sign = 1
    while node[0] == "neg":
        sign, node = -sign, node[1]
    if node[0] != "num":
        raise XPathError(f"bounds the answer with something other than a number: {SHAPES}")
    return sign * node[1]


def _bound(op: str, value: Any, ftype: str) -> tuple[str, Any]:
    key = "min" if op in (">", ">=") else "max"
    strict = op in (">", "<")
    if ftype == "date":
        step = timedelta(days=1 if key == "min" else -1)
        return key, (value + step if strict else value).isoformat()
    if ftype == "integer":
        # Only whole answers are possible, so a strict or fractional bound has an exact whole counterpart.
        whole = math.floor(value) + 1 if strict and key == "min" else math.ceil(value) - 1 if strict else \
            math.ceil(value) if key == "min" else math.floor(value)
        return key, whole
    if strict:
        raise XPathError(f"uses {op}, which leaves out the bound itself; bounds here include it: write {op}=")
    return key, value


def full_match(pattern: str) -> str:
    """ODK's regex() looks for the pattern anywhere in the answer; ours must match the whole answer."""
    if pattern.startswith("^(?:") and pattern.endswith(")$") and not pattern_problem(pattern[4:-2]):
        return pattern[4:-2]  # how the export writes a pattern it had to anchor
    if _anchored(pattern):
        return pattern
    return f"[\\s\\S]*(?:{pattern})[\\s\\S]*"


def _anchored(pattern: str) -> bool:
    """Starts with ^ and ends with an unescaped $, with no | outside brackets: matching anywhere is matching all."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return False
    depth, in_class, index = 0, False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index == len(pattern) - 2:
                return False  # the final $ is escaped
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1:index + 2] == "]":
                index += 1  # []…] holds a ]
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            return False
        index += 1
    return True


def write_constraint(low: Any, high: Any, pattern: str | None, ftype: str) -> str | None:
    """Our bounds or pattern as an XLSForm constraint (None if there are none)."""
    parts = []
    for op, bound in ((">=", low), ("<=", high)):
        if bound is None:
            continue
        if ftype == "date":
            parts.append(f". {op} date({quote(bound)})")
        elif ftype in ("integer", "number"):
            parts.append(f". {op} {_number(bound)}")
        else:
            raise XPathError(f"bounds on a {ftype} answer have no reliable XPath counterpart")
    if pattern is not None:
        parts.append(f"regex(., {quote(pattern if _anchored(pattern) else f'^(?:{pattern})$')})")
    return " and ".join(parts) or None


def _number(value: int | float) -> str:
    return "-" + literal_source(-value) if value < 0 else literal_source(value)
