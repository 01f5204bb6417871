"""Checking an expression against a survey's fields: the kind it gives, and what an author should fix."""
from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from typing import Any

from .tree import ARITHMETIC, Expression, literal_source, to_source


class Kind(enum.StrEnum):
    NUMBER = "number"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"
    LIST = "list"
    ANY = "any"


WORDS = {Kind.NUMBER: "a number", Kind.TEXT: "text", Kind.BOOLEAN: "true or false", Kind.DATE: "a date",
         Kind.TIME: "a time", Kind.DATETIME: "a date and time", Kind.LIST: "a list", Kind.ANY: "anything"}
#: Kinds held as ISO text, which compare correctly as text; a time of day does not compare with a date.
COMPARABLE = {frozenset({Kind.TEXT, Kind.DATE}), frozenset({Kind.TEXT, Kind.TIME}),
              frozenset({Kind.TEXT, Kind.DATETIME}), frozenset({Kind.DATE, Kind.DATETIME})}
NUMERIC = {"abs": Kind.NUMBER, "max": Kind.NUMBER, "mean": Kind.NUMBER, "min": Kind.NUMBER, "sum": Kind.NUMBER}
LITERAL_KINDS = {bool: Kind.BOOLEAN, int: Kind.NUMBER, float: Kind.NUMBER, str: Kind.TEXT}
UNORDERED = {Kind.BOOLEAN, Kind.LIST}
SHOWN_CHOICES = 10


def _is_null(node: tuple) -> bool:
    return node == ("lit", None)


