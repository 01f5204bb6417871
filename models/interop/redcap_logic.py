"""REDCap branching logic and calc formulas in our expression language, keeping REDCap's meaning exactly or
saying why it cannot (REDCap → ours here; ours → REDCap in redcap_logic_out.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from ..expressions import ExpressionError, parse, to_source
from .redcap_syntax import LogicError, number, parse_redcap, shown

__all__ = ["LogicError", "Operand", "fields_compared", "from_redcap"]

_NUMERIC = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
#: REDCap functions with no equivalent here, named so the problem can say which one it is.
_UNSUPPORTED = {"roundup", "rounddown", "sqrt", "exponential", "log", "median", "stdev", "mod", "isnumber",
                "isinteger", "isblanknotna", "contains", "not_contain", "starts_with", "ends_with", "left", "right",
                "length", "find", "mid", "concat", "concat_ws", "upper", "lower", "trim", "replace_text", "year",
                "month", "day", "weekday", "datetime", "round"}


@dataclass(frozen=True)
class Operand:
    """What the translation needs to know of a field: the kind of its value ("number", "text", "date", "time",
    "datetime", "checkbox" or "note") and, for a checkbox, its option codes with their types."""
    kind: str
    codes: tuple = ()


def from_redcap(text: str, fields: Mapping[str, Operand], absent: Mapping[str, str] = {}) -> str:
    """REDCap logic or a calc formula → the same in our language. `fields` are the fields it may read; `absent`
    names those it may not, with why (the record id, a field left out). Raises LogicError."""
    try:
        source = to_source(_Translator(fields, absent).condition_or_value(parse_redcap(text)))
        parse(source)
    except RecursionError:
        raise LogicError("nests too deeply to be read") from None
    except ExpressionError as exc:
        raise LogicError(exc.message) from None
    return source


class _Translator:
    def __init__(self, fields: Mapping[str, Operand], absent: Mapping[str, str]):
        self.fields, self.absent = fields, absent

    def field(self, name: str) -> Operand:
        if name in self.absent:
            raise LogicError(f"reads [{name}], {self.absent[name]}")
        if name not in self.fields:
            raise LogicError(f"reads [{name}], which is not a field of this dictionary")
        return self.fields[name]

    def kind(self, node: tuple) -> str:
        if node[0] == "field":
            return self.field(node[1]).kind
        if node[0] in ("num", "str"):
            return "literal"
        return "any" if node[0] == "call" and node[1] == "if" else "number"

    def condition_or_value(self, node: tuple) -> tuple:
        tag = node[0]
        if tag == "cmp":
            return self.comparison(*node[1:])
        if tag == "bool":
            return _unequal(("op", node[1], self.condition_or_value(node[2]), self.condition_or_value(node[3])))
        return self.value(node, "any")

    def value(self, node: tuple, want: str) -> tuple:
        """A value; a literal is read as `want` ("number", "text" or "any") says, as REDCap's context does."""
        tag = node[0]
        if tag == "num":
            return ("lit", node[2]) if want == "text" else ("lit", node[1])
        if tag == "str":
            return _literal(node[1], want)
        if tag == "field":
            operand = self.field(node[1])
            if operand.kind == "checkbox":
                raise LogicError(f"reads the checkbox [{node[1]}] whole: name one option, as [{node[1]}(code)]")
            return ("name", node[1])
        if tag == "box":
            return ("call", "if", (self.option(node[1], node[2]), ("lit", 1), ("lit", 0)))
        if tag == "neg":
            return ("neg", self.value(node[1], "number"))
        if tag == "arith":
            return ("op", node[1], self.value(node[2], "number"), self.value(node[3], "number"))
        if tag == "call":
            return self.call(node[1], node[2])
        return self.condition_or_value(node)  # a condition where a value goes: the checker judges it

    def option(self, name: str, code: str) -> tuple:
        operand = self.field(name)
        if operand.kind != "checkbox":
            raise LogicError(f"reads [{name}({code})], but {name} is not a checkbox")
        for value in operand.codes:
            if str(value) == code:
                return ("op", "in", ("lit", value), ("name", name))
        raise LogicError(f"reads [{name}({code})], but {code!r} is not one of {name}'s options")

    def comparison(self, op: str, left: tuple, right: tuple) -> tuple:
        if left[0] in ("num", "str") and right[0] not in ("num", "str"):
            flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
            return self.comparison(flipped, right, left)
        if right == ("str", ""):
            return self.blank(op, left)
        if left[0] == "box" and right[0] in ("num", "str") and op in ("==", "!=") and str(right[1]) in ("0", "1"):
            checked = self.option(left[1], left[2])
            return checked if (op == "==") == (str(right[1]) == "1") else ("not", checked)
        if left[0] == "field" and right[0] == "field" and op in ("==", "!="):
            return fields_compared(op, ("name", left[1]), ("name", right[1]))
        kinds = self.kind(left), self.kind(right)
        if right[0] in ("num", "str"):
            a, b = self.value(left, "any"), self.typed(right, kinds[0], left)
        else:
            a, b = self.value(left, "any"), self.value(right, "any")
        return ("not", ("op", "==", a, b)) if op == "!=" else ("op", op, a, b)

    def blank(self, op: str, node: tuple) -> tuple:
        """[x] = "" is true when x is blank; [x] <> "" when it is answered."""
        if node[0] == "box":
            raise LogicError(f"tests the checkbox option {shown(node)} for blank: an option is never blank, it is "
                             "'0' or '1'")
        if node[0] != "field" or op not in ("==", "!="):
            raise LogicError(f"has {shown(('cmp', op, node, ('str', '')))}: only [field] = \"\" and [field] <> \"\" "
                             "test for blank")
        if self.field(node[1]).kind == "checkbox":
            raise LogicError(f"tests the checkbox [{node[1]}] for blank: a checkbox is never blank; "
                             f"test an option, as [{node[1]}(code)] = \"1\"")
        answered = ("call", "answered", (("name", node[1]),))
        return answered if op == "!=" else ("not", answered)

    def typed(self, literal: tuple, kind: str, other: tuple) -> tuple:
        """A literal compared with a field takes that field's type: 1 for a number, '1' for text."""
        text = literal[2] if literal[0] == "num" else literal[1]
        if kind in ("number", "any", "literal"):
            return self.value(literal, "number" if kind == "number" else "any")
        if kind == "date":
            if not _iso_date(text):
                raise LogicError(f"compares the date [{other[1]}] with {text!r}: dates are written 'YYYY-MM-DD'")
            return ("lit", text)
        if kind == "time":
            match = _TIME.fullmatch(text)
            if match is None:
                raise LogicError(f"compares the time [{other[1]}] with {text!r}: times are written 'HH:MM'")
            return ("lit", f"{int(match[1]):02d}:{match[2]}")
        if kind == "datetime":
            raise LogicError(f"compares the date and time [{other[1]}] with {text!r}: REDCap's has no time zone, "
                             "ours are kept in UTC")
        return ("lit", text)

    def call(self, name: str, args: tuple) -> tuple:
        if name in ("sum", "min", "max", "mean") and args:
            values = tuple(self.value(arg, "number") for arg in args)
            if name == "sum" and (counted := self.counted(args)):
                return ("call", "count", (("name", counted),))
            return ("call", name, values)
        if name == "abs" and len(args) == 1:
            return ("call", "abs", (self.value(args[0], "number"),))
        if name == "round" and len(args) in (1, 2):
            places = self.value(args[1], "number") if len(args) == 2 else ("lit", 0)
            return ("call", "round", (self.value(args[0], "number"), places))
        if name == "if" and len(args) == 3:
            condition = self.condition_or_value(args[0])
            return ("call", "if", (condition, self.value(args[1], "any"), self.value(args[2], "any")))
        if name == "datediff" and (years := self.years(args)):
            return years
        if name == "rounddown" and len(args) in (1, 2) and args[1:] in ((), (("num", 0, "0"),)):
            if args[0][0] == "call" and args[0][1] == "datediff" and (years := self.years(args[0][2])):
                return years  # whole years: the usual age in REDCap
        if name == "datediff":
            raise LogicError(f"uses {shown(('call', name, args))}: only datediff([date], 'today', 'y') can be "
                             "read (as years(date))")
        if name in ("if", "abs", "sum", "min", "max", "mean"):
            raise LogicError(f"uses {shown(('call', name, args))} with {len(args)} argument(s), which {name}() "
                             "does not take")
        if name in _UNSUPPORTED:
            raise LogicError(f"uses {shown(('call', name, args))}, which has no exact equivalent here")
        raise LogicError(f"uses {name}(), which is not a function this service knows")

    def years(self, args: tuple) -> tuple | None:
        """datediff([d], 'today', 'y'): the years from d to today."""
        if len(args) == 3 and args[0][0] == "field" and args[1:] == (("str", "today"), ("str", "y")):
            if self.field(args[0][1]).kind == "date":
                return ("call", "years", (("name", args[0][1]),))
        return None

    def counted(self, args: tuple) -> str | None:
        """sum([x(1)], [x(2)], …) over every option of one checkbox, in order, is how many are ticked."""
        names = {arg[1] for arg in args if arg[0] == "box"}
        if len(names) != 1 or any(arg[0] != "box" for arg in args):
            return None
        name = names.pop()
        codes = tuple(str(code) for code in self.field(name).codes)
        return name if tuple(arg[2] for arg in args) == codes else None


