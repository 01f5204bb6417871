"""A checked survey written out as an XLSForm (.xlsx), so an instrument leaves as easily as it came: sections →
groups, grids → table-list groups, conditions and formulas → XPath; read back, it gives the same survey."""
from __future__ import annotations

import io
import re

from openpyxl import Workbook

from ..definition.logic import KIND_OF_TYPE, kind_of_choices
from ..definition.spec import DefinitionError, FieldSpec, Problem, SurveySpec
from ..expressions import Kind, check, parse
from ..translations import choice_key, field_key, matrix_key, section_key
from ..vocabulary import Appearance, FieldType
from .constraints import write_constraint
from .xlsform import WHOLE
from .xlsform_languages import heading_of
from .xpath import Answer, XPathError
from .xpath_out import write_xpath

SURVEY = ["type", "name", "label", "hint", "required", "relevant", "constraint", "calculation", "appearance",
          "classification", "role", "field_type"]
TYPES = {FieldType.TEXT: "text", FieldType.TEXTAREA: "text", FieldType.EMAIL: "text", FieldType.INTEGER: "integer",
         FieldType.NUMBER: "decimal", FieldType.DATE: "date", FieldType.TIME: "time", FieldType.DATETIME: "dateTime",
         FieldType.NOTE: "note", FieldType.CALCULATED: "calculate", FieldType.CHOICE: "select_one",
         FieldType.MULTI_CHOICE: "select_multiple", FieldType.BOOLEAN: "select_one"}
#: Our types XLSForm has no word for, named in the field_type column (which XLSForm tools ignore).
FIELD_TYPE = {FieldType.EMAIL: "email", FieldType.BOOLEAN: "boolean"}
BOOLEAN = [("true", "Yes", True), ("false", "No", False)]


