"""The parsed form of an expression: its AST shapes, the functions it may call, and the AST printed back as source."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: Each function with the fewest and most arguments it takes (None: no limit), as an author reads it.
FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    "abs": (1, 1, "abs(x)"), "answered": (1, 1, "answered(x)"), "count": (1, 1, "count(x)"),
    "if": (3, 3, "if(condition, then, else)"), "max": (1, None, "max(x, …)"), "mean": (1, None, "mean(x, …)"),
    "min": (1, None, "min(x, …)"), "round": (2, 2, "round(x, places)"), "sum": (1, None, "sum(x, …)"),
    "today": (0, 0, "today()"), "years": (1, 1, "years(date)"),
}
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
ARITHMETIC = frozenset({"+", "-", "*", "/", "^"})
#: Binding strength of each operator, weakest first: what decides where the printer needs parentheses.
LEVEL = {"or": 1, "and": 2, "not": 3, "in": 4, **dict.fromkeys(COMPARISONS, 4), "+": 5, "-": 5,
         "*": 6, "/": 6, "neg": 7, "^": 8}
ATOM = 9
SAFE_INTEGER = 2**53 - 1  # as models.submission has it; not imported, to keep this package standalone


class ExpressionError(ValueError):
    """An expression that cannot be read; message is for the survey author, column is 1-based (or None)."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Expression:
    source: str
    tree: tuple
    names: frozenset[str]
    #: The tree compiled to closures on first evaluation (see evaluator.compiled).
    _compiled: Callable | None = field(default=None, init=False, repr=False, compare=False)

    def to_json(self) -> str:
        return json.dumps(self.tree, separators=(",", ":"))


def names_in(tree: tuple) -> frozenset[str]:
    found, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if node[0] == "name":
            found.add(node[1])
        elif node[0] in ("not", "neg"):
            stack.append(node[1])
        elif node[0] == "op":
            stack.extend(node[2:])
        elif node[0] == "call":
            stack.extend(node[2])
    return frozenset(found)


def depth_of(tree: tuple) -> int:
    """Nesting depth, found without recursion: it is what guards the recursive walks from a deep tree."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = {"not": node[1:], "neg": node[1:], "op": node[2:], "call": node[2] if node[0] == "call" else ()}
        stack.extend((child, depth + 1) for child in children.get(node[0], ()))
    return deepest


def literal_source(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")  # the grammar has no exponent: 1e-05 is written 0.00001
        return f"({text})" if value < 0 else text
    return f"({value})" if value < 0 else str(value)


def level_of(node: tuple) -> int:
    if node[0] == "op":
        return LEVEL[node[1]]
    return LEVEL[node[0]] if node[0] in ("not", "neg") else ATOM


def to_source(node: tuple, least: int = 0) -> str:
    """The tree as source with only the parentheses it needs: to_source(parse(s).tree) parses to the same tree."""
    kind = node[0]
    if kind == "lit":
        return literal_source(node[1])
    if kind == "name":
        return node[1]
    if kind == "call":
        return f"{node[1]}({', '.join(to_source(arg) for arg in node[2])})"
    if kind == "not":
        text = "not " + to_source(node[1], LEVEL["not"])
    elif kind == "neg":
        text = "-" + to_source(node[1], LEVEL["neg"])
    else:
        op, left, right = node[1:]
        level = LEVEL[op]
        if op == "^":  # right-associative, and its right side may be a negation: 2 ^ -1
            sides = (ATOM, LEVEL["neg"])
        elif op in COMPARISONS or op == "in":  # comparisons do not chain
            sides = (level + 1, level + 1)
        else:
            sides = (level, level + 1)
        text = f"{to_source(left, sides[0])} {op} {to_source(right, sides[1])}"
    return f"({text})" if level_of(node) < least else text
