"""The browser's evaluator, surveys/static/expressions.js, run in Debian's chromium against the Python one: every
shared vector, and a few thousand random trees, must come out the same."""
import json
import random
from datetime import date
from pathlib import Path

from models.expressions import evaluate, parse
from models.expressions.tree import Expression, names_in

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "expression_vectors.json").read_text())

# Everything crosses as JSON text, so nothing depends on how Playwright carries numbers, undefined or -0.
RUN_ALL = """(cases) => JSON.stringify(JSON.parse(cases).map((c) => {
  try {
    const value = window.SurveyExpressions.evaluate(c.tree, c.values, c.today);
    return value === undefined ? {undefined: true} : {value};
  } catch (error) {
    return {error: String(error)};
  }
}))"""


def same(a, b) -> bool:
    """Equal as JSON values: 2 and 2.0 are one number, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def in_browser(server, browser, cases: list[dict]) -> list[dict]:
    page = browser.new_page()
    page.goto(f"{server}/privacy")
    page.add_script_tag(url=f"{server}/static/expressions.js")
    return json.loads(page.evaluate(RUN_ALL, json.dumps(cases)))


def mismatches(cases: list[dict], results: list[dict]) -> list[str]:
    return [f"{case['source']} with {case['values']} on {case['today']}: Python {case['python']!r}, browser {result}"
            for case, result in zip(cases, results)
            if "value" not in result or not same(case["python"], result["value"])]


def test_the_browser_gives_every_vector_exactly_the_python_result(server, browser):
    cases = []
    for vector in VECTORS:
        expr = parse(vector["expression"])
        python = evaluate(expr, vector["values"], date.fromisoformat(vector["today"]))
        assert same(python, vector["expected"]), vector
        cases.append({"source": vector["expression"], "tree": json.loads(expr.to_json()), "values": vector["values"],
                      "today": vector["today"], "python": python})
    assert mismatches(cases, in_browser(server, browser, cases)) == []


# Random trees over values chosen to meet the edges: nulls, halves, ints near 2**53, text past U+FFFF, lists.
VALUES = [None, 0, 1, -1, 2, 3, 0.5, 1.5, -2.5, 2.675, 1.005, 0.1, 1e-7, 1e300, 2**53 - 1, 2**53 + 1, 7, -13,
          "", "a", "B", "é", "\U0001F600", "\uffee", "2000-02-29", "2024-03-01", "12:30", True, False,
          ["a", "b"], [], [1, 2]]
NAMES = "pqrstu"
DATES = ["2023-02-28", "2023-03-01", "2024-02-29", "2024-12-31"]


def random_tree(rng: random.Random, depth: int) -> tuple:
    if depth == 0 or rng.random() < 0.25:
        return ("name", rng.choice(NAMES)) if rng.random() < 0.6 else ("lit", rng.choice(VALUES[:29]))
    pick = rng.random()
    if pick < 0.45:
        op = rng.choice(["+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "in", "and", "or"])
        return ("op", op, random_tree(rng, depth - 1), random_tree(rng, depth - 1))
    if pick < 0.5:
        # Powers only of small integers: a power that is not exact may differ in its last bit between libms.
        return ("op", "^", ("lit", rng.randint(-3, 3)), ("lit", rng.randint(-3, 4)))
    if pick < 0.6:
        return (rng.choice(["not", "neg"]), random_tree(rng, depth - 1))
    function = rng.choice(["answered", "count", "sum", "min", "max", "mean", "round", "abs", "if", "years", "today"])
    if function == "round":
        args = (random_tree(rng, depth - 1), ("lit", rng.randint(-1, 16)))
    elif function in ("sum", "min", "max", "mean"):
        args = tuple(random_tree(rng, depth - 1) for _ in range(rng.randint(1, 4)))
    else:
        args = tuple(random_tree(rng, depth - 1) for _ in range({"if": 3, "today": 0}.get(function, 1)))
    return ("call", function, args)


def test_the_browser_agrees_with_python_on_random_trees(server, browser):
    rng, cases = random.Random(20240615), []
    for _ in range(3000):
        tree = random_tree(rng, 4)
        values = {name: rng.choice(VALUES) for name in NAMES if rng.random() < 0.8}
        today = rng.choice(DATES)
        python = evaluate(Expression("", tree, names_in(tree)), values, date.fromisoformat(today))
        cases.append({"source": tree, "tree": json.loads(json.dumps(tree)), "values": values, "today": today,
                      "python": python})
    assert mismatches(cases, in_browser(server, browser, cases)) == []
