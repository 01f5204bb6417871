"""Running an expression: its tree compiled once to closures over the rules, then called per submission."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from .rules import BINARY, CALLS, negate, read, years
from .tree import Expression

Run = Callable[[Mapping[str, Any], date], Any]


def _compile(node: tuple) -> Run:
    kind = node[0]
    if kind == "lit":
        value = read(node[1])
        return lambda values, today: value
    if kind == "name":
        name = node[1]
        return lambda values, today: read(values.get(name))
    if kind == "not":
        operand = _compile(node[1])
        return lambda values, today: operand(values, today) is not True
    if kind == "neg":
        operand = _compile(node[1])
        return lambda values, today: negate(operand(values, today))
    if kind == "op":
        op, left, right = node[1], _compile(node[2]), _compile(node[3])
        if op == "and":
            return lambda values, today: left(values, today) is True and right(values, today) is True
        if op == "or":
            return lambda values, today: left(values, today) is True or right(values, today) is True
        apply = BINARY[op]
        return lambda values, today: apply(left(values, today), right(values, today))
    return _compile_call(node[1], [_compile(arg) for arg in node[2]])


def _compile_call(function: str, args: list[Run]) -> Run:
    if function == "if":
        condition, then, otherwise = args
        return lambda values, today: (then if condition(values, today) is True else otherwise)(values, today)
    if function == "today":
        return lambda values, today: today.isoformat()
    if function == "years":
        (birth,) = args
        return lambda values, today: years(birth(values, today), today)
    apply = CALLS[function]
    if len(args) == 1:
        (only,) = args
        return lambda values, today: apply(only(values, today))
    return lambda values, today: apply(*[arg(values, today) for arg in args])


def compiled(expr: Expression) -> Run:
    run = expr._compiled
    if run is None:
        run = _compile(expr.tree)
        object.__setattr__(expr, "_compiled", run)  # a cache on a frozen instance: the tree it derives from is fixed
    return run


def evaluate(expr: Expression, values: Mapping[str, Any], today: date) -> Any:
    """The value of expr for these answers (a missing name is null), on this day."""
    if isinstance(today, datetime):
        today = today.date()
    return compiled(expr)(values, today)
