"""A checked survey written out as a REDCap data dictionary (CSV with REDCap's own headings): sections → forms,
notes → descriptive fields, grids → matrix groups, logic translated, each field's class kept as an action tag so
that reading the file back gives the same survey."""
from __future__ import annotations

import csv
import io
import re

from ..definition.spec import DefinitionError, FieldSpec, Problem, SurveySpec
from ..expressions.tree import literal_source
from ..vocabulary import Appearance, Classification, FieldType
from .redcap_fields import ROLE_TAGS
from .redcap_logic_out import to_redcap
from .redcap_syntax import LogicError
from .redcap_types import COLUMNS, TRUEFALSE, VALIDATION_OF_PATTERN, YESNO

__all__ = ["write_redcap"]

_TAGS = {Classification.PII: "@PII", Classification.SPI: "@SPI", Classification.NON_PII: "@NON-PII"}
_VALIDATIONS = {FieldType.EMAIL: "email", FieldType.INTEGER: "integer", FieldType.NUMBER: "number",
                FieldType.DATE: "date_ymd", FieldType.TIME: "time"}
_TYPES = {FieldType.TEXT: "text", FieldType.EMAIL: "text", FieldType.INTEGER: "text", FieldType.NUMBER: "text",
          FieldType.DATE: "text", FieldType.TIME: "text", FieldType.DATETIME: "text", FieldType.TEXTAREA: "notes",
          FieldType.MULTI_CHOICE: "checkbox", FieldType.BOOLEAN: "yesno", FieldType.CALCULATED: "calc",
          FieldType.NOTE: "descriptive"}


def write_redcap(spec: SurveySpec) -> str:
    """The survey as a data dictionary, its first row REDCap's record id; DefinitionError naming each field whose
    choices or logic a data dictionary cannot hold with the same meaning."""
    return _Writer(spec).csv()


