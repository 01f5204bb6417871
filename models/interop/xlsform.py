"""Reading an XLSForm (.xlsx, as ODK and Kobo write them) into our definition format, every part located at its
sheet, row and column for the checker; what cannot be imported faithfully is a problem, never a guess."""
from __future__ import annotations

import re
from pathlib import Path

from ..definition.spec import Problem
from .common import MAX_BYTES, Imported, Located, LocatedList, refuse
from .workbook import Sheet, read_workbook
from .xlsform_layout import Layout
from .xlsform_rows import Group, Item, build_tree, grid_rows
from .xpath import Answer, parse_xpath

WHOLE = re.compile(r"-?(0|[1-9][0-9]*)")
KINDS = {"text": "text", "integer": "number", "number": "number", "range": "number", "date": "date", "time": "time",
         "datetime": "datetime", "choice": "choice", "multi_choice": "multi", "note": "note"}
BOOLEAN_CODES = {"true": True, "false": False}
#: What each kind of mark in the notes says, given the rows it was made on.
MARKS = {
    "or_other": "or_other ({rows}) adds no 'Other' option here; list one among the choices if it is wanted",
    "acknowledge": "acknowledge ({rows}) became a choice with the one option OK, the value ODK records",
    "piped": "labels that show earlier answers with ${{…}} ({rows}) are kept as written: labels here are plain text",
    "step": "range steps ({rows}) are not kept: any value between the ends is accepted",
    "empty": "groups with nothing left to ask ({rows}) were left out",
    "nameless": "calculations with no name ({rows}) were left out: nothing could read them",
}


def read_xlsform(raw: bytes, filename: str, *, skip_unsupported: bool = False) -> Imported:
    """An XLSForm → our definition's data (checked by models.definition.check_definition once the purpose is given),
    or DefinitionError with every problem the import found, each with its sheet, row and column."""
    if len(raw) > MAX_BYTES:
        refuse([Problem("file", f"is larger than {MAX_BYTES // 2**20} MB, too large to be a survey definition")])
    problems: list[Problem] = []
    sheets = read_workbook(raw, problems)
    refuse(problems)
    survey = sheets.get("survey")
    if survey is None:
        found = ", ".join(sheet.name for sheet in sheets.values()) or "none"
        refuse([Problem("file", f"has no sheet named survey, where an XLSForm lists its questions (sheets: {found})")])
    if not survey.rows:
        refuse(problems + [Problem("survey sheet", "is empty: it needs a row of headings (type, name, label) "
                                   "and a row for each question", "survey sheet")])
    if "type" not in survey.headings:
        first = survey.rows[0].number - 1
        refuse(problems + [Problem("survey sheet", "has no type column: its first row must name the columns "
                                   "(type, name, label…)", f"survey sheet, row {first}")])
    reader = _XLSForm(sheets, filename, skip_unsupported, problems)
    imported = reader.read()
    refuse(reader.problems)
    return imported


