"""Source text → Expression: the grammar, one LALR parser built on first use, and syntax errors told plainly."""
from __future__ import annotations

from functools import cache, lru_cache

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .tree import FUNCTIONS, SAFE_INTEGER, Expression, ExpressionError, depth_of, names_in

MAX_LENGTH = 2000
#: Deep enough for a score summing 100 items with +, shallow enough for the recursive walks (check, evaluate).
MAX_DEPTH = 200

# Precedence is the rule ladder, weakest first. A comparison takes sums on both sides, so a < b < c cannot
# parse; a power takes an atom on its left and a factor on its right, so -2^2 is -(2^2) and 2^3^2 is 2^(3^2).
GRAMMAR = r"""
?start: or_test
?or_test: and_test | or_test "or" and_test -> or_
?and_test: not_test | and_test "and" not_test -> and_
?not_test: comparison | "not" not_test -> not_
?comparison: sum | sum COMPARE sum -> compare | sum "in" sum -> in_
?sum: product | sum "+" product -> add | sum "-" product -> sub
?product: factor | product "*" factor -> mul | product "/" factor -> div
?factor: power | "-" factor -> neg
?power: atom | atom "^" factor -> pow
?atom: NUMBER -> number
     | STRING -> string
     | "true" -> true
     | "false" -> false
     | "null" -> null
     | NAME -> name
     | NAME "(" [arguments] ")" -> call
     | "(" or_test ")"
arguments: or_test ("," or_test)*

COMPARE: "==" | "!=" | "<=" | ">=" | "<" | ">"
NUMBER: /[0-9]+(\.[0-9]+)?/
STRING: /'(?:[^'\\]|\\[\s\S])*'/ | /"(?:[^"\\]|\\[\s\S])*"/
NAME: /[a-z_][a-z0-9_]*/
%ignore /[ \t\r\n]+/
"""


def _binary(op: str):
    return lambda self, children: ("op", op, children[0], children[1])


class _ToTree(Transformer):
    """Builds the JSON-able AST as the parser reduces, so no parse tree is kept."""

    or_, and_, in_ = _binary("or"), _binary("and"), _binary("in")
    add, sub, mul, div, pow = _binary("+"), _binary("-"), _binary("*"), _binary("/"), _binary("^")

    def compare(self, children):
        return ("op", str(children[1]), children[0], children[2])

    def not_(self, children):
        return ("not", children[0])

    def neg(self, children):
        return ("neg", children[0])

    def number(self, children):
        return ("lit", _number(children[0]))

    def string(self, children):
        text, out, index = children[0][1:-1], [], 0
        while index < len(text):  # a backslash keeps the character after it, whatever it is
            if text[index] == "\\":
                index += 1
            out.append(text[index])
            index += 1
        return ("lit", "".join(out))

    def true(self, children):
        return ("lit", True)

    def false(self, children):
        return ("lit", False)

    def null(self, children):
        return ("lit", None)

    def name(self, children):
        return ("name", str(children[0]))

    def arguments(self, children):
        return tuple(children)

    def call(self, children):
        token, arguments = children[0], children[1] or ()
        where = f" at column {token.start_pos + 1}"
        if token not in FUNCTIONS:
            raise ExpressionError(f"unknown function '{token}'{where} (there are: {', '.join(FUNCTIONS)})",
                                  token.start_pos + 1)
        low, high, usage = FUNCTIONS[token]
        if not low <= len(arguments) <= (high if high is not None else len(arguments)):
            wanted = f"{low} argument{'s' * (low != 1)}" if low == high else f"at least {low} argument"
            raise ExpressionError(f"{token}() takes {wanted}, not {len(arguments)},{where} ({usage})",
                                  token.start_pos + 1)
        return ("call", str(token), arguments)


def _number(token: Token) -> int | float:
    value = int(token) if "." not in token else float(token)
    if type(value) is int and value > SAFE_INTEGER:
        value = float(token)  # as a JavaScript number reads it
    if value == float("inf"):
        raise ExpressionError(f"the number at column {token.start_pos + 1} is too large", token.start_pos + 1)
    return int(value) if type(value) is float and value.is_integer() and value <= SAFE_INTEGER else value


@cache
def _parser() -> Lark:
    # The basic lexer, not the contextual one: that would read a keyword where no keyword fits as a name.
    return Lark(GRAMMAR, parser="lalr", lexer="basic", transformer=_ToTree(), maybe_placeholders=True)


def parse(source: str) -> Expression:
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text", None)
    return _parse(source)


@lru_cache(maxsize=2048)
def _parse(source: str) -> Expression:
    """Cached by source: an Expression is immutable, and keeps its compiled form between evaluations."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"is too long: {len(source)} characters, at most {MAX_LENGTH}", None)
    if not source.strip():
        raise ExpressionError("the expression is empty", None)
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as exc:
        raise _syntax_error(source, exc) from None
    if depth_of(tree) > MAX_DEPTH:
        raise ExpressionError(f"nests too deeply: at most {MAX_DEPTH} levels of operators and parentheses", None)
    return Expression(source=source, tree=tree, names=names_in(tree))


#: What an author may have meant by a character the language does not have.
_HINTS = {"=": "write == to compare", "&": "write and", "|": "write or", "!": "write not, or != to compare"}


def _syntax_error(source: str, exc: UnexpectedInput) -> ExpressionError:
    if isinstance(exc, UnexpectedCharacters):
        char, column = source[exc.pos_in_stream], exc.pos_in_stream + 1
        if char in "'\"":  # a string is one token, so an unclosed one fails at its opening quote
            return ExpressionError(f"the quote at column {column} is never closed", column)
        hint = _HINTS.get(char) or ("names are written in lower case" if char.isupper() else "")
        shown = char if char.isprintable() else f"U+{ord(char):04X}"
        return ExpressionError(f"unexpected '{shown}' at column {column}" + (f": {hint}" if hint else ""), column)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        column = len(source.rstrip()) + 1
        closing = isinstance(exc, UnexpectedToken) and "RPAR" in exc.expected and len(exc.expected) <= 2
        hint = ": a ')' is missing" if closing else ": a value is missing at the end"
        return ExpressionError(f"the expression ends too early at column {column}{hint}", column)
    assert isinstance(exc, UnexpectedToken)
    token, column = exc.token, exc.token.start_pos + 1
    hint = ""
    if token.type in ("COMPARE", "IN") and "AND" in exc.expected:
        hint = ": comparisons do not chain; write a < b and b < c"
    elif "RPAR" in exc.expected and token.type in ("NAME", "NUMBER", "STRING", "LPAR"):
        hint = ": an operator is missing before it"
    return ExpressionError(f"unexpected '{token}' at column {column}{hint}", column)