def fields_compared(op: str, a: tuple, b: tuple) -> tuple:
    """REDCap's [a] = [b] (op "==") or [a] <> [b] ("!="): in REDCap two blank fields are equal (both are ""),
    here a comparison with null is false, so the blanks are said outright."""
    blank = ("op", "and", ("not", ("call", "answered", (a,))), ("not", ("call", "answered", (b,))))
    if op == "==":
        return ("op", "or", ("op", "==", a, b), blank)
    some = ("op", "or", ("call", "answered", (a,)), ("call", "answered", (b,)))
    return ("op", "and", ("not", ("op", "==", a, b)), some)


def _unequal(node: tuple) -> tuple:
    """[x] <> "" and [x] <> 1 says what our x != 1 says (a blank is unequal to nothing), and is written so."""
    _, op, left, right = node
    if op == "and" and left[0] == "call" and left[1] == "answered" and right[0] == "not" and right[1][1] == "==":
        name, value = right[1][2], right[1][3]
        literal = value[0] == "lit" and value[1] is not None or value[0] == "neg" and value[1][0] == "lit"
        if literal and left[2] == (name,):
            return ("op", "!=", name, value)
    return node


def _literal(text: str, want: str) -> tuple:
    if text == "":
        return ("lit", None)  # a blank value, as if(c, [x], "") gives
    if want == "number":
        digits = text.strip()
        if not _NUMERIC.fullmatch(digits):
            raise LogicError(f"uses the text {text!r} where a number is needed")
        # -3 is a negation of 3, as our parser reads it
        return ("neg", ("lit", number(digits[1:]))) if digits.startswith("-") else ("lit", number(digits))
    return ("lit", text)


def _iso_date(text: str) -> bool:
    try:
        return len(text) == 10 and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False
