"""The expression language of show_if and formula: parse once, check against the fields, evaluate per submission.
Its twin for the browser is surveys/static/expressions.js, which evaluates the same JSON tree the same way."""
from .checks import Kind, check
from .evaluator import evaluate
from .grammar import MAX_LENGTH, parse
from .rules import is_true
from .tree import FUNCTIONS, Expression, ExpressionError, to_source

__all__ = ["FUNCTIONS", "MAX_LENGTH", "Expression", "ExpressionError", "Kind", "check", "evaluate", "is_true", "parse",
           "to_source"]
