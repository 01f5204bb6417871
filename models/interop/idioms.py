"""The XPath idioms for what XPath cannot say in one word (our != and sum() with unanswered questions), as trees of
our own language: expand() spells them out before writing XPath, fold() finds them again when reading it back.

Each idiom is an identity of our language, whoever wrote it: `not (x == 'a') and answered(x)` is `x != 'a'`, and
`if(not answered(a) and not answered(b), null, if(answered(a), a, 0) + if(answered(b), b, 0))` is `sum(a, b)`."""
from __future__ import annotations

from ..expressions import to_source
from .xpath import XPathError

NEVER_NULL_CALLS = frozenset({"answered", "count", "today"})
BOOLEAN_OPS = frozenset({"and", "or", "in", "==", "!=", "<", "<=", ">", ">="})


def _answered(node: tuple) -> tuple:
    return ("call", "answered", (node,))


def _conjunction(parts: list[tuple]) -> tuple:
    tree = parts[0]
    for part in parts[1:]:
        tree = ("op", "and", tree, part)
    return tree


def _total(parts: list[tuple]) -> tuple:
    tree = parts[0]
    for part in parts[1:]:
        tree = ("op", "+", tree, part)
    return tree


def _conjuncts(node: tuple) -> list[tuple]:
    parts = []
    while node[0] == "op" and node[1] == "and":
        parts.append(node[3])
        node = node[2]
    return [node] + parts[::-1]


def never_null(node: tuple) -> bool:
    if node[0] == "lit":
        return node[1] is not None
    if node[0] == "call":
        return node[1] in NEVER_NULL_CALLS
    return node[0] == "not" or node[0] == "op" and node[1] in BOOLEAN_OPS


def _children(node: tuple, change) -> tuple:
    if node[0] in ("not", "neg"):
        return (node[0], change(node[1]))
    if node[0] == "op":
        return ("op", node[1], change(node[2]), change(node[3]))
    if node[0] == "call":
        return ("call", node[1], tuple(change(arg) for arg in node[2]))
    return node


def _sum_parts(names: tuple) -> tuple[tuple, tuple, tuple]:
    """For sum(a, b) or mean(a, b): none answered; the answers with 0 for a missing one; how many were answered."""
    nobody = _conjunction([("not", _answered(name)) for name in names])
    total = _total([("call", "if", (_answered(name), name, ("lit", 0))) for name in names])
    count = _total([("call", "if", (_answered(name), ("lit", 1), ("lit", 0))) for name in names])
    return nobody, total, count


def expand(node: tuple) -> tuple:
    """Our tree with != and sum()/mean() spelled out as XPath can say them exactly; XPathError where it cannot."""
    node = _children(node, expand)
    if node[0] == "op" and node[1] == "!=":
        guards = []
        for side in node[2:]:
            if side[0] == "name":
                guards.append(_answered(side))
            elif not never_null(side):
                raise XPathError(f"compares {_shown(side)} with !=, and it may have no value, which ODK counts "
                                 "as different from everything: write not (… == …) or test it with answered()")
        return _conjunction([("not", ("op", "==", node[2], node[3]))] + guards)
    if node[0] == "call" and node[1] in ("sum", "mean"):
        if not all(arg[0] == "name" for arg in node[2]):
            raise XPathError(f"{node[1]}() of something other than questions has no exact XPath: "
                             "compute the parts as calculated fields first")
        nobody, total, count = _sum_parts(node[2])
        body = total if node[1] == "sum" else ("op", "/", total, count)
        return ("call", "if", (nobody, ("lit", None), body))
    return node


def fold(node: tuple) -> tuple:
    """The idioms expand() writes, found again (bottom-up), so a survey comes back as it left."""
    node = _children(node, fold)
    if node[0] == "op" and node[1] == "and":
        parts = _conjuncts(node)
        first = parts[0]
        if first[0] == "not" and first[1][0] == "op" and first[1][1] == "==":
            sides = first[1][2:]
            names = [side for side in sides if side[0] == "name"]
            others_known = all(side[0] == "name" or side[0] == "lit" and side[1] is not None for side in sides)
            if names and others_known and parts[1:] == [_answered(name) for name in names]:
                return ("op", "!=", *sides)
    if node[0] == "call" and node[1] == "if" and node[2][1] == ("lit", None):
        names = tuple(part[1][2][0] for part in _conjuncts(node[2][0])
                      if part[0] == "not" and part[1][0] == "call" and part[1][1] == "answered"
                      and part[1][2][0][0] == "name")
        if names and _conjunction([("not", _answered(name)) for name in names]) == node[2][0]:
            _, total, count = _sum_parts(names)
            if node[2][2] == total:
                return ("call", "sum", names)
            if node[2][2] == ("op", "/", total, count):
                return ("call", "mean", names)
    return node


def guarded_extreme(node: tuple) -> tuple | None:
    """`if(answered(a) and answered(b), max(a, b), null)`, as ODK's max(a, b) reads (nothing if any is missing):
    the function and its arguments, else None."""
    if node[0] != "call" or node[1] != "if" or node[2][2] != ("lit", None):
        return None
    condition, value = node[2][0], node[2][1]
    if value[0] == "call" and value[1] in ("min", "max") and \
            condition == _conjunction([_answered(arg) for arg in value[2]]):
        return value[1], value[2]
    return None


def _shown(node: tuple) -> str:
    return f"'{to_source(node)}'"
