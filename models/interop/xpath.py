"""XLSForm's XPath: its grammar, parsed to a tree of tuples, and how a question's answer reads in it."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Mapping

from lark import Lark, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..expressions.grammar import MAX_DEPTH
from ..expressions.tree import SAFE_INTEGER, depth_of

# XPath 1.0 as XLSForms write it. The contextual lexer reads `and`, `div`, `mod` as operators only where an
# operator can stand, as XPath does; elsewhere they are names (which, like every path, we refuse).
GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | or_expr "or" and_expr -> or_
?and_expr: eq_expr | and_expr "and" eq_expr -> and_
?eq_expr: rel_expr | eq_expr EQ rel_expr -> binary
?rel_expr: add_expr | rel_expr REL add_expr -> binary
?add_expr: mul_expr | add_expr ADD mul_expr -> binary
?mul_expr: unary | mul_expr MUL unary -> binary
?unary: union | "-" unary -> neg
?union: primary | union "|" primary -> union
?primary: REF -> ref
     | "." -> dot
     | NUMBER -> number
     | STRING -> string
     | NAME "(" [arguments] ")" -> call
     | NAME -> path
     | PATH -> path
     | "(" or_expr ")"
arguments: or_expr ("," or_expr)*
EQ: "=" | "!="
REL: "<=" | ">=" | "<" | ">"
ADD: "+" | "-"
MUL: "*" | "div" | "mod"
REF: /\$\{[^}]*\}/
NUMBER: /[0-9]+(\.[0-9]*)?|\.[0-9]+/
STRING: /'[^']*'/ | /"[^"]*"/
NAME: /[A-Za-z_][\w.:-]*/
PATH: /\.\.(\/[\w.:@-]+)*|\.?\/[\w.:@\/-]*/
%ignore /\s+/
"""
FLIP = {"=": "=", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
class XPathError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Answer:
    """How one question's answer reads in XPath: our name for it, its kind, and the text of each coded value."""
    name: str
    #: text | number | date | time | datetime | choice | multi | boolean | note | left_out
    kind: str = "text"
    #: For coded answers: each value as XPath writes it ('1', 'true') → the value here (1, True).
    values: Mapping[str, Any] = field(default_factory=dict)
    #: Why a question was left out of the import.
    reason: str = ""


class _ToTuples(Transformer):
    def or_(self, c):
        return ("op", "or", c[0], c[1])

    def and_(self, c):
        return ("op", "and", c[0], c[1])

    def binary(self, c):
        return ("op", str(c[1]), c[0], c[2])

    def union(self, c):
        return ("op", "|", c[0], c[1])

    def neg(self, c):
        return ("neg", c[0])

    def ref(self, c):
        return ("ref", c[0][2:-1].strip())

    def dot(self, c):
        return ("dot",)

    def number(self, c):
        return ("num", number(str(c[0])))

    def string(self, c):
        return ("str", str(c[0])[1:-1])

    def path(self, c):
        return ("path", str(c[0]))

    def arguments(self, c):
        return tuple(c)

    def call(self, c):
        return ("call", str(c[0]), c[1] or ())


def number(text: str) -> int | float:
    """As our parser reads a number: whole within the safe range → int, else float; XPathError past a double."""
    if "." not in text and len(text) <= 16 and abs(int(text)) <= SAFE_INTEGER:
        return int(text)
    value = float(text)
    if math.isinf(value):
        raise XPathError(f"has the number {text[:20]}…, too large to hold")
    return int(value) if value.is_integer() and abs(value) <= SAFE_INTEGER else value


@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", transformer=_ToTuples(), maybe_placeholders=True)


def parse_xpath(text: str) -> tuple:
    """XPath text → a tree of tuples: ("num", v) ("str", s) ("ref", name) ("dot",) ("path", p) ("op", op, a, b)
    ("neg", a) ("call", function, args)."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise XPathError(_syntax(text, exc)) from None
    if depth_of(tree) > MAX_DEPTH:  # what reads the tree recurses; our own expressions have the same limit
        raise XPathError("is nested too deeply")
    return tree


def _syntax(text: str, exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream]
        hint = ": write straight quotes (' or \")" if char in "‘’“”" else ""
        if char in "'\"":
            hint = ": this quote is never closed"
        return f"cannot be read: unexpected {char!r} at column {exc.pos_in_stream + 1}{hint}"
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        return f"cannot be read: unexpected {str(exc.token)!r} at column {exc.token.start_pos + 1}"
    return "cannot be read: it ends too early"
