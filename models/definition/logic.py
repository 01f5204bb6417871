"""Checking a definition's conditions and formulas: each parses, reads fields that exist and hold a value,
compares like with like; a condition reads only answers given before it; no formula reads itself; and no
score is less protected than what it is computed from."""
from __future__ import annotations

from typing import Iterable

from ..choices import Choice
from ..expressions import Expression, ExpressionError, Kind, check, parse
from ..instrument import reads_through
from ..vocabulary import Classification, FieldType
from .spec import FieldSpec, MatrixSpec, Problem, SectionSpec

KIND_OF_TYPE = {FieldType.INTEGER: Kind.NUMBER, FieldType.NUMBER: Kind.NUMBER, FieldType.TEXT: Kind.TEXT,
                FieldType.TEXTAREA: Kind.TEXT, FieldType.EMAIL: Kind.TEXT, FieldType.DATE: Kind.DATE,
                FieldType.TIME: Kind.TIME, FieldType.DATETIME: Kind.DATETIME, FieldType.BOOLEAN: Kind.BOOLEAN,
                FieldType.MULTI_CHOICE: Kind.LIST}


def kind_of_choices(choices: Iterable[Choice]) -> Kind:
    values = [choice.value for choice in choices]
    if all(isinstance(v, int) for v in values):
        return Kind.NUMBER
    return Kind.TEXT if all(isinstance(v, str) for v in values) else Kind.ANY


def check_logic(fields: list[FieldSpec], sections: list[SectionSpec], matrices: list[MatrixSpec],
                lines: dict[str, tuple[str, int | None]], failed: set[str] = frozenset()) -> list[Problem]:
    """`failed`: names of fields that have problems of their own; what reads them is checked once they are fixed."""
    return _Logic(fields, sections, matrices, lines, failed).problems


class _Logic:
    def __init__(self, fields, sections, matrices, lines, failed):
        self.fields, self.lines, self.problems, self.failed = fields, lines, [], failed
        self.by_name = {f.name: f for f in fields}
        self.position = {f.name: index for index, f in enumerate(fields)}
        first = {}
        for index, f in enumerate(fields):
            first.setdefault(f"section:{f.section}", index)
            first.setdefault(f"matrix:{f.matrix}", index)
        self.expressions: dict[str, tuple[Expression, int]] = {}  # key → (expression, position it is read at)
        for f in fields:
            self.parse(f"{f.name}.show_if", f.show_if, self.position[f.name])
            self.parse(f"{f.name}.formula", f.formula, len(fields))  # a score may read any answer
        for section in sections:
            self.parse(f"section:{section.name}", section.show_if, first.get(f"section:{section.name}", 0))
        for matrix in matrices:
            self.parse(f"matrix:{matrix.name}", matrix.show_if, first.get(f"matrix:{matrix.name}", 0))
        self.expressions = {key: found for key, found in self.expressions.items()
                            if not found[0].names & self.failed}
        if self.problems:
            return
        self.names_exist()
        if self.problems:
            return
        self.no_cycles()
        if self.problems:
            return
        self.kinds()
        self.reads_before()
        self.strict_enough()

    def add(self, key: str, message: str) -> None:
        where, line = self.lines.get(key, (key, None))
        self.problems.append(Problem(where, message, line))

    def parse(self, key: str, source: str | None, position: int) -> None:
        if source is None:
            return
        try:
            self.expressions[key] = (parse(source), position)
        except ExpressionError as exc:
            self.add(key, f"{source!r}: {exc.message}")

    def names_exist(self) -> None:
        for key, (expr, _) in self.expressions.items():
            for name in sorted(expr.names):
                f = self.by_name.get(name)
                if f is None:
                    self.add(key, f"reads {name!r}, which is not a field of this survey")
                elif f.type is FieldType.NOTE:
                    self.add(key, f"reads {name!r}, which is a note and holds no answer")

    def formula_of(self, name: str) -> Expression | None:
        found = self.expressions.get(f"{name}.formula")
        return found[0] if found else None

    def no_cycles(self) -> None:
        state: dict[str, str] = {}

        def visit(name: str, path: list[str]) -> None:
            state[name] = "open"
            for read in sorted(self.formula_of(name).names):
                if self.formula_of(read) is None:
                    continue
                if state.get(read) == "open":
                    cycle = path[path.index(read):] + [read]
                    self.add(f"{read}.formula", "reads itself through " + " → ".join(cycle))
                elif read not in state:
                    visit(read, path + [read])
            state[name] = "done"
        for f in self.fields:
            if self.formula_of(f.name) is not None and f.name not in state:
                visit(f.name, [f.name])

    def kinds(self) -> None:
        """Each field's kind for the expressions that read it; a score's kind is its formula's."""
        kinds: dict[str, Kind] = {}
        choices = {f.name: tuple(c.value for c in f.choices) for f in self.fields if f.choices}
        for f in self.fields:
            if f.type is FieldType.CHOICE:
                kinds[f.name] = kind_of_choices(f.choices)
            elif f.type in KIND_OF_TYPE:
                kinds[f.name] = KIND_OF_TYPE[f.type]

        def kind_of(name: str) -> Kind:
            if name not in kinds:
                kinds[name] = Kind.ANY  # settled below; ANY stops a repeated visit
                formula = self.formula_of(name)
                for read in formula.names:
                    if self.formula_of(read) is not None:
                        kind_of(read)
                kinds[name], problems = check(formula, kinds, choices)
                for problem in problems:
                    self.add(f"{name}.formula", problem)
            return kinds[name]
        for f in self.fields:
            # A score that reads a field with problems of its own (a grid's rows, say) is checked once they are fixed.
            if f.type is FieldType.CALCULATED and self.formula_of(f.name) is not None:
                kind_of(f.name)
        for key, (expr, _) in self.expressions.items():
            if key.endswith(".formula"):
                continue
            kind, problems = check(expr, kinds, choices)
            for problem in problems:
                self.add(key, problem)
            if not problems and kind not in (Kind.BOOLEAN, Kind.ANY):
                self.add(key, f"must be a condition (true or false), but {expr.source!r} gives {kind.value}")

    def reads_before(self) -> None:
        for key, (expr, position) in self.expressions.items():
            if key.endswith(".formula"):
                continue
            for name in sorted(reads_through(expr, self.formula_of)):
                if self.formula_of(name) is None and self.position[name] >= position:
                    whose = "its own answer" if key == f"{name}.show_if" else f"{name!r}, which comes after it"
                    self.add(key, f"reads {whose}: a condition may read only answers given before it")

    def strict_enough(self) -> None:
        for f in self.fields:
            formula = self.formula_of(f.name)
            if formula is None:
                continue
            read = [self.by_name[name].classification for name in formula.names]
            strictest = max(read, key=lambda cls: cls.strictness, default=Classification.NON_PII)
            if strictest.strictness > f.classification.strictness:
                self.add(f"{f.name}.classification", f"is {f.classification.value}, but it is computed from "
                         f"{strictest.value} answers, so it is {strictest.value}")

