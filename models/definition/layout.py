"""Checking a definition's shape: the survey's own keys, its sections (pages) and grids, and names unique
across all of them; fields are checked in fields.py, expressions in logic.py."""
from __future__ import annotations

from typing import Any

from ..translations import field_key, matrix_key, section_key
from ..vocabulary import MIN_AGE, RETENTION_DAYS, Classification, FieldType, SurveyStatus
from .fields import FieldChecks
from .logic import check_logic
from .reader import line_of
from .spec import (MATRIX_KEYS, MAX_FIELDS, MAX_SECTIONS, PURPOSE, ROW_KEYS, SECTION_KEYS, SLUG, SURVEY_KEYS,
                   FieldSpec, MatrixSpec, SectionSpec, SurveySpec)


class DefinitionChecks(FieldChecks):
    def survey(self, data: Any) -> SurveySpec | None:
        if not isinstance(data, dict):
            self.add("file", "must be a mapping with slug, title, purpose and fields (or sections)", None)
            return None
        self.duplicates(data, "")
        self.unknown_keys(data, SURVEY_KEYS, "")
        self.language_list(data)  # first: every text below is checked against it
        slug = self.text(data, "slug", "", required=True, max_len=64, pattern=SLUG,
                         pattern_hint="may hold only lower-case letters, digits and hyphens")
        title = self.words(data, "title", "", required=True, max_len=200, path="title")
        purpose = self.text(data, "purpose", "", required=True, max_len=64, pattern=PURPOSE,
                            pattern_hint="must be a short key: lower-case letters, digits, - and _")
        purpose_description = self.words(data, "purpose_description", "", required=False, max_len=2000,
                                         path="purpose_description")
        description = self.words(data, "description", "", required=False, max_len=5000, path="description")
        min_age = self.integer(data, "min_age", "", MIN_AGE, MIN_AGE, 120,
                               why_low="the service does not collect data from minors")
        retention_days = self.integer(data, "retention_days", "", RETENTION_DAYS, 1, 36500)
        status = self.enum(data, "status", "", SurveyStatus, required=False) or SurveyStatus.OPEN
        self.sections, self.matrices, self.lines, self.placed, self.failed = [], [], {}, [], set()
        if "sections" in data and "fields" in data:
            self.add("sections", "and fields cannot both be given: put every field in a section",
                     line_of(data, "sections"))
            fields: list[FieldSpec] = []
        elif "sections" in data:
            fields = self.section_list(data)
        else:
            fields = self.field_list(data, "fields", "", None, line_of(data, "fields"))
        self.unique_names(fields)
        # Conditions and formulas are checked even beside other problems, all reported at once; what reads
        # a field that could not be read itself is left until that field is fixed.
        self.problems += check_logic(fields, self.sections, self.matrices, self.lines, self.failed)
        if self.problems:
            return None
        return SurveySpec(slug=slug, title=title, purpose=purpose, fields=tuple(fields),
                          purpose_description=purpose_description or "", description=description or "",
                          min_age=min_age, retention_days=retention_days, status=status,
                          sections=tuple(self.sections), matrices=tuple(self.matrices),
                          languages=self.languages or (), translations=self.translated)

    def section_list(self, data: dict) -> list[FieldSpec]:
        items = self.items(data, "sections", "", "section", MAX_SECTIONS)
        fields: list[FieldSpec] = []
        for index, item in enumerate(items or []):
            line = line_of(items, index)
            where = self.opened(item, f"sections[{index}]", line, SECTION_KEYS, "name, title and fields")
            if where is None:
                continue
            name = self.name(item, "name", where)
            title = self.words(item, "title", where, required=False, max_len=500,
                               path=name and section_key(name, "title"))
            description = self.words(item, "description", where, required=False, max_len=5000,
                                     path=name and section_key(name, "description"))
            show_if = self.expression(item, "show_if", where)
            if name is not None:
                self.sections.append(SectionSpec(name, title or name.replace("_", " ").capitalize(),
                                                 description or "", show_if))
                self.lines[f"section:{name}"] = (f"{where}show_if", line_of(item, "show_if") or line)
            fields += self.field_list(item, "fields", where, name, line)
        return fields

    def field_list(self, container: dict, key: str, where: str, section: str | None,
                   line: int | None) -> list[FieldSpec]:
        items = self.items(container, key, where, "field", MAX_FIELDS)
        specs: list[FieldSpec] = []
        for index, item in enumerate(items or []):
            at, item_line = f"{where}{key}[{index}]", line_of(items, index) or line
            if isinstance(item, dict) and "matrix" in item:
                specs += self.matrix(item, at, item_line, section)
                continue
            spec = self.field(item, at, item_line, section)
            if spec is None and isinstance(item, dict) and isinstance(item.get("name"), str):
                self.failed.add(item["name"])
            if spec is not None:
                specs.append(spec)
                self.placed.append((spec.name, f"{at} ({spec.name})", item_line))
                self.lines[spec.name] = (f"{at} ({spec.name})", item_line)
                for part in ("show_if", "formula", "classification"):
                    self.lines[f"{spec.name}.{part}"] = (f"{at} ({spec.name}).{part}", line_of(item, part) or item_line)
        return specs

    def matrix(self, item: dict, where: str, line: int | None, section: str | None) -> list[FieldSpec]:
        """A grid → one choice field per row, on the grid's shared choices."""
        before = len(self.problems)
        where = self.opened(item, where, line, MATRIX_KEYS, "matrix, label, choices and rows", name_key="matrix")
        name = self.name(item, "matrix", where)
        label = self.words(item, "label", where, required=True, max_len=5000, path=name and matrix_key(name, "label"))
        help_text = self.words(item, "help", where, required=False, max_len=2000,
                               path=name and matrix_key(name, "help"))
        classification = self.enum(item, "classification", where, Classification, required=True)
        required = self.flag(item, "required", where) or False
        show_if = self.expression(item, "show_if", where)
        choices = None
        if item.get("choices") is None:
            self.add(f"{where}choices", "are missing: a matrix's rows share one list of choices", line)
        else:
            choices = self.choice_list(item["choices"], f"{where}choices", line_of(item, "choices") or line, name)
        rows = self.items(item, "rows", where, "row", MAX_FIELDS) or []
        specs = []
        for index, row in enumerate(rows):
            row_line = line_of(rows, index) or line
            at = self.opened(row, f"{where}rows[{index}]", row_line, ROW_KEYS, "name and label")
            if at is None:
                continue
            raw_row = row.get("name")
            row_name = self.name(row, "name", at)
            row_label = self.words(row, "label", at, required=True, max_len=5000,
                                   path=row_name and field_key(row_name, "label"))
            row_help = self.words(row, "help", at, required=False, max_len=2000,
                                  path=row_name and field_key(row_name, "help"))
            row_class = self.enum(row, "classification", at, Classification, required=False)
            row_required = self.flag(row, "required", at)
            row_show_if = self.expression(row, "show_if", at)
            if row_name is None or row_label is None:
                if isinstance(raw_row, str):
                    self.failed.add(raw_row)
                continue
            specs.append(FieldSpec(
                name=row_name, label=row_label, help=row_help or "", type=FieldType.CHOICE,
                classification=row_class or classification or Classification.SPI, choices=choices,
                required=required if row_required is None else row_required, show_if=row_show_if,
                section=section, matrix=name))
            self.lines[row_name] = (at.rstrip("."), row_line)
            self.placed.append((row_name, at.rstrip("."), row_line))
            for part in ("show_if", "classification"):
                self.lines[f"{row_name}.{part}"] = (f"{at}{part}", line_of(row, part) or row_line)
        if len(self.problems) > before or name is None or label is None:
            self.failed.update(spec.name for spec in specs)
            return []
        self.matrices.append(MatrixSpec(name, label, help_text or "", show_if))
        self.placed.append((name, where.rstrip("."), line))
        self.lines[f"matrix:{name}"] = (f"{where}show_if", line_of(item, "show_if") or line)
        return specs

    def unique_names(self, fields: list[FieldSpec]) -> None:
        """Field and grid names share one namespace (expressions and exports name them), and so do sections."""
        if len(fields) > MAX_FIELDS:
            self.add("fields", f"has {len(fields)} fields in all; at most {MAX_FIELDS} are allowed", None)
        seen: dict[str, str] = {}
        for name, where, line in self.placed:
            if name in seen:
                self.add(f"{where}.name", f"duplicates the name of {seen[name].split(' (')[0]}", line)
            seen.setdefault(name, where)
        sections: set[str] = set()
        for section in self.sections:
            if section.name in sections:
                where, line = self.lines[f"section:{section.name}"]
                self.add(f"{where.removesuffix('.show_if')}.name", "duplicates another section's name", line)
            sections.add(section.name)
        roles: dict[Any, str] = {}
        places = {name: (where, line) for name, where, line in reversed(self.placed)}
        for spec in fields:
            if spec.role:
                where, line = places[spec.name]
                if spec.role in roles:
                    self.add(f"{where}.role", f"{spec.role.value!r} is already the role of {roles[spec.role]}", line)
                roles.setdefault(spec.role, where)