class _Checker:
    def __init__(self, kinds: Mapping[str, Any], choices: Mapping[str, tuple]):
        self.kinds, self.choices = kinds, choices
        self.problems: list[str] = []

    def add(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def need(self, node: tuple, kind: Kind, allowed: tuple[Kind, ...], what: str) -> None:
        """`what` needs one of `allowed` (or anything: a null, an unknown kind); say so if node is something else."""
        if kind is not Kind.ANY and kind not in allowed and not _is_null(node):
            self.add(f"{what}, but '{to_source(node)}' is {WORDS[kind]}")

    def kind(self, node: tuple) -> Kind:
        tag = node[0]
        if tag == "lit":
            return Kind.ANY if node[1] is None else LITERAL_KINDS[type(node[1])]
        if tag == "name":
            if node[1] not in self.kinds:
                close = difflib.get_close_matches(node[1], list(self.kinds), n=1)
                self.add(f"unknown name '{node[1]}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
                return Kind.ANY
            return Kind(self.kinds[node[1]])
        if tag == "not":
            self.need(node[1], self.kind(node[1]), (Kind.BOOLEAN,), "'not' needs true or false")
            return Kind.BOOLEAN
        if tag == "neg":
            self.need(node[1], self.kind(node[1]), (Kind.NUMBER,), "'-' needs a number")
            return Kind.NUMBER
        if tag == "op":
            return self.operator(*node[1:])
        return self.call(node[1], node[2])

    def operator(self, op: str, left: tuple, right: tuple) -> Kind:
        kinds = self.kind(left), self.kind(right)
        if op in ("and", "or"):
            for side, kind in zip((left, right), kinds):
                self.need(side, kind, (Kind.BOOLEAN,), f"'{op}' needs true or false on both sides")
            return Kind.BOOLEAN
        if op in ARITHMETIC:
            for side, kind in zip((left, right), kinds):
                self.need(side, kind, (Kind.NUMBER,), f"'{op}' needs numbers")
            return Kind.NUMBER
        source = to_source(("op", op, left, right))
        if _is_null(left) or _is_null(right):
            # Always false, whatever was answered: the author almost surely means answered(x).
            self.add(f"{source} is always false, as any comparison with null is: use answered() to ask "
                     "whether a question was answered")
            return Kind.BOOLEAN
        if op == "in":
            self.need(right, kinds[1], (Kind.LIST,), "'in' needs a list on its right")
            if kinds[0] is Kind.LIST:
                self.add(f"'in' looks for one value in a list, but '{to_source(left)}' is a list itself")
            self.choice(right, left)
            return Kind.BOOLEAN
        if op in ("==", "!=") and (self.choice(left, right) or self.choice(right, left)):
            return Kind.BOOLEAN  # said more helpfully than a mismatch of kinds
        if Kind.ANY not in kinds and kinds[0] != kinds[1] and frozenset(kinds) not in COMPARABLE:
            self.add(f"{source} compares {WORDS[kinds[0]]} with {WORDS[kinds[1]]}")
        elif op not in ("==", "!=") and UNORDERED & set(kinds):
            unordered = kinds[0] if kinds[0] in UNORDERED else kinds[1]
            self.add(f"'{op}' cannot put {WORDS[unordered]} in order: {source}")
        elif Kind.LIST in kinds:
            self.add(f"{source} compares lists, which are never equal: use 'in' or count()")
        return Kind.BOOLEAN

    def choice(self, name: tuple, literal: tuple) -> bool:
        """A literal compared with (or looked for in) a field with choices must be one of them, type and all."""
        if name[0] != "name" or literal[0] != "lit" or name[1] not in self.choices:
            return False
        options = tuple(self.choices[name[1]] or ())
        if options and not any(type(literal[1]) is type(option) and literal[1] == option for option in options):
            shown = ", ".join(str(option) for option in options[:SHOWN_CHOICES])
            more = ", …" if len(options) > SHOWN_CHOICES else ""
            hint = f": choices are text, write '{literal[1]}'" if str(literal[1]) in options else ""
            self.add(f"{literal_source(literal[1])} is not one of {name[1]}'s choices ({shown}{more}){hint}")
            return True
        return False

    def call(self, function: str, args: tuple) -> Kind:
        kinds = [self.kind(arg) for arg in args]
        if function in NUMERIC:
            for arg, kind in zip(args, kinds):
                self.need(arg, kind, (Kind.NUMBER,), f"{function}() needs numbers")
            return NUMERIC[function]
        if function == "round":
            self.need(args[0], kinds[0], (Kind.NUMBER,), "round() needs a number")
            places = args[1]
            if places[0] == "lit" and not (type(places[1]) is int and 0 <= places[1] <= 15):
                self.add(f"round() needs a whole number of decimal places from 0 to 15, not {to_source(places)}")
            else:
                self.need(places, kinds[1], (Kind.NUMBER,), "round() needs a number of decimal places")
            return Kind.NUMBER
        if function == "count":
            self.need(args[0], kinds[0], (Kind.LIST,), "count() needs a list (a multiple-choice question)")
            return Kind.NUMBER
        if function == "years":
            self.need(args[0], kinds[0], (Kind.DATE, Kind.TEXT, Kind.DATETIME), "years() needs a date")
            return Kind.NUMBER
        if function == "if":
            self.need(args[0], kinds[0], (Kind.BOOLEAN,), "if() needs true or false as its condition")
            return self.either(args[1:], kinds[1:])
        return {"answered": Kind.BOOLEAN, "today": Kind.DATE}[function]

    @staticmethod
    def either(branches: tuple, kinds: list[Kind]) -> Kind:
        """The kind if() gives: its branches' kind when they agree (a null branch agrees with anything)."""
        known = {kind for branch, kind in zip(branches, kinds) if not _is_null(branch)}
        return known.pop() if len(known) == 1 else Kind.ANY


def check(expr: Expression, kinds: Mapping[str, Kind], choices: Mapping[str, tuple]) -> tuple[Kind, list[str]]:
    """The kind expr gives and its problems, each a plain sentence; kinds and choices are by field name."""
    checker = _Checker(kinds, choices)
    kind = checker.kind(expr.tree)
    return kind, checker.problems