def write_xlsform(spec: SurveySpec) -> bytes:
    """The survey as an XLSForm workbook; DefinitionError for a condition or formula XPath cannot say exactly."""
    writer = _Writer(spec)
    rows = writer.survey()
    if writer.problems:
        raise DefinitionError(writer.problems)
    book = Workbook()
    survey_columns = [name for column in SURVEY for name in writer.columns(column)]
    sheets = [("survey", survey_columns, rows), ("choices", writer.choice_columns(), writer.choices),
              ("settings", *writer.settings())]
    book.remove(book.active)
    for title, columns, entries in sheets:
        sheet = book.create_sheet(title)
        sheet.append(columns)
        for entry in entries:
            sheet.append([entry.get(column) for column in columns])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, not a spreadsheet formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _Writer:
    def __init__(self, spec: SurveySpec):
        self.spec = spec
        #: A survey in named languages has a label and a hint column for each, "label::Spanish (es)".
        self.headings = [heading_of(language) for language in spec.languages]
        self.problems: list[Problem] = []
        self.choices: list[dict] = []
        self.lists: dict[str, str] = {}  # field or grid name → its list
        self.answers = {field.name: self.answer(field) for field in spec.fields}
        if any(field.type is FieldType.BOOLEAN for field in spec.fields):
            taken = {f.name for f in spec.fields} | {m.name for m in spec.matrices}
            self.boolean_list = self.unique("true_false", taken)
            self.choices += [{"list_name": self.boolean_list, "name": code, **self.words("", label, "label")}
                             for code, label, _ in BOOLEAN]

    @staticmethod
    def unique(wanted: str, taken: set[str]) -> str:
        name, number = wanted, 1
        while name in taken:
            number += 1
            name = f"{wanted}_{number}"
        return name

    def answer(self, field: FieldSpec) -> Answer:
        """How the field reads in XPath; its choices get their codes (XLSForm names) and join the choices sheet."""
        if field.type is FieldType.BOOLEAN or field.type is FieldType.CALCULATED and self.kind(field) is Kind.BOOLEAN:
            return Answer(field.name, "boolean", {code: value for code, _, value in BOOLEAN})
        if not field.type.has_choices:
            return Answer(field.name, field.type.value)
        list_name = field.matrix or field.name
        codes: dict[str, object] = {}
        for choice in field.choices:
            # A multiple choice's answer is its codes joined by spaces, so a code holds none (nor quotes, which
            # ODK Validate warns about); choice_value keeps the value itself.
            code = self.unique(re.sub(r"[\s'\"]+", "_", str(choice.value).strip()), set(codes))
            codes[code] = choice.value
            if list_name not in self.lists.values():
                # choice_value keeps a value the name alone would not give back: one with spaces, or text of digits
                # (a list of digits alone is read as numbers).
                kept = code != str(choice.value) or isinstance(choice.value, str) and WHOLE.fullmatch(choice.value)
                self.choices.append({"list_name": list_name, "name": code,
                                     **self.words(choice_key(list_name, choice.value), choice.label, "label"),
                                     "choice_value": choice.value if kept else None})
        self.lists[field.name] = list_name
        return Answer(field.name, "choice" if field.type is FieldType.CHOICE else "multi", codes)

    def kind(self, field: FieldSpec) -> Kind:
        """A calculated field's kind, as the checker finds it from the formulas it reads."""
        kinds = {f.name: kind_of_choices(f.choices) if f.type is FieldType.CHOICE else KIND_OF_TYPE.get(f.type)
                 for f in self.spec.fields}
        formulas = {f.name: parse(f.formula) for f in self.spec.fields if f.formula}

        def settle(name: str) -> Kind:
            if kinds.get(name) is None:
                kinds[name] = Kind.ANY  # a guard against cycles, which the checker has already refused
                for read in formulas[name].names:
                    if read in formulas:
                        settle(read)
                kinds[name] = check(formulas[name], {k: v for k, v in kinds.items() if v}, {})[0]
            return kinds[name]
        return settle(field.name)

    def xpath(self, source: str | None, where: str, key: str, *, condition: bool) -> str | None:
        if source is None:
            return None
        try:
            return write_xpath(parse(source).tree, self.answers, condition=condition)
        except XPathError as exc:
            self.problems.append(Problem(where, f"{key} {source!r} cannot be written as XPath: {exc.message}"))
            return None

    def survey(self) -> list[dict]:
        rows: list[dict] = []
        sections = {section.name: section for section in self.spec.sections}
        section = matrix = None
        for field in self.spec.fields:
            if matrix and field.matrix != matrix:
                rows.append({"type": "end group"})
                matrix = None
            if field.section != section:
                if section is not None:
                    rows.append({"type": "end group"})
                section = field.section
                page = sections[section]
                rows.append(self.group(page.name, self.words(section_key(page.name, "title"), page.title, "label")
                                       | self.words(section_key(page.name, "description"), page.description, "hint"),
                                       page.show_if, "field-list", "section"))
            if field.matrix and field.matrix != matrix:
                matrix = field.matrix
                grid = next(m for m in self.spec.matrices if m.name == matrix)
                rows.append(self.group(grid.name, self.words(matrix_key(grid.name, "label"), grid.label, "label")
                                       | self.words(matrix_key(grid.name, "help"), grid.help, "hint"),
                                       grid.show_if, "table-list", "matrix"))
            rows.append(self.field(field))
        rows += [{"type": "end group"}] * ((matrix is not None) + (section is not None))
        return rows

    def group(self, name: str, texts: dict, show_if: str | None, appearance: str, what: str) -> dict:
        return {"type": "begin group", "name": name, **texts, "appearance": appearance,
                "relevant": self.xpath(show_if, f"{what} {name}", "show_if", condition=True)}

    def columns(self, kind: str) -> list[str]:
        """A survey column's headings: label and hint once per language, when the survey names its languages."""
        if kind not in ("label", "hint") or not self.headings:
            return [kind]
        return [f"{kind}::{heading}" for heading in self.headings]

    def words(self, key: str, first: str, kind: str) -> dict:
        """A text in its column, or in each language's: the first language's text where another has none of its own
        (no text at all: no cell)."""
        if not first:
            return {}
        if not self.headings:
            return {kind: first}
        texts = [first] + [self.spec.translations.get(language, {}).get(key) or first
                           for language in self.spec.languages[1:]]
        return {f"{kind}::{heading}": text for heading, text in zip(self.headings, texts, strict=True)}

    def field(self, field: FieldSpec) -> dict:
        where = f"field {field.name}"
        kind = TYPES[field.type]
        if field.type.has_choices:
            kind += f" {self.lists[field.name]}"
        elif field.type is FieldType.BOOLEAN:
            kind += f" {self.boolean_list}"
        try:
            constraint = write_constraint(field.min, field.max, field.pattern, field.type.value)
        except XPathError as exc:
            constraint = None
            self.problems.append(Problem(where, f"min and max cannot be written as a constraint: {exc.message}"))
        appearance = "minimal" if field.appearance is Appearance.DROPDOWN else \
            "multiline" if field.type is FieldType.TEXTAREA else None
        return {"type": kind, "name": field.name, **self.words(field_key(field.name, "label"), field.label, "label"),
                **self.words(field_key(field.name, "help"), field.help, "hint"),
                "required": "yes" if field.required else None, "constraint": constraint, "appearance": appearance,
                "relevant": self.xpath(field.show_if, where, "show_if", condition=True),
                "calculation": self.xpath(field.formula, where, "formula", condition=False),
                "classification": field.classification.value if field.type is not FieldType.NOTE else None,
                "role": field.role.value if field.role else None, "field_type": FIELD_TYPE.get(field.type)}

    def choice_columns(self) -> list[str]:
        extra = ["choice_value"] if any(entry.get("choice_value") is not None for entry in self.choices) else []
        return ["list_name", "name", *self.columns("label")] + extra

    def settings(self) -> tuple[list[str], list[dict]]:
        """form_id and form_title, and beside them what our format has that XLSForm has not (its tools ignore it)."""
        spec = self.spec
        values = {"form_title": spec.title, "form_id": spec.slug, "description": spec.description or None,
                  "purpose_description": spec.purpose_description or None, "min_age": spec.min_age,
                  "retention_days": spec.retention_days}
        if self.headings:
            # form_title and the rest hold the first language, as XLSForm tools expect; ours beside them the others'.
            values["default_language"] = self.headings[0]
            for key, setting in (("title", "form_title"), ("description", "description"),
                                 ("purpose_description", "purpose_description")):
                for language, heading in zip(self.spec.languages[1:], self.headings[1:], strict=True):
                    values[f"{setting}::{heading}"] = self.spec.translations.get(language, {}).get(key)
        columns = [key for key, value in values.items() if value is not None]
        return columns, [values]
