"""One survey-sheet row → one field of our format (or a grid of them), each key located at the cell it came from."""
from __future__ import annotations

import re
from typing import Any

from ..definition.spec import ROW_KEYS, Problem
from ..expressions import to_source
from .common import Located, LocatedList
from .constraints import read_constraint
from .xlsform_languages import Languages
from .xlsform_rows import Group, Item
from .xpath import XPathError, number
from .xpath_in import read_xpath

YES = frozenset({"yes", "true", "true()"})
NO = frozenset({"no", "false", "false()"})
#: Columns the import reads; any other column with something in it is listed in the notes as set aside.
USED = frozenset({"type", "name", "required", "relevant", "constraint", "calculation", "appearance", "parameters",
                  "classification", "role", "field_type", "choice_filter", "list_name"})
#: Our types that XLSForm has no word for, told apart in the field_type column, and the XLSForm type each rides on.
FIELD_TYPES = {"email": "text", "textarea": "text", "text": "text", "boolean": "choice"}
STRICTNESS = {"non_pii": 0, "pii": 1}  # anything else counts as spi
PARAMETER = re.compile(r"([A-Za-z_]+)\s*=\s*([^\s;,]+)")


class FieldRows(Languages):
    """Expects the reader's state: problems, answers, names, lists, codes, languages, skip, and the lists the notes
    are made of (defaulted_spi, skipped, marks, unused)."""

    def problem(self, where: str, message: str, place: str) -> None:
        self.problems.append(Problem(where, message, place))

    def logic(self, row, column: str, where: str, *, condition: bool) -> tuple | None:
        text = row.get(column)
        if not text:
            return None
        try:
            return read_xpath(text, self.answers, condition=condition)
        except XPathError as exc:
            self.problem(where, f"{column} {text!r} {exc.message}", row.at(column))
            return None

    @staticmethod
    def combined(parts: list[tuple[tuple, str]]) -> tuple[str, str] | None:
        """Conditions of the groups around a field and its own, joined with and; placed at the innermost."""
        if not parts:
            return None
        tree = parts[0][0]
        for part, _ in parts[1:]:
            tree = ("op", "and", tree, part)
        return to_source(tree), parts[-1][1]

    def left_out(self, item: Item, short: str, what: str) -> None:
        """Something the service cannot ask: a problem, or under --skip-unsupported a line in Imported.skipped."""
        row = item.row
        name = row.get("name") or f"row {row.number}"
        if self.skip:
            self.skipped.append(f"{name} ({row.at()}): {short}")
        else:
            self.problem(f"field {name}", f"is {what}, which cannot be imported (--skip-unsupported leaves it out)",
                         row.at("choice_filter" if short == "choice_filter" else "type"))

    def mark(self, what: str, row) -> None:
        self.marks.setdefault(what, []).append(row.number)

    def set_aside(self, row, used: frozenset = USED) -> None:
        for key in row.cells:
            if key not in used and key.partition("::")[0] not in ("label", "hint"):
                self.unused.setdefault(row.headings.get(key, key), []).append(row.number)

    def field(self, item: Item, inherited: list[tuple[tuple, str]]) -> Located | None:
        row = item.row
        name = self.names.get(row.get("name") or "")
        if item.kind == "metadata" or name is None:
            return None
        if item.kind == "unsupported":
            self.left_out(item, item.written, f"{item.written!r} ({item.why})")
            return None
        if row.get("choice_filter"):
            self.left_out(item, "choice_filter", "filtered by a choice_filter (choices that depend on earlier answers)")
            return None
        values: dict[str, Any] = {}
        places: dict[str, str] = {}

        def put(key: str, value: Any, place: str) -> None:
            values[key], places[key] = value, place
        where = f"field {name}"
        put("name", name, row.at("name"))
        ftype = self.type_of(item, where, put)
        label, place = self.words(row, "label")
        if label:
            put("label", label, place)
            if any("${" in text for text in (label.values() if isinstance(label, dict) else [label])):
                self.mark("piped", row)
        hint, place = self.words(row, "hint")
        if hint:
            put("help", hint, place)
        required = (row.get("required") or "").lower()
        if required in YES:
            put("required", True, row.at("required"))
        elif required and required not in NO:
            self.problem(where, f"required {row.get('required')!r} depends on answers: only yes or no can be "
                         "imported", row.at("required"))
        if row.get("classification"):
            put("classification", row.get("classification").strip().lower(), row.at("classification"))
        elif ftype != "note":
            put("classification", "spi", row.at())  # fail closed: unmarked answers get the strictest class
            self.defaulted_spi.append(name)
        if row.get("role"):
            put("role", row.get("role").strip().lower(), row.at("role"))
        if ftype == "choice" and "minimal" in (row.get("appearance") or "").lower().split():
            put("appearance", "dropdown", row.at("appearance"))
        if row.get("constraint"):
            try:
                for bound, value in read_constraint(row.get("constraint"), ftype).items():
                    if bound in values:  # a range's end and a constraint both bound it: the stricter holds
                        value = max(value, values[bound]) if bound == "min" else min(value, values[bound])
                    put(bound, value, row.at("constraint"))
            except XPathError as exc:
                self.problem(where, f"constraint {row.get('constraint')!r} {exc.message}", row.at("constraint"))
        own = self.logic(row, "relevant", where, condition=True)
        if shown := self.combined(inherited + ([(own, row.at("relevant"))] if own else [])):
            put("show_if", *shown)
        if row.get("calculation") and ftype != "calculated":
            self.problem(where, "has a calculation, which only a calculate row can have here (a computed "
                         "default cannot be imported)", row.at("calculation"))
        elif formula := self.logic(row, "calculation", where, condition=False):
            put("formula", to_source(formula), row.at("calculation"))
        self.set_aside(row)
        return Located(values, at=row.at(), places=places)

    def type_of(self, item: Item, where: str, put) -> str:
        row, kind = item.row, item.kind
        declared = (row.get("field_type") or "").strip().lower() or None
        ftype = kind
        if kind == "text":
            ftype = "textarea" if "multiline" in (row.get("appearance") or "").lower().split() else "text"
        elif kind == "range":
            ftype = self.range(row, where, put)
        elif kind == "acknowledge":
            put("choices", LocatedList([Located({"value": "OK"}, at=row.at(), places={"value": row.at("type")})],
                                       [row.at()]), row.at("type"))
            self.mark("acknowledge", row)
            ftype = "choice"
        elif kind in ("choice", "multi_choice"):
            if item.or_other:
                self.mark("or_other", row)
            if declared == "boolean" and kind == "choice":
                if set(self.codes.get(item.list_name, ())) != {"true", "false"}:
                    self.problem(where, f"is a boolean, so its list {item.list_name!r} must hold exactly the "
                                 "choices true and false", row.at("type"))
                ftype = "boolean"
            elif choices := self.choices_of(item, where):
                put("choices", choices, row.at("type"))
        if declared and FIELD_TYPES.get(declared) == kind:
            ftype = declared
        elif declared:
            self.problem(where, f"field_type {declared!r} does not fit the type {item.written!r}",
                         row.at("field_type"))
        put("type", ftype, row.at("type"))
        return ftype

    def range(self, row, where: str, put) -> str:
        """ODK's range (start, end, step; 0, 10 and 1 when not given) → integer or number with min and max."""
        given = {key.lower(): value for key, value in PARAMETER.findall(row.get("parameters") or "")}
        try:
            start, end, step = (number(given.get(key, default)) for key, default in
                                (("start", "0"), ("end", "10"), ("step", "1")))
        except ValueError:
            self.problem(where, f"parameters {row.get('parameters')!r} must give start, end and step as numbers",
                         row.at("parameters"))
            return "integer"
        put("min", min(start, end), row.at("parameters"))
        put("max", max(start, end), row.at("parameters"))
        whole = all(isinstance(value, int) for value in (start, end, step))
        if step != 1:
            self.mark("step", row)
        return "integer" if whole else "number"

    def choices_of(self, item: Item, where: str) -> LocatedList | None:
        if not item.list_name:
            self.problem(where, f"{item.written!r} names no list of choices", item.row.at("type"))
            return None
        if item.list_name not in self.lists:
            self.problem(where, f"uses the list {item.list_name!r}, which is not on the choices sheet",
                         item.row.at("type"))
            return None
        codes = self.codes[item.list_name]
        return LocatedList([Located({"value": codes[name], **({"label": label} if label else {})}, at=row.at(),
                                    places={"value": row.at("name"), "label": place})
                            for row, name, label, place in self.lists[item.list_name]],
                           [row.at() for row, *_ in self.lists[item.list_name]])

    def matrix(self, group: Group, rows: list[Item], inherited: list[tuple[tuple, str]]) -> Located | None:
        """A grid group → a matrix: its label and condition, the rows' shared choices, each row's own keys."""
        head = group.row
        fields = [found for item in rows if (found := self.field(item, [])) is not None]
        if not fields or "choices" not in fields[0]:
            return None
        name = self.names.get(head.get("name") or "")
        values = {"matrix": name, "choices": fields[0]["choices"]}
        places = {"matrix": head.at("name"), "choices": fields[0].lines["choices"]}
        for key, kind in (("label", "label"), ("help", "hint")):
            text, place = self.words(head, kind)
            if text:
                values[key], places[key] = text, place
        own = self.logic(head, "relevant", f"group {name}", condition=True)
        if shown := self.combined(inherited + ([(own, head.at("relevant"))] if own else [])):
            values["show_if"], places["show_if"] = shown
        # Each row says its class; the grid's own (which the format requires) is the strictest of them.
        values["classification"] = max((f.get("classification") for f in fields),
                                        key=lambda found: STRICTNESS.get(found, 2))
        places["classification"] = head.at()
        places["rows"] = head.at()
        values["rows"] = LocatedList([Located({key: f[key] for key in f if key in ROW_KEYS}, at=f.line,
                                              places={key: place for key, place in f.lines.items() if key in ROW_KEYS})
                                      for f in fields], [f.line for f in fields])
        self.set_aside(head)
        return Located(values, at=head.at(), places=places)

