"""REDCap's logic syntax (branching logic, calc formulas) read into a tree: its tokens, a small parser, and a
node shown back as REDCap writes it, for messages."""
from __future__ import annotations

import re

from ..expressions.tree import SAFE_INTEGER


class LogicError(ValueError):
    """A construct that has no exact equivalent here (or is not REDCap's syntax); the message names it."""


_TOKEN = re.compile(r"""(?P<ws>\s+)|(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)
    |(?P<str>'[^']*'|"[^"]*"|\u2018[^\u2019]*\u2019|\u201c[^\u201d]*\u201d)|(?P<ref>\[[^\[\]]*\])
    |(?P<op><>|!=|<=|>=|==|=|<|>|\+|-|\*|/|\^|\(|\)|,)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)""", re.X)
_FIELD = re.compile(r"([a-z][a-z0-9_]*)(?:\(([^()]+)\))?")
_WRITTEN = {"==": "=", "!=": "<>"}
_COMPARE = {"=": "==", "==": "==", "<>": "!=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def parse_redcap(text: str) -> tuple:
    """REDCap logic → its tree; comment lines (# or //) are left out, as REDCap leaves them."""
    # split at line feeds only: splitlines() would also split inside text at U+0085 or U+2028
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(("#", "//"))]
    return _Parser(_tokens("\n".join(lines))).whole()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            what = "an action tag or smart variable" if char == "@" else f"'{char}'"
            hint = {"&": ": write and", "|": ": write or", "!": ": REDCap has no 'not'"}.get(char, "")
            raise LogicError(f"has {what} at column {position + 1}, which it cannot read{hint}")
        if match.lastgroup != "ws":
            tokens.append((match.lastgroup, match.group()))
        position = match.end()
    return tokens


class _Parser:
    """REDCap's syntax as a tree: ("num", v, text), ("str", text), ("field", name), ("box", name, code),
    ("cmp", op, a, b), ("bool", op, a, b), ("arith", op, a, b), ("neg", a), ("call", name, args)."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.index = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        kind, value = self.take()
        if value != text:
            found = "the end" if kind == "end" else f"'{value}'"
            raise LogicError(f"expects '{text}' but finds {found}")

    def whole(self) -> tuple:
        if not self.tokens:
            raise LogicError("is empty")
        tree = self.boolean()
        kind, value = self.peek()
        if kind != "end":
            raise LogicError(f"has '{value}' where an operator or the end was expected")
        return tree

    def boolean(self, op: str = "or") -> tuple:
        operand = (lambda: self.boolean("and")) if op == "or" else self.comparison
        tree = operand()
        while self.peek()[0] == "word" and self.peek()[1].lower() == op:
            self.take()
            tree = ("bool", op, tree, operand())
        return tree

    def comparison(self) -> tuple:
        tree = self.arith(("+", "-"))
        if self.peek()[1] in _COMPARE:
            op = self.take()[1]
            tree = ("cmp", _COMPARE[op], tree, self.arith(("+", "-")))
            if self.peek()[1] in _COMPARE:
                raise LogicError(f"chains comparisons ('{self.peek()[1]}' after '{op}'): write a < b and b < c")
        return tree

    def arith(self, ops: tuple[str, ...]) -> tuple:
        operand = (lambda: self.arith(("*", "/"))) if ops == ("+", "-") else self.unary
        tree = operand()
        while self.peek() in (("op", op) for op in ops):
            tree = ("arith", self.take()[1], tree, operand())
        return tree

    def unary(self) -> tuple:
        if self.peek() == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        base = self.atom()
        if self.peek() == ("op", "^"):
            self.take()
            negative = self.peek() == ("op", "-")
            if negative:
                self.take()
            exponent = ("neg", self.atom()) if negative else self.atom()
            if self.peek() == ("op", "^"):  # REDCap does not say which way a^b^c groups
                raise LogicError("chains powers (a^b^c): add parentheses to say which comes first")
            return ("arith", "^", base, exponent)
        return base

    def atom(self) -> tuple:
        kind, value = self.take()
        if kind == "num":
            return ("num", number(value), value)
        if kind == "str":
            return ("str", value[1:-1])
        if kind == "ref":
            if self.peek()[0] == "ref":
                raise LogicError(f"reads {value}{self.peek()[1]}: a field of another event or instance "
                                 "(longitudinal or repeating syntax)")
            return _reference(value)
        if value == "(":
            tree = self.boolean()
            self.expect(")")
            return tree
        if kind == "word" and self.peek() == ("op", "("):
            self.take()
            args = [] if self.peek() == ("op", ")") else [self.boolean()]
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.boolean())
            self.expect(")")
            return ("call", value.lower(), tuple(args))
        found = "the end" if kind == "end" else f"'{value}'"
        raise LogicError(f"has {found} where a value was expected")


def number(text: str) -> int | float:
    """As our grammar reads a number (models/expressions/grammar.py): whole past SAFE_INTEGER becomes a float."""
    value = float(text) if "." in text or len(text) > 20 else int(text)  # int() refuses past 4300 digits
    if isinstance(value, int) and value > SAFE_INTEGER:
        value = float(text)
    if value == float("inf"):
        raise LogicError(f"has the number {text[:20]}…, too large to be a number")
    return int(value) if isinstance(value, float) and value.is_integer() and value <= SAFE_INTEGER else value


def _reference(token: str) -> tuple:
    match = _FIELD.fullmatch(token[1:-1].strip())
    if match is None:
        inside = token[1:-1]
        what = ("a smart variable or a piping modifier" if ":" in inside or "-" in inside
                else "not a field name (REDCap's are lower-case)")
        raise LogicError(f"reads {token}: {what}")
    name, code = match.groups()
    return ("field", name) if code is None else ("box", name, code.strip())


def shown(node: tuple, nested: bool = False) -> str:
    """A REDCap node as an author wrote it, near enough to recognise in a message."""
    tag = node[0]
    if tag == "num":
        return node[2]
    if tag == "str":
        return f"'{node[1]}'"
    if tag == "field":
        return f"[{node[1]}]"
    if tag == "box":
        return f"[{node[1]}({node[2]})]"
    if tag == "neg":
        return f"-{shown(node[1], True)}"
    if tag == "call":
        return f"{node[1]}({', '.join(shown(arg) for arg in node[2])})"
    text = f"{shown(node[2], True)} {_WRITTEN.get(node[1], node[1])} {shown(node[3], True)}"
    return f"({text})" if nested else text
