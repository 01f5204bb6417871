"""A survey as it runs: its pages, its grids, its conditions and formulas parsed once, and what a set of
answers makes of them (which questions are shown, what each score is)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from .expressions import Expression, evaluate, is_true, parse
from .vocabulary import FieldType


def reads_through(expr: Expression, formula_of: Callable[[str], Expression | None]) -> set[str]:
    """Every name an expression depends on: those it reads, and through any score among them, what its formula
    reads (the scores' own names included)."""
    seen: set[str] = set()
    pending = list(expr.names)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            if (formula := formula_of(name)) is not None:
                pending += formula.names
    return seen


@dataclass(frozen=True)
class Page:
    """One section, one page of the web form; a survey without sections is one untitled page."""
    name: str | None
    title: str
    description: str
    fields: tuple[Any, ...]


@dataclass(frozen=True)
class Resolved:
    """What a set of answers makes of the survey."""
    #: Every stored field's value as expressions see it: None when unanswered or hidden.
    values: dict[str, Any]
    #: The fields (and grids, and sections) whose conditions hold.
    shown: frozenset[str]
    pages_shown: frozenset[str | None]


class Instrument:
    """Built from fields in their order (anything with name, type, section, matrix, show_if, formula)
    and the layout stored beside them (sections and grids)."""

    def __init__(self, fields: Iterable[Any], layout: Mapping[str, Any] | None = None):
        layout = layout or {}
        self.fields = tuple(fields)
        self.by_name = {f.name: f for f in self.fields}
        self.sections = {s["name"]: s for s in layout.get("sections") or ()}
        self.matrices = {m["name"]: m for m in layout.get("matrices") or ()}
        self.pages = self._pages()
        self.conditions: dict[str, Expression] = {}
        for name, source in self._condition_sources():
            self.conditions[name] = parse(source)
        self.formulas = {f.name: parse(f.formula) for f in self.fields
                         if f.type == FieldType.CALCULATED and getattr(f, "formula", None)}
        self.has_logic = bool(self.conditions or self.formulas)
        #: Per field, the conditions that must hold for it to be shown: its section's, its grid's, its own.
        self.conditions_of = {f.name: self._conditions_of(f) for f in self.fields}
        self.asked = tuple(f for f in self.fields if FieldType(f.type).is_asked)
        self.stored = tuple(f for f in self.fields if FieldType(f.type).stores_answer)
        self.order = self._evaluation_order() if self.has_logic else ()

    def _pages(self) -> tuple[Page, ...]:
        if not self.sections:
            return (Page(None, "", "", self.fields),)
        return tuple(Page(name, section.get("title") or "", section.get("description") or "",
                          tuple(f for f in self.fields if f.section == name))
                     for name, section in self.sections.items())

    def _condition_sources(self) -> Iterable[tuple[str, str]]:
        """Conditions keyed by whose they are: a field's own name, "section:<name>" or "matrix:<name>"."""
        for name, section in self.sections.items():
            if section.get("show_if"):
                yield f"section:{name}", section["show_if"]
        for name, matrix in self.matrices.items():
            if matrix.get("show_if"):
                yield f"matrix:{name}", matrix["show_if"]
        for f in self.fields:
            if getattr(f, "show_if", None):
                yield f.name, f.show_if

    def _conditions_of(self, f: Any) -> tuple[tuple[str, Expression], ...]:
        """(key, condition) for the field's section, its grid and itself, the outermost first."""
        keys = (f"section:{f.section}" if getattr(f, "section", None) else None,
                f"matrix:{f.matrix}" if getattr(f, "matrix", None) else None, f.name)
        return tuple((key, self.conditions[key]) for key in keys if key in self.conditions)

    def _evaluation_order(self) -> tuple[tuple[Any, tuple[tuple[str, Expression], ...], Expression | None], ...]:
        """Every stored field after all it depends on: conditions read earlier fields only (the checker
        sees to it), formulas may read any field but never themselves, directly or not."""
        done: set[str] = set()
        order = []

        def visit(f: Any) -> None:
            if f.name in done:
                return
            done.add(f.name)  # a cycle is refused when the definition loads; this only stops recursion
            conditions = self.conditions_of[f.name]
            formula = self.formulas.get(f.name)
            for expr in (*(expr for _, expr in conditions), *((formula,) if formula else ())):
                for name in expr.names:
                    if name in self.by_name:
                        visit(self.by_name[name])
            order.append((f, conditions, formula))
        for f in self.fields:
            if FieldType(f.type).stores_answer:
                visit(f)
        return tuple(order)

    def resolve(self, given: Mapping[str, Any], today: date) -> Resolved:
        """Hidden fields lose their value; calculated fields get theirs."""
        if not self.has_logic:
            values = {f.name: given.get(f.name) for f in self.fields if f.type != FieldType.NOTE}
            return Resolved(values, frozenset(self.by_name) | frozenset(self._group_keys()),
                            frozenset(page.name for page in self.pages))
        values: dict[str, Any] = _Known()
        decided: dict[str, bool] = {}

        def holds(key: str, expr: Expression) -> bool:
            if key not in decided:
                decided[key] = is_true(evaluate(expr, values, today))
            return decided[key]
        for f, conditions, formula in self.order:
            if all(holds(key, expr) for key, expr in conditions):
                values[f.name] = evaluate(formula, values, today) if formula else given.get(f.name)
            else:
                values[f.name] = None
        # Notes, and grids and sections no stored field has asked about yet, given what is known.
        for f in self.fields:
            if f.type == FieldType.NOTE:
                all(holds(key, expr) for key, expr in self.conditions_of[f.name])
        for key in self._group_keys():
            if key in self.conditions:
                holds(key, self.conditions[key])
        # A field is shown when its section's, its grid's and its own conditions all hold.
        shown = {name for name, conditions in self.conditions_of.items()
                 if all(decided.get(key, True) for key, _ in conditions)}
        shown.update(key for key in self._group_keys() if decided.get(key, True))
        pages = {page.name for page in self.pages if page.name is None or f"section:{page.name}" in shown}
        return Resolved(dict(values), frozenset(shown), frozenset(pages))

    def _group_keys(self) -> list[str]:
        return [f"section:{name}" for name in self.sections] + [f"matrix:{name}" for name in self.matrices]


class _Known(dict):
    """Values known so far; a name not yet known (a field on a later page, for a note) reads as unanswered."""

    def __missing__(self, key: str) -> None:
        return None
