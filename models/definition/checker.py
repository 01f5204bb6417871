"""Checking a read definition: every problem at once, each with its location; else a SurveySpec."""
from __future__ import annotations

from typing import Any

from ..text import MESSAGES, bad_text, printable
from .layout import DefinitionChecks
from .reader import line_of
from .spec import Problem


def _unstorable_text(data: Any) -> list[Problem]:
    """Text no export or page could encode (a lone surrogate from a JSON or YAML escape), or a NUL."""
    problems = []
    for path, problem in bad_text(data):
        container = data
        for step in path[:-1]:
            container = container[step]
        where = "".join(f"[{step}]" if isinstance(step, int) else f".{printable(step)}" for step in path).lstrip(".")
        message = MESSAGES[problem].rstrip(".")
        problems.append(Problem(where or "file", message[0].lower() + message[1:],
                                line_of(container, path[-1]) if path else None))
    return sorted(problems, key=lambda p: p.line or 0)


class _Checker(DefinitionChecks):
    """The whole definition: its shape (layout.py), each field (fields.py), its logic (logic.py)."""
