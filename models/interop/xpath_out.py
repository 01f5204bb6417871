"""Our expressions written as XLSForm XPath for the export: exactly, or an XPathError saying why it cannot be."""
from __future__ import annotations

from typing import Any, Mapping

from ..expressions.tree import literal_source
from .idioms import expand, guarded_extreme
from .xpath import Answer, XPathError

#: XPath's binding strength, weakest first: where the writer needs parentheses.
LEVEL = {"or": 1, "and": 2, "==": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6}
NEG, ATOM = 7, 8
WHY_NOT = {
    "min": "min() skips unanswered questions here, where ODK's min() gives nothing if one is missing",
    "max": "max() skips unanswered questions here, where ODK's max() gives nothing if one is missing",
    "years": "years() has no XPath counterpart",
}


def write_xpath(tree: tuple, answers: Mapping[str, Answer], *, condition: bool) -> str:
    """Our tree (a show_if if `condition`, else a formula) → XPath; `answers` by our name."""
    return _Writer(answers).write(expand(tree), condition)[0]


def quote(text: str) -> str:
    """A string literal: XPath 1.0 has no escapes, so text holding both quotes is joined with concat()."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = []
    for index, piece in enumerate(text.split("'")):
        if index:
            parts.append('"\'"')
        if piece:
            parts.append(f"'{piece}'")
    return f"concat({', '.join(parts)})"


def code_of(answer: Answer | None, value: Any) -> str | None:
    """The XPath text of a coded value (True → 'true', 1 → '1'), or None if the answer has no such code."""
    for text, coded in (answer.values.items() if answer else ()):
        if type(coded) is type(value) and coded == value:
            return text
    return None


class _Writer:
    def __init__(self, answers: Mapping[str, Answer]):
        self.answers = answers

    def text(self, node: tuple, least: int, condition: bool = False) -> str:
        text, level = self.write(node, condition)
        return f"({text})" if level < least else text

    def write(self, node: tuple, condition: bool = False) -> tuple[str, int]:
        if extreme := guarded_extreme(node):
            return f"{extreme[0]}({', '.join(self.text(arg, 0) for arg in extreme[1])})", ATOM
        tag = node[0]
        if tag == "lit":
            return self.literal(node[1])
        if tag == "name":
            return self.name(node[1], condition)
        if tag == "not":
            return self.negation(node[1])
        if tag == "neg":
            return "-" + self.text(node[1], NEG), NEG
        if tag == "call":
            return self.call(node[1], node[2], condition)
        op, left, right = node[1:]
        if op in ("and", "or"):
            return f"{self.text(left, LEVEL[op], True)} {op} {self.text(right, LEVEL[op] + 1, True)}", LEVEL[op]
        if op == "in":
            if right[0] != "name":
                raise XPathError("uses 'in' on something other than a multiple-choice question")
            return f"selected(${{{right[1]}}}, {self.side(left, right, 0)})", ATOM
        if op == "^":
            return f"pow({self.text(left, 0)}, {self.text(right, 0)})", ATOM
        level = LEVEL[op]
        if level in (3, 4):  # comparisons do not chain in ours: parenthesise one inside another
            return f"{self.side(left, right, level + 1)} {'=' if op == '==' else op} " \
                   f"{self.side(right, left, level + 1)}", level
        return f"{self.text(left, level)} {'div' if op == '/' else op} {self.text(right, level + 1)}", level

    def negation(self, node: tuple) -> tuple[str, int]:
        # XPath's != is the negation of = for single values (NaN and '' included), so not (a == b) reads as a != b.
        if node[0] == "op" and node[1] == "==":
            left, right = self.side(node[2], node[3], LEVEL["<"]), self.side(node[3], node[2], LEVEL["<"])
            return f"{left} != {right}", LEVEL["=="]
        if node[0] == "call" and node[1] == "answered" and node[2][0][0] == "name":
            return f"${{{node[2][0][1]}}} = ''", LEVEL["=="]
        return f"not({self.text(node, 0, True)})", ATOM

    def literal(self, value: Any) -> tuple[str, int]:
        if value is None:
            return "''", ATOM  # XPath's "no value"
        if isinstance(value, bool):
            return ("true()" if value else "false()"), ATOM
        if isinstance(value, str):
            return quote(value), ATOM
        if value < 0:
            return "-" + literal_source(-value), NEG
        return literal_source(value), ATOM

    def name(self, name: str, condition: bool) -> tuple[str, int]:
        if not condition:
            return f"${{{name}}}", ATOM
        answer = self.answers.get(name)
        # ODK reads a bare answer as "answered", whatever it is: a yes/no is compared with its code instead.
        if answer is not None and answer.kind == "boolean":
            return f"${{{name}}} = {quote(code_of(answer, True))}", LEVEL["=="]
        raise XPathError(f"uses {name}, which is not true or false, as a condition")

    def side(self, node: tuple, other: tuple, least: int) -> str:
        """One side of a comparison; a value compared with a coded answer is written as its code."""
        if node[0] == "lit" and other[0] == "name":
            code = code_of(self.answers.get(other[1]), node[1])
            if code is not None:
                return quote(code)
        return self.text(node, least)

    def call(self, function: str, args: tuple, condition: bool) -> tuple[str, int]:
        if function in ("answered", "count"):
            if args[0][0] != "name":
                raise XPathError(f"uses {function}() on something other than a question")
            if function == "count":
                return f"count-selected(${{{args[0][1]}}})", ATOM
            return f"${{{args[0][1]}}} != ''", LEVEL["=="]
        if function == "if" and args[0] == ("call", "answered", (args[1],)) and args[1][0] == "name":
            return f"coalesce(${{{args[1][1]}}}, {self.text(args[2], 0, condition)})", ATOM
        if function == "if":
            return f"if({self.text(args[0], 0, True)}, {self.text(args[1], 0, condition)}, " \
                   f"{self.text(args[2], 0, condition)})", ATOM
        if function in ("round", "abs", "today"):
            return f"{function}({', '.join(self.text(arg, 0) for arg in args)})", ATOM
        raise XPathError(WHY_NOT.get(function, f"{function}() has no XPath counterpart"))
