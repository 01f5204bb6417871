"""Our conditions and formulas written as REDCap logic, with the meaning they have here: where REDCap reads a
blank differently (its [x] <> '1' is true for a blank x, our x != 1 is not), the REDCap written says so."""
from __future__ import annotations

from typing import Any, Mapping

from ..expressions import parse, to_source
from ..expressions.tree import COMPARISONS, literal_source
from ..vocabulary import FieldType
from .redcap_logic import fields_compared
from .redcap_syntax import LogicError

#: Binding strength, weakest first, as REDCap's parser (redcap_syntax.py) reads it.
_LEVEL = {"or": 1, "and": 2, **dict.fromkeys(COMPARISONS, 4), "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "^": 8}
_ATOM = 9
_OPPOSITE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def to_redcap(source: str, fields: Mapping[str, Any]) -> str:
    """Our expression → REDCap logic. `fields` maps names to what they are (anything with type and choices, such
    as a FieldSpec). Raises LogicError for what REDCap cannot say with the same meaning."""
    return _Writer(fields).condition(parse(source).tree)


def _fields_compared(node: tuple) -> str | None:
    """What reading REDCap's [a] = [b] or [a] <> [b] gives (see fields_compared) is written as it was."""
    first = node[2][1] if node[1] == "and" and node[2][0] == "not" else node[2]
    if first[0] != "op" or first[1] != "==" or first[2][0] != "name" or first[3][0] != "name":
        return None
    for op, written in (("==", "="), ("!=", "<>")):
        if node == fields_compared(op, first[2], first[3]):
            return f"[{first[2][1]}] {written} [{first[3][1]}]"
    return None


def _name_first(op: str, left: tuple, right: tuple) -> tuple[str, tuple, tuple]:
    """`3 < x` as `x > 3`: REDCap reads best with the field first."""
    if left[0] == "lit" and right[0] == "name":
        return {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op), right, left
    return op, left, right


def _wrap(text: str, level: int, least: int) -> str:
    return f"({text})" if level < least else text


class _Writer:
    def __init__(self, fields: Mapping[str, Any]):
        self.fields = fields

    def type_of(self, node: tuple) -> FieldType | None:
        return self.fields[node[1]].type if node[0] == "name" and node[1] in self.fields else None

    def condition(self, node: tuple, least: int = 0) -> str:
        """Where a condition goes, a yes/no question (boolean, written as REDCap's yesno) is true when 'Yes'."""
        if self.type_of(node) is FieldType.BOOLEAN:
            return _wrap(f"[{node[1]}] = 1", _LEVEL["=="], least)
        return self.write(node, least)

    def write(self, node: tuple, least: int = 0) -> str:
        tag = node[0]
        if tag == "lit":
            return self.literal(node[1])
        if tag == "name":
            if self.type_of(node) is FieldType.MULTI_CHOICE:
                raise LogicError(f"reads the multiple-choice {node[1]} whole: REDCap reads a checkbox option by "
                                 f"option (write 'value' in {node[1]} or count({node[1]}))")
            return f"[{node[1]}]"
        if tag == "not":
            return self.negation(node[1], least)
        if tag == "neg":
            return _wrap("-" + self.write(node[1], _ATOM), _LEVEL["neg"], least)
        if tag == "call":
            return self.call(node[1], node[2], least)
        op, left, right = node[1:]
        level = _LEVEL.get(op, _LEVEL["=="])
        if (compared := _fields_compared(node)) is not None:
            return _wrap(compared, _LEVEL["=="], least)
        if op in ("and", "or"):
            text = f"{self.condition(left, level)} {op} {self.condition(right, level + 1)}"
        elif op == "^":  # REDCap does not say how ^ groups with what is around it: parentheses say it
            return _wrap(f"{self.write(left, _ATOM)}^{self.write(right, _ATOM)}", 0, least)
        elif op in ("+", "-", "*", "/"):
            text = f"{self.write(left, level)} {op} {self.write(right, level + 1)}"
        else:
            return self.comparison(op, left, right, least)
        return _wrap(text, level, least)

    def literal(self, value: Any) -> str:
        if value is None:
            return '""'  # a blank, as REDCap's if(c, [x], "") gives
        if isinstance(value, bool):
            raise LogicError(f"uses {literal_source(value)} outside a comparison with a yes/no question")
        if isinstance(value, str):
            if "'" not in value:
                return f"'{value}'"
            if '"' not in value:
                return f'"{value}"'
            raise LogicError(f"uses the text {value!r}, which holds both kinds of quote: REDCap's text cannot")
        return literal_source(value).strip("()")

    def operand(self, node: tuple) -> str:
        """A side of a comparison: true and false compared with a yes/no question are its codes 1 and 0."""
        if node[0] == "lit" and isinstance(node[1], bool):
            return "1" if node[1] else "0"
        return self.write(node, _LEVEL["=="] + 1)

    def comparison(self, op: str, left: tuple, right: tuple, least: int) -> str:
        level = _LEVEL["=="]
        if op == "in":
            return _wrap(self.option(left, right, "1"), level, least)
        op, left, right = _name_first(op, left, right)
        a, b = self.operand(left), self.operand(right)
        names = left[0] == "name", right[0] == "name"
        if op == "==" and all(names):  # two blanks are equal in REDCap, never here
            return _wrap(f"{a} = {b} and {a} <> \"\"", _LEVEL["and"], least)
        if op == "!=" and all(names):
            return _wrap(f"{a} <> {b} and {a} <> \"\" and {b} <> \"\"", _LEVEL["and"], least)
        if op == "!=" and names[0]:  # here a blank is never unequal; in REDCap it is
            return _wrap(f"{a} <> \"\" and {a} <> {b}", _LEVEL["and"], least)
        if op == "!=":
            raise LogicError(f"compares {a} != {b}: REDCap's <> is also true when it is blank, which it cannot "
                             "test here; write not (… == …) if that is meant")
        return _wrap(f"{a} {'=' if op == '==' else op} {b}", level, least)

    def option(self, value: tuple, name: tuple, checked: str) -> str:
        if value[0] == "neg" and value[1][0] == "lit" and isinstance(value[1][1], (int, float)):
            value = ("lit", -value[1][1])  # a negative code, as -1 in x reads
        if value[0] != "lit" or self.type_of(name) is not FieldType.MULTI_CHOICE:
            raise LogicError("uses 'in' other than as 'value' in a multiple-choice question")
        if any(char in str(value[1]) for char in "()[]"):
            raise LogicError(f"names the option {value[1]!r} of {name[1]}: REDCap's [{name[1]}(code)] cannot hold "
                             "brackets")
        return f"[{name[1]}({value[1]})] = '{checked}'"

    def negation(self, node: tuple, least: int) -> str:
        """REDCap has no 'not': each negation is written as what it means."""
        tag, level = node[0], _LEVEL["=="]
        if tag == "not":
            return self.condition(node[1], least)
        if tag == "name" and self.type_of(node) is FieldType.BOOLEAN:
            return _wrap(f"[{node[1]}] <> 1", level, least)
        if tag == "call" and node[1] == "answered":
            return self.answered(node[2][0], least, negated=True)
        if tag != "op":
            raise LogicError(f"negates {to_source(node)}, which REDCap cannot say")
        op, left, right = node[1:]
        if op in ("and", "or"):
            flipped = "or" if op == "and" else "and"
            inner = f"{self.negation(left, _LEVEL[flipped])} {flipped} {self.negation(right, _LEVEL[flipped] + 1)}"
            return _wrap(inner, _LEVEL[flipped], least)
        if op == "in":
            return _wrap(self.option(left, right, "0"), level, least)
        op, left, right = _name_first(op, left, right)
        a, b = self.operand(left), self.operand(right)
        if op == "==" and right[0] == "name" and left[0] == "name":
            return _wrap(f"{a} <> {b} or {a} = \"\"", _LEVEL["or"], least)
        if op == "==":  # a blank is unequal to anything, here as in REDCap
            return _wrap(f"{a} <> {b}", level, least)
        if left[0] == "name" and right[0] == "lit":  # not (x < 5) holds for a blank x too
            written = "=" if op == "!=" else _OPPOSITE[op]
            return _wrap(f"{a} = \"\" or {a} {written} {b}", _LEVEL["or"], least)
        raise LogicError(f"negates {a} {op} {b}, which REDCap cannot say for a blank")

    def answered(self, node: tuple, least: int, negated: bool = False) -> str:
        if self.type_of(node) is FieldType.MULTI_CHOICE:  # a checkbox is never blank: some option is ticked
            codes = [choice.value for choice in self.fields[node[1]].choices]
            parts = [self.option(("lit", code), node, "0" if negated else "1") for code in codes]
            joiner = "and" if negated else "or"
            return _wrap(f" {joiner} ".join(parts), _LEVEL[joiner], least)
        return _wrap(f"{self.write(node)} {'=' if negated else '<>'} \"\"", _LEVEL["=="], least)

    def call(self, function: str, args: tuple, least: int) -> str:
        if function == "answered":
            return self.answered(args[0], least)
        if function == "count":
            if self.type_of(args[0]) is not FieldType.MULTI_CHOICE:
                raise LogicError("counts something other than a multiple-choice question")
            codes = [choice.value for choice in self.fields[args[0][1]].choices]
            return f"sum({', '.join(f'[{args[0][1]}({code})]' for code in codes)})"
        if function == "years":
            if args[0][0] != "name":
                raise LogicError("takes years() of something other than a date question")
            return f"rounddown(datediff([{args[0][1]}], 'today', 'y'))"
        if function == "today":
            raise LogicError("uses today() outside years(): REDCap has 'today' only inside datediff()")
        if function == "if":
            return f"if({self.condition(args[0])}, {self.write(args[1])}, {self.write(args[2])})"
        return f"{function}({', '.join(self.write(arg) for arg in args)})"
