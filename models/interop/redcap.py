"""Reading a REDCap data dictionary (CSV) into our definition format: forms → sections, section headers → notes,
matrix groups → grids, logic translated exactly; every problem at once, each at its row and column."""
from __future__ import annotations

from ..definition.spec import ROW_KEYS, Problem
from .common import MAX_BYTES, Imported, Located, LocatedList, refuse
from .redcap_fields import Field, Notes, convert, strictest
from .redcap_logic import LogicError, from_redcap
from .redcap_table import Row, read_rows

__all__ = ["read_redcap"]

_CURLY = "\u2018\u2019\u201c\u201d"


def read_redcap(raw: bytes, filename: str, *, skip_unsupported: bool = False) -> Imported:
    """A data dictionary → our format, without slug, title and purpose (it has none). `skip_unsupported` leaves
    out what cannot be imported faithfully (listed in `skipped`) but never the logic of a field it keeps."""
    if len(raw) > MAX_BYTES:
        refuse([Problem("file", f"is {len(raw)} bytes; a data dictionary of at most {MAX_BYTES} is read")])
    rows, general = read_rows(raw)
    if len(rows) < 2:
        refuse([Problem("file", "has no fields besides the record id (REDCap's first field, not a question)",
                        rows[0].at() if rows else None)])
    notes, problems = Notes(general=general), []
    record, fields = rows[0], [convert(row, problems, notes) for row in rows[1:]]
    runs = _matrices(fields, problems, notes)
    skipped = {f.name: f.unsupported for f in fields if f.unsupported}
    if not skip_unsupported:
        problems += [Problem(f"field {f.name}", f"cannot be imported: {f.unsupported}", f.row.at(f.unsupported_at))
                     for f in fields if f.unsupported]
    _translate(fields, record, skipped, skip_unsupported, problems, notes)
    _forms([record] + [f.row for f in fields], problems)
    refuse(problems)
    sections = _sections(record, fields, runs, skipped)
    return Imported(Located({"sections": sections}, places={"sections": record.at()}),
                    defaulted_spi=[f.name for f in fields if f.defaulted and f.name not in skipped],
                    skipped=[f"{f.name} (row {f.row.number}): {skipped[f.name]}" for f in fields if f.name in skipped],
                    notes=notes.lines())


def _translate(fields: list[Field], record: Row, skipped: dict, skip: bool, problems: list, notes: Notes) -> None:
    """Formulas first: under --skip-unsupported a score that cannot be computed is left out, and so is one that
    reads it. Branching logic of a kept field is translated or is a problem."""
    # Without --skip-unsupported what cannot be imported is a problem of its own; what reads it is read as if
    # it could be, so that each problem is told once.
    def absent() -> dict[str, str]:
        why = {name: f"which is left out ({reason})" for name, reason in skipped.items() if skip}
        return why | {record["field_name"]: "the record id (REDCap's first field), which is not a question"}

    def operands() -> dict:
        gone = absent()
        return {f.name: f.operand for f in fields if f.name not in gone}

    calcs = [f for f in fields if f.row["field_type"].lower() == "calc" and f.name not in skipped
             and f.row["select_choices_or_calculations"]]  # a missing formula is a problem of the row's own
    while True:
        results, failed, known, gone = {}, [], operands(), absent()
        for f in calcs:
            try:
                results[f.name] = from_redcap(f.row["select_choices_or_calculations"], known, gone)
            except LogicError as exc:
                failed.append((f, f"its formula {exc}"))
        if not (skip and failed):
            break
        for f, reason in failed:
            skipped[f.name] = reason
        calcs = [f for f in calcs if f.name not in skipped]
    problems += [Problem(f"field {f.name}", f"calc formula {reason.removeprefix('its formula ')}",
                         f.row.at("select_choices_or_calculations")) for f, reason in failed]
    for f in calcs:
        if f.name in results and f.item is not None:
            f.item["formula"] = results[f.name]
    known, gone = operands(), absent()
    for f in fields:
        logic = f.row["branching_logic"]
        formula = f.row["select_choices_or_calculations"] if f.row["field_type"].lower() == "calc" else ""
        if any(quote in logic + formula for quote in _CURLY):
            notes.add(f.name, "its logic has curly quotes (‘ ’ “ ”), read as plain quotes")
        if not logic or skip and f.name in skipped:
            continue
        try:
            source = from_redcap(logic, known, gone)
        except LogicError as exc:
            problems.append(Problem(f"field {f.name}", f"branching logic {exc}", f.row.at("branching_logic")))
            continue
        if f.item is not None:
            f.item["show_if"], f.item.lines["show_if"] = source, f.row.at("branching_logic")