class _XLSForm(Layout):
    def __init__(self, sheets: dict[str, Sheet], filename: str, skip: bool, problems: list[Problem]):
        self.sheets, self.filename, self.skip, self.problems = sheets, filename, skip, problems
        self.answers: dict[str, Answer] = {}
        self.names: dict[str, str] = {}
        self.lists: dict[str, list] = {}
        self.codes: dict[str, dict] = {}
        self.defaulted_spi: list[str] = []
        self.skipped: list[str] = []
        self.notes: list[str] = []
        self.marks: dict[str, list[int]] = {}
        self.unused: dict[str, list[int]] = {}
        self.renamed: list[str] = []
        settings = sheets.get("settings")
        self.settings = settings.rows[0] if settings and settings.rows else None

    def read(self) -> Imported:
        self.choose_languages()
        self.read_lists()
        tree = build_tree(self.sheets["survey"].rows, self.problems)
        self.name_all(tree, None)
        data = self.about()
        top = [node for node in tree if isinstance(node, Group) and not node.repeat and grid_rows(node) is None]
        if top:
            data["sections"] = self.sections(tree)
        else:
            fields = self.items(tree, [])
            data["fields"] = LocatedList(fields, [field.line for field in fields])
        data.lines["sections" if top else "fields"] = self.sheets["survey"].rows[0].at()
        if self.renamed:
            self.notes.append("names changed to lower case, with _ for - and .: " + ", ".join(self.renamed))
        self.note_untranslated()
        for mark, rows in self.marks.items():
            self.notes.append(MARKS[mark].format(rows=_rows(rows)))
        if self.unused:
            self.notes.append("columns set aside: " + "; ".join(f"{heading} ({_rows(rows)})"
                                                               for heading, rows in self.unused.items()))
        return Imported(data, self.defaulted_spi, self.skipped, self.notes)

    def read_lists(self) -> None:
        sheet = self.sheets.get("choices")
        for row in sheet.rows if sheet else ():
            list_name, name = row.get("list_name"), row.get("name")
            if not list_name or name is None:
                missing = "name" if list_name else "list_name"
                self.problem(f"list {list_name}" if list_name else "choices sheet", f"has a choice with no {missing}",
                             row.at(missing))
                continue
            label, place = self.words(row, "label")
            self.lists.setdefault(list_name, []).append((row, name, label, place))
        for list_name, entries in self.lists.items():
            # A list's values are numbers when every name is one (and the export gave none a value of its own).
            whole = all(WHOLE.fullmatch(name) and not row.get("choice_value") for row, name, *_ in entries)
            self.codes[list_name] = {name: int(name) if whole else row.get("choice_value") or name
                                     for row, name, *_ in entries}

    def name_all(self, nodes: list, repeat: str | None) -> None:
        """Our name for every row, and how its answer reads in the XPath of the others (first, so a condition
        may read a question further down, which the checker then explains)."""
        for node in nodes:
            written = node.row.get("name")
            if written is None:
                if isinstance(node, Item) and node.kind == "calculated":
                    self.mark("nameless", node.row)  # nothing can read it, and it asks nothing
                elif not (isinstance(node, Item) and node.kind == "metadata"):
                    what = "group" if isinstance(node, Group) else "question"
                    self.problem(f"row {node.row.number}", f"is a {what} with no name", node.row.at("name"))
            else:
                ours = written.lower().replace("-", "_").replace(".", "_")
                if ours != written:
                    self.renamed.append(f"{written} → {ours}")
                self.names[written] = ours
                if isinstance(node, Item):
                    self.answers[written] = self.answer_of(node, ours, repeat)
            if isinstance(node, Group):
                rows = grid_rows(node)
                for header in node.children[:1] if rows and node.children[0] not in rows else ():
                    self.answers[header.row.get("name") or ""] = Answer(header.row.get("name"), "note")
                inside = repeat or (written if node.repeat else None)
                self.name_all([child for child in node.children if not rows or child in rows], inside)

    def answer_of(self, item: Item, ours: str, repeat: str | None) -> Answer:
        if repeat:
            return Answer(ours, "left_out", reason=f"inside the repeat {repeat}")
        if item.kind == "metadata":
            return Answer(ours, "left_out", reason=f"{item.written}, which the device records by itself")
        if item.kind == "unsupported" or item.row.get("choice_filter"):
            return Answer(ours, "left_out", reason=f"{item.written}, which cannot be imported")
        if item.kind == "acknowledge":
            return Answer(ours, "choice", {"OK": "OK"})
        if item.kind == "choice" and (item.row.get("field_type") or "").strip().lower() == "boolean":
            return Answer(ours, "boolean", BOOLEAN_CODES)
        if item.kind == "calculated":
            try:
                top = parse_xpath(item.row.get("calculation") or "''")
            except ValueError:
                return Answer(ours, "calculated")  # its own row reports why
            # A calculation that is a condition stores 'true' or 'false' in ODK: compared so, it reads as one here.
            condition = top[0] == "op" and top[1] not in ("+", "-", "*", "div", "mod", "|") or \
                top[0] == "call" and top[1] in ("not", "selected", "true", "false", "regex", "boolean")
            return Answer(ours, "boolean", BOOLEAN_CODES) if condition else Answer(ours, "calculated")
        return Answer(ours, KINDS.get(item.kind, "text"), self.codes.get(item.list_name or "", {}))

    def about(self) -> Located:
        """slug and title from the settings sheet (else as pyxform does: from the file's name, from form_id)."""
        row, stem = self.settings, Path(self.filename).stem
        form_id = row.get("form_id") if row else None
        slug = _slug(form_id or stem)
        data = Located({"slug": slug or form_id or stem}, at=row.at() if row else "file",
                       places={"slug": row.at("form_id") if form_id else f"the file name {self.filename!r}"})
        if not form_id:
            self.notes.append(f"the settings sheet gives no form_id: the slug {slug!r} is made from the file name")
        elif slug != form_id:
            self.notes.append(f"form_id {form_id!r} became the slug {slug!r} (lower-case letters, digits, hyphens)")
        data["title"], place = self.setting("form_title", form_id or stem)
        data.lines["title"] = place or data.lines["slug"]
        if place is None:
            self.notes.append(f"the settings sheet gives no form_title: the title is {form_id or stem!r}")
        if languages := self.language_list():
            data["languages"], data.lines["languages"] = languages, languages.lines[0]
        # What our own export writes beside them, so a survey comes back as it left.
        for key in ("description", "purpose_description"):
            text, place = self.setting(key)
            if text:
                data[key], data.lines[key] = text, place
        for key in ("min_age", "retention_days"):
            if row and row.get(key):
                value = row.get(key)
                data[key], data.lines[key] = int(value) if WHOLE.fullmatch(value) else value, row.at(key)
        return data


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", re.sub(r"[_\s]+", "-", text.strip().lower()))


def _rows(numbers: list[int]) -> str:
    return ("row " if len(numbers) == 1 else "rows ") + ", ".join(map(str, numbers))
