import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from models.expressions import Expression, ExpressionError, Kind, check, evaluate, is_true, parse, to_source
from models.expressions.tree import FUNCTIONS, KEYWORDS, SAFE_INTEGER

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "expression_vectors.json").read_text())
TODAY = date(2024, 6, 15)


def run(source: str, **values):
    return evaluate(parse(source), values, TODAY)


def same(a, b) -> bool:
    """Equal as JSON values: 2 and 2.0 are one number, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    return type(a) is type(b) or isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b


def test_the_vectors_cover_enough_ground():
    assert len(VECTORS) >= 150
    sources = " ".join(vector["expression"] for vector in VECTORS)
    for word in [*FUNCTIONS, " and ", " or ", "not ", " in ", "==", "!=", "<=", ">=", " < ", " > ", "+", "-", "*", "/",
                 "^"]:
        assert word in sources, word


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{i}: {v['expression']}" for i, v in enumerate(VECTORS)])
def test_python_gives_each_shared_vector_its_expected_value(vector):
    got = evaluate(parse(vector["expression"]), vector["values"], date.fromisoformat(vector["today"]))
    assert same(got, vector["expected"]) and got == vector["expected"]


# -- parsing ---------------------------------------------------------------------------------------------------------

TREES = [
    ("3", ["lit", 3]), ("2.5", ["lit", 2.5]), ("2.0", ["lit", 2]), ("'a'", ["lit", "a"]), ('"a\\"b"', ["lit", 'a"b']),
    ("true", ["lit", True]), ("null", ["lit", None]), ("x_1", ["name", "x_1"]), ("android", ["name", "android"]),
    ("not a", ["not", ["name", "a"]]), ("-a", ["neg", ["name", "a"]]),
    ("1 + 2 * 3", ["op", "+", ["lit", 1], ["op", "*", ["lit", 2], ["lit", 3]]]),
    ("1 - 2 - 3", ["op", "-", ["op", "-", ["lit", 1], ["lit", 2]], ["lit", 3]]),
    ("-2^2", ["neg", ["op", "^", ["lit", 2], ["lit", 2]]]),
    ("2^3^2", ["op", "^", ["lit", 2], ["op", "^", ["lit", 3], ["lit", 2]]]),
    ("2^-1", ["op", "^", ["lit", 2], ["neg", ["lit", 1]]]),
    ("not a == b", ["not", ["op", "==", ["name", "a"], ["name", "b"]]]),
    ("a or b and c", ["op", "or", ["name", "a"], ["op", "and", ["name", "b"], ["name", "c"]]]),
    ("'w' in acts", ["op", "in", ["lit", "w"], ["name", "acts"]]),
    ("a + 1 >= b * 2", ["op", ">=", ["op", "+", ["name", "a"], ["lit", 1]], ["op", "*", ["name", "b"], ["lit", 2]]]),
    ("sum(a, 1)", ["call", "sum", [["name", "a"], ["lit", 1]]]), ("today()", ["call", "today", []]),
    ("count(count)", ["call", "count", [["name", "count"]]]),
]


@pytest.mark.parametrize("source, tree", TREES)
def test_a_source_parses_to_its_tree(source, tree):
    expr = parse(source)
    assert json.loads(expr.to_json()) == tree
    assert " " not in expr.to_json().replace("' '", "")


def test_an_expression_knows_the_names_it_reads_but_not_its_functions():
    assert parse("sum(a, b) > c and 'x' in d or count(e) == today()").names == {"a", "b", "c", "d", "e"}


def test_parsing_is_cached_and_so_is_the_compiled_form():
    first = parse("a + 1")
    assert parse("a + 1") is first and parse("a+1") is not first
    evaluate(first, {"a": 1}, TODAY)
    compiled = first._compiled
    assert compiled is not None and evaluate(first, {"a": 2}, TODAY) == 3 and first._compiled is compiled
    assert first == Expression("a + 1", first.tree, first.names) and hash(first)


ERRORS = [
    ("a < b < c", "unexpected '<' at column 7: comparisons do not chain", 7),
    ("a == 1 in b", "unexpected 'in' at column 8", 8),
    ("(a + 1", "the expression ends too early at column 7: a ')' is missing", 7),
    ("a + ", "the expression ends too early at column 4", 4),
    ("a + 1)", "unexpected ')' at column 6", 6),
    ("sum(a b)", "unexpected 'b' at column 7: an operator is missing", 7),
    ("a = 1", "unexpected '=' at column 3: write == to compare", 3),
    ("a && b", "unexpected '&' at column 3: write and", 3),
    ("Age > 3", "unexpected 'A' at column 1: names are written in lower case", 1),
    ("x == 'abc", "the quote at column 6 is never closed", 6),
    ("avg(a, b)", "unknown function 'avg' at column 1", 1),
    ("1 + round(a)", "round() takes 2 arguments, not 1, at column 5", 5),
    ("sum()", "sum() takes at least 1 argument, not 0, at column 1", 1),
    ("today(1)", "today() takes 0 arguments, not 1", 1),
    ("true()", "unexpected '(' at column 5", 5),
    ("and", "unexpected 'and' at column 1", 1),
    ("a + in", "unexpected 'in' at column 5", 5),
    ("null or", "the expression ends too early at column 8", 8),
    ("1.", "unexpected '.' at column 2", 2),
    ("a\u00a0+ 1", "unexpected 'U+00A0' at column 2", 2),
]


@pytest.mark.parametrize("source, message, column", ERRORS)
def test_a_syntax_error_says_what_and_where(source, message, column):
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert caught.value.message.startswith(message) and caught.value.column == column
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize("source, message", [
    ("", "the expression is empty"), ("   ", "the expression is empty"), (None, "an expression must be text"),
    (["a"], "an expression must be text"),
    ("a + " * 500 + "a", "is too long: 2001 characters, at most 2000"),
    ("not " * 300 + "a", "nests too deeply"), ("-" * 1999 + "1", "nests too deeply"),
])
def test_what_cannot_be_an_expression_is_refused(source, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(")):
        parse(source)


def test_a_long_chain_of_additions_still_parses_and_runs():
    assert run("(" * 500 + "1" + ")" * 500) == 1  # parentheses alone add no depth to the tree
    source = " + ".join(f"q{i}" for i in range(150))
    assert evaluate(parse(source), {f"q{i}": i for i in range(150)}, TODAY) == sum(range(150))


def test_a_number_literal_past_the_safe_integers_is_a_float():
    assert parse("9007199254740993").tree == ("lit", 9007199254740992.0)
    assert isinstance(parse("9007199254740991").tree[1], int)
    with pytest.raises(ExpressionError, match="too large"):
        parse("9" * 400 + ".5")


# -- evaluation ------------------------------------------------------------------------------------------------------

OPERATIONS = [
    ("a + b", 5), ("a - b", -1), ("a * b", 6), ("a / b", 2 / 3), ("a ^ b", 8), ("-a", -2), ("a == 2", True),
    ("a != b", True), ("a < b", True), ("a <= 2", True), ("a > b", False), ("a >= 3", False), ("a in [1]", None),
    ("not a == 2", False), ("a == 2 and b == 3", True), ("a == 3 or b == 3", True), ("answered(a)", True),
    ("count(l)", 2), ("sum(a, b, n)", 5), ("min(a, b)", 2), ("max(a, b)", 3), ("mean(a, b)", 2.5),
    ("round(a / b, 2)", 0.67), ("abs(-a)", 2), ("if(a == 2, 'two', 'other')", "two"), ("today()", "2024-06-15"),
    ("years(d)", 24), ("'x' in l", True),
]


@pytest.mark.parametrize("source, expected", [case for case in OPERATIONS if case[1] is not None])
def test_every_operator_and_function_gives_its_value(source, expected):
    value = run(source, a=2, b=3, n=None, l=["x", "y"], d="2000-06-15")
    assert value == expected and type(value) is type(expected)


def test_whole_results_are_ints_and_others_floats():
    assert type(run("6 / 3")) is int and type(run("2.5 * 2")) is int and type(run("7 / 2")) is float
    assert type(run("a", a=4.0)) is int and type(run("a + 1", a=2**53 + 10)) is float
    assert type(run("a * a", a=2**30)) is float and run("a * a", a=2**26) == 2**52


def test_evaluate_accepts_a_datetime_as_the_day():
    from datetime import datetime
    assert evaluate(parse("today()"), {}, datetime(2024, 6, 15, 23, 59)) == "2024-06-15"


def test_a_show_if_is_shown_only_when_exactly_true():
    assert [is_true(value) for value in (True, 1, "true", [True], None, False, 1.0)] == [True] + [False] * 6


# -- checking --------------------------------------------------------------------------------------------------------

KINDS = {"age": Kind.NUMBER, "name": Kind.TEXT, "smoker": Kind.BOOLEAN, "born": Kind.DATE, "at": Kind.TIME,
         "seen": Kind.DATETIME, "activities": Kind.LIST, "clinic": Kind.TEXT, "extra": Kind.ANY, "code": Kind.TEXT}
CHOICES = {"clinic": ("north", "south"), "activities": ("walking", "yoga"), "code": ("1", "2")}

PROBLEMS = [
    ("smokr == true", ["unknown name 'smokr' (did you mean 'smoker'?)"]),
    ("weight > 3", ["unknown name 'weight'"]),
    ("age + name", ["'+' needs numbers, but 'name' is text"]),
    ("-name", ["'-' needs a number, but 'name' is text"]),
    ("age == 'ten'", ["age == 'ten' compares a number with text"]),
    ("clinic == 'east'", ["'east' is not one of clinic's choices (north, south)"]),
    ("'east' != clinic", ["'east' is not one of clinic's choices (north, south)"]),
    ("code == 1", ["1 is not one of code's choices (1, 2): choices are text, write '1'"]),
    ("'running' in activities", ["'running' is not one of activities's choices (walking, yoga)"]),
    ("'a' in name", ["'in' needs a list on its right, but 'name' is text"]),
    ("activities in activities", ["'in' looks for one value in a list, but 'activities' is a list itself"]),
    ("count(age) > 1", ["count() needs a list (a multiple-choice question), but 'age' is a number"]),
    ("years(age)", ["years() needs a date, but 'age' is a number"]),
    ("smoker < true", ["'<' cannot put true or false in order: smoker < true"]),
    ("activities == activities",
     ["activities == activities compares lists, which are never equal: use 'in' or count()"]),
    ("at < born", ["at < born compares a time with a date"]),
    ("age == null", [("age == null is always false, as any comparison with null is: use answered() to ask whether a "
                      "question was answered")]),
    ("sum(age, name)", ["sum() needs numbers, but 'name' is text"]),
    ("round(age, 16)", ["round() needs a whole number of decimal places from 0 to 15, not 16"]),
    ("round(age, 1.5)", ["round() needs a whole number of decimal places from 0 to 15, not 1.5"]),
    ("if(age, 1, 2)", ["if() needs true or false as its condition, but 'age' is a number"]),
    ("age and smoker", ["'and' needs true or false on both sides, but 'age' is a number"]),
    ("not name", ["'not' needs true or false, but 'name' is text"]),
    ("age + name > smokr", ["'+' needs numbers, but 'name' is text", "unknown name 'smokr' (did you mean 'smoker'?)"]),
]


@pytest.mark.parametrize("source, problems", PROBLEMS)
def test_check_names_each_problem(source, problems):
    assert check(parse(source), KINDS, CHOICES)[1] == problems


@pytest.mark.parametrize("source, kind", [
    ("age + 1", Kind.NUMBER), ("age > 18 and smoker", Kind.BOOLEAN), ("name", Kind.TEXT), ("today()", Kind.DATE),
    ("if(smoker, 'yes', null)", Kind.TEXT), ("if(smoker, 1, 'a')", Kind.ANY), ("born < '2000-01-01'", Kind.BOOLEAN),
    ("seen >= born", Kind.BOOLEAN), ("at < '12:00'", Kind.BOOLEAN), ("extra + 1 > extra", Kind.BOOLEAN),
    ("clinic == 'north' or 'yoga' in activities", Kind.BOOLEAN), ("years(born) >= 18", Kind.BOOLEAN),
    ("round(mean(age, extra), 1)", Kind.NUMBER), ("count(activities) + count(extra)", Kind.NUMBER),
    ("answered(name) and name != ''", Kind.BOOLEAN), ("today() > born", Kind.BOOLEAN), ("activities", Kind.LIST),
])
def test_check_finds_the_kind_and_no_problem_in_sound_expressions(source, kind):
    assert check(parse(source), KINDS, CHOICES) == (kind, [])


def test_check_accepts_kinds_as_plain_text():
    assert check(parse("age + 1"), {"age": "number"}, {}) == (Kind.NUMBER, [])


# -- properties ------------------------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
numbers = st.one_of(st.integers(-SAFE_INTEGER, SAFE_INTEGER), finite)
anything = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=5), st.lists(st.text(max_size=3), max_size=3))


@settings(max_examples=200, deadline=None)
@given(numbers, st.sampled_from(["+", "-", "*", "/", "^"]))
def test_null_goes_through_every_arithmetic_operator(x, op):
    for source in (f"x {op} y", f"y {op} x", f"x {op} null", f"-y {op} x", f"sum(x, y) {op} y"):
        assert evaluate(parse(source), {"x": x}, TODAY) is None, source


@settings(max_examples=200, deadline=None)
@given(anything, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in"]))
def test_a_comparison_with_null_is_false_for_every_operator(x, op):
    for source in (f"x {op} y", f"y {op} x", f"x {op} null", f"null {op} x"):
        assert evaluate(parse(source), {"x": x}, TODAY) is False, source


@settings(max_examples=200, deadline=None)
@given(st.lists(numbers, min_size=1, max_size=8), st.data())
def test_sum_skips_nulls(items, data):
    with_nulls = list(items)
    for _ in range(data.draw(st.integers(0, 5))):
        with_nulls.insert(data.draw(st.integers(0, len(with_nulls))), None)
    names = [f"v{i}" for i in range(len(with_nulls))]
    plain, holey = parse(f"sum({', '.join(names[:len(items)])})"), parse(f"sum({', '.join(names)})")
    assert evaluate(holey, dict(zip(names, with_nulls)), TODAY) == evaluate(plain, dict(zip(names, items)), TODAY)


@given(anything)
def test_is_true_only_for_true(value):
    assert is_true(value) is (value is True)


def _literal(value):
    if isinstance(value, float) and value.is_integer() and value <= SAFE_INTEGER:
        return int(value)  # as the parser reads 2.0
    return float(value) if isinstance(value, int) and value > SAFE_INTEGER else value


names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(lambda name: name not in KEYWORDS)
literals = st.one_of(st.none(), st.booleans(), st.text(max_size=6), st.integers(0, 2**60).map(_literal),
                     st.floats(min_value=0, max_value=1e15, allow_nan=False).map(_literal))


def _extend(children):
    calls = [st.tuples(st.just("call"), st.just(name),
                       st.lists(children, min_size=low, max_size=3 if high is None else high).map(tuple))
             for name, (low, high, _) in FUNCTIONS.items()]
    ops = st.sampled_from(["or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "^"])
    return st.one_of(st.tuples(st.sampled_from(["not", "neg"]), children),
                     st.tuples(st.just("op"), ops, children, children), *calls)


trees = st.recursive(st.one_of(st.tuples(st.just("lit"), literals), st.tuples(st.just("name"), names)), _extend,
                     max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(trees)
def test_a_printed_tree_parses_back_to_itself(tree):
    source = to_source(tree)
    assume(len(source) <= 2000)
    assert parse(source).tree == tree


@settings(max_examples=300, deadline=None)
@given(trees, st.dictionaries(names, anything, max_size=5), st.dictionaries(names, st.sampled_from(list(Kind))))
def test_evaluate_and_check_never_raise(tree, values, kinds):
    expr = Expression(to_source(tree), tree, frozenset())
    evaluate(expr, values, TODAY)
    check(expr, kinds, {name: ("a", "1") for name in kinds})


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(alphabet="ab_1.(),'\"\\ +-*/^<>=!noti", max_size=60)))
def test_random_text_never_makes_parse_raise_anything_but_an_expression_error(text):
    try:
        parse(text)
    except ExpressionError as exc:
        assert exc.message and (exc.column is None or 1 <= exc.column <= len(text) + 1)


def test_rounding_follows_the_exact_binary_value():
    assert run("round(a, 2)", a=2.675) == 2.67 and Decimal.from_float(2.675) < Decimal("2.675")
    assert [run("round(a, 0)", a=a) for a in (0.5, 1.5, 2.5, -2.5, -0.5)] == [1, 2, 3, -3, -1]
