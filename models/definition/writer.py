"""A checked survey back in our definition format: the data a YAML or JSON file holds, which reads back as the
same survey."""
from __future__ import annotations

from typing import Any

from ..choices import options
from ..translations import choice_key, field_key, matrix_key, section_key
from .spec import FieldSpec, MatrixSpec, SectionSpec, SurveySpec


class _Words:
    """A text as the definition gives it: one string, or with several languages a mapping of them, each
    language's own where it has one and the first's where it says the same."""

    def __init__(self, spec: SurveySpec):
        self.languages, self.translations = spec.languages, spec.translations

    def __call__(self, key: str, first: str) -> str | dict[str, str]:
        if len(self.languages) < 2:
            return first
        return {self.languages[0]: first,
                **{lang: self.translations.get(lang, {}).get(key) or first for lang in self.languages[1:]}}

    def has(self, key: str) -> bool:
        return any(key in texts for texts in self.translations.values())


def definition_data(spec: SurveySpec) -> dict[str, Any]:
    words = _Words(spec)
    data: dict[str, Any] = {"slug": spec.slug}
    if spec.languages:  # before the texts it gives the shape of
        data["languages"] = list(spec.languages)
    data.update(title=words("title", spec.title), purpose=spec.purpose)
    for key in ("purpose_description", "description"):
        if getattr(spec, key):
            data[key] = words(key, getattr(spec, key))
    data.update(min_age=spec.min_age, retention_days=spec.retention_days, status=spec.status.value)
    if not spec.sections:
        data["fields"] = _items(spec, spec.fields, words)
        return data
    data["sections"] = []
    for section in spec.sections:
        entry: dict[str, Any] = {"name": section.name,
                                 "title": words(section_key(section.name, "title"), section.title)}
        if section.description:
            entry["description"] = words(section_key(section.name, "description"), section.description)
        if section.show_if:
            entry["show_if"] = section.show_if
        entry["fields"] = _items(spec, [f for f in spec.fields if f.section == section.name], words)
        data["sections"].append(entry)
    return data


def _items(spec: SurveySpec, fields: list[FieldSpec] | tuple[FieldSpec, ...], words: _Words) -> list[dict[str, Any]]:
    """Fields in order; the rows of a grid gathered back into it where its first row stood."""
    matrices = {m.name: m for m in spec.matrices}
    items: list[dict[str, Any]] = []
    for f in fields:
        if f.matrix is None:
            items.append(_field(f, words))
        elif not items or items[-1].get("matrix") != f.matrix:
            m = matrices[f.matrix]
            grid: dict[str, Any] = {"matrix": m.name, "label": words(matrix_key(m.name, "label"), m.label)}
            if m.help:
                grid["help"] = words(matrix_key(m.name, "help"), m.help)
            if m.show_if:
                grid["show_if"] = m.show_if
            grid.update(classification=f.classification.value, required=f.required,
                        choices=_choices(f.matrix, f.choices or (), words, plain=False))
            grid["rows"] = [_row(f, grid, words)]
            items.append(grid)
        else:
            items[-1]["rows"].append(_row(f, items[-1], words))
    return items


def _choices(owner: str, choices, words: _Words, *, plain: bool) -> list:
    """Plain values where each is its own label in every language (`plain`: the list may be written so)."""
    if plain and all(isinstance(c.value, str) and c.value == c.label and not words.has(choice_key(owner, c.value))
                     for c in choices):
        return [c.value for c in choices]
    return [{"value": c.value, "label": words(choice_key(owner, c.value), c.label)} for c in choices]


def _row(f: FieldSpec, grid: dict[str, Any], words: _Words) -> dict[str, Any]:
    """A grid's row: its class and `required` written only where they differ from the grid's."""
    row: dict[str, Any] = {"name": f.name, "label": words(field_key(f.name, "label"), f.label)}
    if f.help:
        row["help"] = words(field_key(f.name, "help"), f.help)
    if f.classification != grid["classification"]:
        row["classification"] = f.classification.value
    if f.required != grid["required"]:
        row["required"] = f.required
    if f.show_if:
        row["show_if"] = f.show_if
    return row


def _field(f: FieldSpec, words: _Words) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": f.name, "label": words(field_key(f.name, "label"), f.label), "type": f.type.value}
    if f.type.stores_answer:
        entry["classification"] = f.classification.value
    if f.help:
        entry["help"] = words(field_key(f.name, "help"), f.help)
    if f.required:
        entry["required"] = True
    if f.role:
        entry["role"] = f.role.value
    if f.choices:
        entry["choices"] = _choices(f.name, f.choices, words, plain=True)
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
                       for m in layout.get("matrices") or ()),
        languages=tuple(survey.languages or ()),
        translations={lang: dict(texts) for lang, texts in (survey.translations or {}).items()})
