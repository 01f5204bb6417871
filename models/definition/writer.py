"""A checked survey back in our definition format: the data a YAML or JSON file holds, which reads back as the
same survey."""
from __future__ import annotations

from typing import Any

from ..choices import options
from .spec import FieldSpec, MatrixSpec, SectionSpec, SurveySpec


def definition_data(spec: SurveySpec) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": spec.slug, "title": spec.title, "purpose": spec.purpose}
    for key in ("purpose_description", "description"):
        if getattr(spec, key):
            data[key] = getattr(spec, key)
    data.update(min_age=spec.min_age, retention_days=spec.retention_days, status=spec.status.value)
    if not spec.sections:
        data["fields"] = _items(spec, spec.fields)
        return data
    data["sections"] = []
    for section in spec.sections:
        entry: dict[str, Any] = {"name": section.name, "title": section.title}
        if section.description:
            entry["description"] = section.description
        if section.show_if:
            entry["show_if"] = section.show_if
        entry["fields"] = _items(spec, [f for f in spec.fields if f.section == section.name])
        data["sections"].append(entry)
    return data


def _items(spec: SurveySpec, fields: list[FieldSpec] | tuple[FieldSpec, ...]) -> list[dict[str, Any]]:
    """Fields in order; the rows of a grid gathered back into it where its first row stood."""
    matrices = {m.name: m for m in spec.matrices}
    items: list[dict[str, Any]] = []
    for f in fields:
        if f.matrix is None:
            items.append(_field(f))
        elif not items or items[-1].get("matrix") != f.matrix:
            m = matrices[f.matrix]
            grid: dict[str, Any] = {"matrix": m.name, "label": m.label}
            if m.help:
                grid["help"] = m.help
            if m.show_if:
                grid["show_if"] = m.show_if
            grid.update(classification=f.classification.value, required=f.required,
                        choices=[c.as_json() for c in f.choices or ()], rows=[_row(f, f)])
            items.append(grid)
        else:
            items[-1]["rows"].append(_row(f, _Head(items[-1])))
    return items


class _Head:
    """What a row inherits from its grid, to write only where it differs."""

    def __init__(self, grid: dict):
        self.classification, self.required = grid["classification"], grid["required"]


def _row(f: FieldSpec, head: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"name": f.name, "label": f.label}
    if f.help:
        row["help"] = f.help
    if f.classification != head.classification:
        row["classification"] = f.classification.value
    if f.required != head.required:
        row["required"] = f.required
    if f.show_if:
        row["show_if"] = f.show_if
    return row


def _field(f: FieldSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": f.name, "label": f.label, "type": f.type.value}
    if f.type.stores_answer:
        entry["classification"] = f.classification.value
    if f.help:
        entry["help"] = f.help
    if f.required:
        entry["required"] = True
    if f.role:
        entry["role"] = f.role.value
    if f.choices:
        plain = all(isinstance(c.value, str) and c.value == c.label for c in f.choices)
        entry["choices"] = [c.value for c in f.choices] if plain else [c.as_json() for c in f.choices]
    for key in ("min", "max", "show_if", "formula", "pattern"):
        if getattr(f, key) is not None:
            entry[key] = getattr(f, key)
    if f.appearance:
        entry["appearance"] = f.appearance.value
    return entry


def stored_spec(survey: Any) -> SurveySpec:
    """A stored survey (its row, fields and layout) as the SurveySpec that saved it."""
    layout = survey.layout or {}
    fields = tuple(FieldSpec(
        name=f.name, label=f.label, type=f.type, classification=f.classification, required=f.required, role=f.role,
        choices=options(f) or None, min=f.min, max=f.max, help=f.help or "", show_if=f.show_if, formula=f.formula,
        pattern=f.pattern, appearance=f.appearance, section=f.section, matrix=f.matrix) for f in survey.fields)
    return SurveySpec(
        slug=survey.slug, title=survey.title, purpose=survey.purpose, fields=fields,
        purpose_description=survey.purpose_description or "", description=survey.description or "",
        min_age=survey.min_age, retention_days=survey.retention_days, status=survey.status,
        sections=tuple(SectionSpec(s["name"], s["title"], s.get("description") or "", s.get("show_if"))
                       for s in layout.get("sections") or ()),
        matrices=tuple(MatrixSpec(m["name"], m["label"], m.get("help") or "", m.get("show_if"))
                       for m in layout.get("matrices") or ()))
