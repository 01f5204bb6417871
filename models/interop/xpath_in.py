"""Reading an XLSForm's XPath (a relevant, a calculation) into our expression language: exactly, or an XPathError
naming the construct that has no counterpart here; never a guess."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from .idioms import fold
from .xpath import FLIP, Answer, XPathError, parse_xpath

ARITHMETIC = {"+": "+", "-": "-", "*": "*", "div": "/"}
#: Functions with a counterpart here, and how many arguments each takes (None: any number).
ARITY = {"true": (0, 0), "false": (0, 0), "not": (1, 1), "if": (3, 3), "selected": (2, 2), "count-selected": (1, 1),
         "today": (0, 0), "round": (1, 2), "abs": (1, 1), "pow": (2, 2), "coalesce": (2, 2), "min": (1, None),
         "max": (1, None), "concat": (1, None), "date": (1, 1), "string-length": (1, 1)}
WHY_NOT = {
    "sum": "uses sum(), which adds up the answers of a repeat (not imported); add the questions with + instead",
    "count": "uses count(), which counts the entries of a repeat (not imported)",
    "regex": "uses regex(), which belongs in a constraint, as regex(., '…')",
    "int": "uses int(), which cuts off decimals, as this service's expressions cannot; round(x, 0) rounds",
}


def read_xpath(text: str, answers: Mapping[str, Answer], *, condition: bool) -> tuple:
    """XPath (a relevant, a calculation) → our expression tree, or XPathError. `answers` by XLSForm name."""
    return fold(_Reader(answers).walk(parse_xpath(text), condition))


class _Reader:
    def __init__(self, answers: Mapping[str, Answer]):
        self.answers = answers

    def answer(self, ref: tuple) -> Answer:
        found = self.answers.get(ref[1])
        if found is None:
            raise XPathError(f"reads ${{{ref[1]}}}, which is not a question of this form")
        if found.kind == "left_out":
            raise XPathError(f"reads ${{{ref[1]}}}, which is left out ({found.reason})")
        if found.kind == "note":
            raise XPathError(f"reads ${{{ref[1]}}}, which is a note and holds no answer")
        return found

    def walk(self, node: tuple, condition: bool = False) -> tuple:
        tag = node[0]
        if tag == "num":
            return ("lit", node[1])
        if tag == "str":
            return ("lit", node[1] or None)  # '' is how XPath writes "no value"
        if tag == "ref":
            answer = self.answer(node)
            if condition:
                # A bare answer as a condition is its text read as true or false (so 'no' is true): the
                # author meant "answered" or a comparison, and only they can say which.
                raise XPathError(f"uses ${{{node[1]}}} alone as a condition: write ${{{node[1]}}} != '' to ask "
                                 "whether it was answered, or compare it with a value")
            return ("name", answer.name)
        if tag == "dot":
            raise XPathError("uses '.' (the question's own answer), which belongs only in a constraint")
        if tag == "path":
            raise XPathError(f"names a question by the path {node[1]!r}: write ${{name}} instead")
        if tag == "neg":
            return ("neg", self.walk(node[1]))
        if tag == "call":
            return self.call(node[1], node[2], condition)
        op, left, right = node[1:]
        if op in ("and", "or"):
            return ("op", op, self.walk(left, True), self.walk(right, True))
        if op in FLIP:
            return self.compare(op, left, right)
        if op in ARITHMETIC:
            return ("op", ARITHMETIC[op], self.walk(left), self.walk(right))
        if op == "mod":
            raise XPathError("uses mod (the remainder of a division), which this service's expressions do not have")
        raise XPathError(f"uses {op!r}, which this service's expressions do not have")

    def compare(self, op: str, left: tuple, right: tuple) -> tuple:
        if right[0] == "call" and right[1] == "string-length":
            return self.length_test(FLIP[op], right, left)
        if left[0] == "call" and left[1] == "string-length":
            return self.length_test(op, left, right)
        if ("str", "") in (left, right):
            other = right if left == ("str", "") else left
            if other[0] != "ref" or op not in ("=", "!="):
                raise XPathError("compares with '' something other than a question's answer")
            answered = ("call", "answered", (("name", self.answer(other).name),))
            return answered if op == "!=" else ("not", answered)
        ours = [self.walk(left), self.walk(right)]
        for index, (ref, other) in enumerate(((left, right), (right, left))):
            if ref[0] != "ref":
                continue
            if other[0] == "call" and other[1] in ("true", "false"):
                # ODK reads the answer's text as a boolean here: any answer at all equals true().
                raise XPathError(f"compares ${{{ref[1]}}} with {other[1]}(): compare it with '{other[1]}' instead")
            if other[0] in ("str", "num"):
                answer = self.answer(ref)
                ours[1 - index] = ("lit", typed(answer, other[1]))
                if answer.kind == "multi" and op in ("=", "!="):
                    return self.only_option(op, ours[index], ours[1 - index])
        if op == "!=":
            # An unanswered question is '' in ODK, which differs from every value; here it is null, and a
            # comparison with null is false. not (a == b) keeps ODK's meaning.
            return ("not", ("op", "==", *ours))
        return ("op", "==" if op == "=" else op, *ours)

    @staticmethod
    def only_option(op: str, target: tuple, value: tuple) -> tuple:
        """${x} = 'a' on a multiple choice holds when 'a' is the one option chosen."""
        if " " in str(value[1]):
            raise XPathError(f"compares a multiple choice with {value[1]!r}, several options at once: "
                             "use selected() for each")
        test = ("op", "and", ("op", "==", ("call", "count", (target,)), ("lit", 1)), ("op", "in", value, target))
        return test if op == "=" else ("not", test)

    def length_test(self, op: str, call: tuple, other: tuple) -> tuple:
        """string-length(${x}) against 0 or 1 asks whether x was answered; nothing else it measures is known here."""
        args = call[2]
        if len(args) == 1 and args[0][0] == "ref" and other[0] == "num":
            answered = ("call", "answered", (("name", self.answer(args[0]).name),))
            if (op, other[1]) in ((">", 0), ("!=", 0), (">=", 1)):
                return answered
            if (op, other[1]) in (("=", 0), ("<", 1), ("<=", 0)):
                return ("not", answered)
        raise XPathError("uses string-length(), which is understood only as string-length(${x}) > 0 "
                         "(the question was answered) or = 0 (it was not)")

    def call(self, name: str, args: tuple, condition: bool) -> tuple:
        if name not in ARITY:
            raise XPathError(WHY_NOT.get(name, f"uses {name}(), which this service's expressions do not have"))
        low, high = ARITY[name]
        if not low <= len(args) <= (high if high is not None else len(args)):
            raise XPathError(f"calls {name}() with {len(args)} argument{'s' * (len(args) != 1)}")
        if name in ("true", "false"):
            return ("lit", name == "true")
        if name == "not":
            return ("not", self.walk(args[0], True))
        if name == "if":
            return ("call", "if", (self.walk(args[0], True), self.walk(args[1], condition),
                                   self.walk(args[2], condition)))
        if name in ("selected", "count-selected"):
            return self.choices(name, args)
        if name == "string-length":
            return self.length_test("?", ("call", name, args), ("str", ""))
        if name == "concat":
            if all(arg[0] == "str" for arg in args):
                return ("lit", "".join(arg[1] for arg in args) or None)
            raise XPathError("uses concat() to join text, which this service's expressions do not do")
        if name == "date":
            if args[0][0] == "str" and _iso_date(args[0][1]):
                return ("lit", args[0][1])
            raise XPathError("uses date() on something other than a date written as 'YYYY-MM-DD'")
        ours = tuple(self.walk(arg) for arg in args)
        if name == "round":
            return ("call", "round", (ours[0], ours[1] if len(ours) == 2 else ("lit", 0)))
        if name == "pow":
            return ("op", "^", *ours)
        if name == "coalesce":
            return ("call", "if", (("call", "answered", (ours[0],)), ours[0], ours[1]))
        if name in ("min", "max"):
            # ODK gives nothing when any value is missing, where ours would skip it: keep ODK's meaning.
            guard = ("call", "answered", (ours[0],))
            for arg in ours[1:]:
                guard = ("op", "and", guard, ("call", "answered", (arg,)))
            return ("call", "if", (guard, ("call", name, ours), ("lit", None)))
        return ("call", name, ours)  # today, abs

    def choices(self, name: str, args: tuple) -> tuple:
        if args[0][0] != "ref":
            raise XPathError(f"uses {name}() on something other than a question: write {name}(${{name}}, …)")
        answer = self.answer(args[0])
        target = ("name", answer.name)
        if name == "count-selected":
            return ("call", "count", (target,))
        value = ("lit", typed(answer, args[1][1])) if args[1][0] in ("str", "num") else self.walk(args[1])
        if answer.kind == "choice":
            return ("op", "==", target, value)
        return ("op", "in", value, target)


def typed(answer: Answer, literal: Any) -> Any:
    """A literal compared with a coded answer, as the value it stands for ('1' → 1 when the codes are numbers)."""
    text = literal if isinstance(literal, str) else format(literal, "")
    if text in answer.values:
        return answer.values[text]
    return literal


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