class _Writer:
    def __init__(self, spec: SurveySpec):
        self.spec, self.problems, self.rows = spec, [], []
        self.fields = {f.name: f for f in spec.fields}
        self.sections = {s.name: s for s in spec.sections}
        self.matrices = {m.name: m for m in spec.matrices}
        self.taken = set(self.fields) | set(self.sections) | set(self.matrices)
        flat = re.sub(r"[^a-z0-9_]", "_", spec.slug.lower())
        self.flat_form = flat if re.match(r"[a-z]", flat) else f"survey_{flat}"

    def csv(self) -> str:
        first = self.spec.fields[0] if self.spec.fields else None
        self.row(name=self.unique("record_id"), form=self.form(first), type="text", label="Record ID")
        section = matrix = None
        for f in self.spec.fields:
            if f.section != section:
                section = f.section
                described = self.sections.get(section)
                if described and described.description:
                    self.row(name=self.unique(f"{section}_description"), form=section, type="descriptive",
                             label=described.description, logic=self.logic(f, [described.show_if]))
            first_row = bool(f.matrix) and f.matrix != matrix
            matrix = f.matrix
            self.field(f, first_row)
        if self.problems:
            raise DefinitionError(self.problems)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([heading for _, heading in COLUMNS])
        writer.writerows([row.get(key, "") for key, _ in COLUMNS] for row in self.rows)
        return out.getvalue()

    def field(self, f: FieldSpec, first_row: bool) -> None:
        grid = self.matrices.get(f.matrix) if f.matrix else None
        row = {"name": f.name, "form": self.form(f), "type": _TYPES.get(f.type, "text"), "label": f.label,
               "note": f.help, "logic": self.logic(f, [self.section_if(f), grid.show_if if grid else None, f.show_if])}
        if f.type is not FieldType.NOTE:
            row["annotation"] = _TAGS[f.classification] + (f" @{ROLE_TAGS[f.role.value]}" if f.role else "")
            row["identifier"] = "y" if f.classification is Classification.PII else ""
            row["required"] = "y" if f.required else ""
        if grid:
            row["matrix"] = grid.name
            if first_row:
                row["header"] = grid.label
                row["note"] = f.help or grid.help
        if f.type in _VALIDATIONS:
            row["validation"] = _VALIDATIONS[f.type]
        if f.type is FieldType.DATETIME:
            seconds = any(bound and not bound.endswith(":00Z") for bound in (f.min, f.max))
            row["validation"] = "datetime_seconds_ymd" if seconds else "datetime_ymd"
        if f.pattern:
            self.pattern(f, row)
        for key, bound in (("min", f.min), ("max", f.max)):
            if bound is not None:
                row[key] = _bound(bound, f.type)
        if f.type is FieldType.CALCULATED:
            row["choices"] = self.translate(f, f.formula, "formula")
        if f.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            pairs = tuple((c.value, c.label) for c in f.choices)
            plain = f.appearance is not Appearance.DROPDOWN and not grid
            if f.type is FieldType.CHOICE:
                row["type"] = {YESNO: "yesno", TRUEFALSE: "truefalse"}.get(pairs) if plain else None
                row["type"] = row["type"] or ("dropdown" if f.appearance is Appearance.DROPDOWN else "radio")
            if row["type"] in ("radio", "dropdown", "checkbox"):
                row["choices"] = self.choices(f)
        self.row(**row)

    def pattern(self, f: FieldSpec, row: dict) -> None:
        validation = VALIDATION_OF_PATTERN.get(f.pattern)
        if validation and f.type is FieldType.TEXT:
            row["validation"] = validation
        else:  # REDCap has no pattern of its own: the team reads it in the annotation (\x40 is @, not a tag)
            row["annotation"] += f" Pattern (not enforced by REDCap): {f.pattern.replace('@', chr(92) + 'x40')}"

    def choices(self, f: FieldSpec) -> str:
        parts = []
        for choice in f.choices:
            code, label = str(choice.value), choice.label
            bad = [char for char in ",|\n" if char in code] + [char for char in "|\n" if char in label]
            if f.type is FieldType.MULTI_CHOICE:
                bad += [char for char in "()[]" if char in code]
            if bad:
                shown = ", ".join(repr(char) for char in dict.fromkeys(bad))
                self.problems.append(Problem(f"field {f.name}", f"has the choice {code!r} ({label!r}), which holds "
                                             f"{shown}: a REDCap data dictionary cannot"))
            parts.append(f"{code}, {label}")
        return " | ".join(parts)

    def logic(self, f: FieldSpec, conditions: list[str | None]) -> str:
        """Every condition that hides it here (its page's, its grid's, its own) in one REDCap logic."""
        shown = [condition for condition in conditions if condition]
        return self.translate(f, " and ".join(f"({c})" for c in shown), "show_if") if shown else ""

    def section_if(self, f: FieldSpec) -> str | None:
        section = self.sections.get(f.section) if f.section else None
        return section.show_if if section else None

    def translate(self, f: FieldSpec, source: str, what: str) -> str:
        try:
            return to_redcap(source, self.fields)
        except LogicError as exc:
            self.problems.append(Problem(f"field {f.name}", f"its {what} {exc}"))
            return ""

    def form(self, f: FieldSpec | None) -> str:
        return f.section if f is not None and f.section else self.flat_form

    def unique(self, name: str) -> str:
        candidate, number = name, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{name}_{number}"
        self.taken.add(candidate)
        return candidate

    def row(self, *, name: str, form: str, type: str, label: str, **cells: str) -> None:
        keys = {"header": "section_header", "choices": "select_choices_or_calculations", "note": "field_note",
                "validation": "text_validation_type_or_show_slider_number", "min": "text_validation_min",
                "max": "text_validation_max", "identifier": "identifier", "logic": "branching_logic",
                "required": "required_field", "matrix": "matrix_group_name", "annotation": "field_annotation"}
        row = {"field_name": name, "form_name": form, "field_type": type, "field_label": label}
        row.update({keys[key]: value for key, value in cells.items() if value})
        self.rows.append(row)


def _bound(value, ftype: FieldType) -> str:
    if ftype is FieldType.DATETIME:  # 2026-01-01T10:30:00Z → 2026-01-01 10:30, read back as UTC
        text = value.replace("T", " ").removesuffix("Z")
        return text.removesuffix(":00") if text.endswith(":00") and len(text) == 19 else text
    if isinstance(value, (int, float)):
        return literal_source(value).strip("()")
    return str(value)