def _matrices(fields: list[Field], problems: list, notes: Notes) -> dict[int, list[Field]]:
    """Consecutive rows of one Matrix Group Name: a grid of radios → one of our grids (keyed by the position of
    its first row); a grid of checkboxes → its rows as separate multiple-choice questions."""
    runs: dict[int, list[Field]] = {}
    seen: set[str] = set()
    for index, f in enumerate(fields):
        if not f.matrix or index and fields[index - 1].matrix == f.matrix:
            continue
        run = [f]
        while index + len(run) < len(fields) and fields[index + len(run)].matrix == f.matrix:
            run.append(fields[index + len(run)])
        where = f"matrix group {f.matrix}"
        if f.matrix in seen:
            problems.append(Problem(where, "is split by other fields: a group's rows follow each other",
                                    f.row.at("matrix_group_name")))
        seen.add(f.matrix)
        kinds = {member.row["field_type"].lower() for member in run}
        if not kinds <= {"radio"} and not kinds <= {"checkbox"}:
            problems.append(Problem(where, f"mixes or holds {', '.join(sorted(kinds))} fields: a matrix holds radio "
                                    "buttons or checkboxes", f.row.at("field_type")))
            continue
        for member in run[1:]:
            at = f"field {member.name}"
            if member.choices != f.choices:
                problems.append(Problem(at, f"has other choices than {f.name}, the first row of its matrix group "
                                        f"{f.matrix}", member.row.at("select_choices_or_calculations")))
            if member.row["section_header"]:
                problems.append(Problem(at, f"has a Section Header inside its matrix group {f.matrix}: only the "
                                        "first row's heads the grid", member.row.at("section_header")))
        if any(member.row["matrix_ranking"].lower() == "y" for member in run):
            for member in run:
                if not member.unsupported:
                    member.unsupported = "a ranking matrix (each choice once), not enforced here"
                    member.unsupported_at = "matrix_ranking"
        if kinds == {"checkbox"}:
            for member in run:
                notes.add(member.name, "a row of a grid of checkboxes: a separate multiple-choice question here")
        else:
            runs[index] = run
    return runs


def _forms(rows: list[Row], problems: list) -> None:
    """A form's fields follow each other, as REDCap keeps them."""
    seen: set[str] = set()
    for before, row in zip([None] + rows, rows, strict=False):
        form = row["form_name"]
        if before is None or form != before["form_name"]:
            if form in seen or not form:
                what = "has no Form Name" if not form else \
                    f"is in the form {form}, which came before: REDCap keeps a form's fields together"
                problems.append(Problem(f"field {row['field_name']}", what, row.at("form_name")))
            seen.add(form)


def _sections(record: Row, fields: list[Field], runs: dict, skipped: dict) -> LocatedList:
    """Forms in the order they come, each a section; a Section Header becomes a note before its field."""
    taken = {record["field_name"]} | {f.name for f in fields} | {f.matrix for f in fields if f.matrix}
    sections: list[tuple[Row, list, list]] = []
    in_run: set[int] = {id(member) for run in runs.values() for member in run}
    for index, (row, f) in enumerate([(record, None)] + [(f.row, f) for f in fields]):
        if not sections or row["form_name"] != sections[-1][0]["form_name"]:
            sections.append((row, [], []))
        items, places = sections[-1][1], sections[-1][2]
        run = runs.get(index - 1)
        grid = _grid(run, skipped) if run is not None else None
        if row["section_header"] and (f is None or id(f) not in in_run or run is not None and grid is None):
            name = _unique(f"{row['field_name'][:57]}_header", taken)
            place = row.at("section_header")
            items.append(Located({"name": name, "type": "note", "label": row["section_header"]}, at=place,
                                 places={"name": place, "type": place, "label": place}))
            places.append(place)
        if grid is not None:  # its first row's header is its label
            items.append(grid)
            places.append(row.at())
        elif f is not None and f.name not in skipped and id(f) not in in_run:
            items.append(f.item)
            places.append(row.at())
    return LocatedList((Located({"name": row["form_name"], "title": _humanised(row["form_name"]),
                                 "fields": LocatedList(items, places)}, at=row.at(),
                                places={"name": row.at("form_name"), "title": row.at("form_name"), "fields": row.at()})
                        for row, items, places in sections if items), (row.at() for row, items, _ in sections if items))


def _grid(run: list[Field], skipped: dict) -> Located | None:
    kept = [f for f in run if f.name not in skipped]
    if not kept:
        return None
    first = run[0].row
    header = first["section_header"]
    rows = LocatedList((Located({key: f.item[key] for key in ROW_KEYS if key in f.item}, at=f.row.at(),
                                places={key: f.item.lines[key] for key in ROW_KEYS if key in f.item}) for f in kept),
                       (f.row.at() for f in kept))
    label_place = first.at("section_header" if header else "matrix_group_name")
    return Located({"matrix": run[0].matrix, "label": header or run[0].matrix,
                    "classification": strictest([f.item["classification"] for f in kept]),
                    "choices": kept[0].item["choices"], "rows": rows}, at=first.at(),
                   places={"matrix": first.at("matrix_group_name"), "label": label_place, "rows": first.at(),
                           "classification": first.at("field_annotation"), "choices": kept[0].item.lines["choices"]})


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    taken.add(candidate)
    return candidate


def _humanised(name: str) -> str:
    return name.replace("_", " ").strip().capitalize() or name
