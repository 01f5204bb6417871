"""What one page of the form shows: the questions whose conditions earlier pages decide are shown or left out
by the server; those that depend on an answer on the same page are always rendered (so the page works without
JavaScript, the server discarding what turns out hidden) and carry their conditions for logic.js."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from models.choices import options
from models.instrument import Instrument, Page, Resolved, reads_through
from models.vocabulary import FieldType


@dataclass(frozen=True)
class Item:
    """A question, a note, or a grid with its rows, in page order."""
    kind: str  # "field" | "note" | "matrix"
    field: Any = None
    matrix: dict | None = None
    rows: tuple = ()
    #: JSON list of the condition trees that must all hold, when the browser decides.
    show_if: str | None = None


@dataclass(frozen=True)
class PageView:
    page: Page
    items: tuple[Item, ...]
    #: The questions rendered as inputs (grid rows included).
    fields: tuple[Any, ...]
    #: For logic.js: earlier answers the conditions read, formulas of scores they read, types and choices.
    logic: str | None
    #: The section's condition, when the browser decides it.
    show_if: str | None = None


def page_view(instrument: Instrument, page: Page, answers: dict[str, Any], shown: Resolved,
              today: date | None = None, on_form: set[str] | None = None, texts: Any = None) -> PageView:
    """`on_form`: every question the form holds, when it holds more than this page (the correction form).
    `texts`: the survey in the reader's language (SurveySnapshot.localized), whose fields and grids are shown."""
    if texts is not None:
        page, matrices = localized_page(texts, page), {m["name"]: m for m in texts.layout.get("matrices") or ()}
    else:
        matrices = instrument.matrices
    on_page = on_form or {f.name for f in page.fields}
    items: list[Item] = []
    read: set[str] = set()

    def decide(keys: list[str]) -> tuple[bool, str | None]:
        """(render it, the conditions the browser evaluates)."""
        exprs = [instrument.conditions[key] for key in keys if key in instrument.conditions]
        names = set().union(*(reads_through(e, instrument.formulas.get) for e in exprs)) if exprs else set()
        if not names & on_page:
            return all(key in shown.shown for key in keys if key in instrument.conditions), None
        read.update(names)
        return True, json.dumps([e.tree for e in exprs], separators=(",", ":"))

    seen_matrices: set[str] = set()
    for f in page.fields:
        ftype = FieldType(f.type)
        if ftype is FieldType.CALCULATED:
            continue
        if f.matrix:
            if f.matrix in seen_matrices:
                continue
            seen_matrices.add(f.matrix)
            show, logic = decide([f"matrix:{f.matrix}"])
            if not show:
                continue
            rows = []
            for row in (r for r in page.fields if r.matrix == f.matrix):
                row_show, row_logic = decide([row.name])
                if row_show:
                    rows.append((row, row_logic))
            if rows:
                items.append(Item("matrix", matrix=matrices[f.matrix], rows=tuple(rows), show_if=logic))
            continue
        show, logic = decide([f.name])
        if show:
            items.append(Item("note" if ftype is FieldType.NOTE else "field", field=f, show_if=logic))
    # On the correction form the section's own condition may read answers on the same form.
    section_logic = decide([f"section:{page.name}"])[1] if on_form and page.name else None
    fields = tuple(f for item in items for f in ([item.field] if item.kind == "field" else
                                                     [row for row, _ in item.rows]))
    return PageView(page, tuple(items), fields, _logic(instrument, read, on_page, answers, today) if read else None,
                    section_logic)


def _logic(instrument: Instrument, read: set[str], on_page: set[str], answers: dict[str, Any],
           today: date | None) -> str:
    formulas = {name: instrument.formulas[name].tree for name in read if name in instrument.formulas}
    known = {name: answers.get(name) for name in read if name not in on_page and name not in formulas}
    types = {name: instrument.by_name[name].type.value if hasattr(instrument.by_name[name].type, "value")
             else instrument.by_name[name].type for name in read if name in on_page}
    choices = {name: [c.value for c in options(instrument.by_name[name])] for name in read
               if name in on_page and instrument.by_name[name].choices}
    return json.dumps({"known": known, "formulas": formulas, "types": types, "choices": choices,
                       "today": (today or datetime.now(timezone.utc).date()).isoformat()},
                      separators=(",", ":"), ensure_ascii=False)


def correction_views(instrument: Instrument, answers: dict[str, Any], texts: Any = None) -> list[PageView]:
    """Every section on one form, for correcting a response: every condition is the browser's to show."""
    resolved = instrument.resolve(answers, datetime.now(timezone.utc).date())
    everything = {f.name for f in instrument.fields}
    return [page_view(instrument, page, answers, resolved, on_form=everything, texts=texts)
            for page in instrument.pages]


def localized_page(texts: Any, page: Page) -> Page:
    """A page with its title, description and fields in the language of `texts` (a localized survey copy)."""
    fields = {f.name: f for f in texts.fields}
    section = next((s for s in texts.layout.get("sections") or () if s["name"] == page.name), None)
    return Page(page.name, section["title"] if section else page.title,
                (section.get("description") or "") if section else page.description,
                tuple(fields.get(f.name, f) for f in page.fields))


def merged_logic(views: list[PageView]) -> str | None:
    """One data-logic for a form of several sections."""
    parts = [json.loads(view.logic) for view in views if view.logic]
    if not parts:
        return None
    merged = parts[0]
    for part in parts[1:]:
        for key in ("known", "formulas", "types", "choices"):
            merged[key].update(part[key])
    return json.dumps(merged, separators=(",", ":"), ensure_ascii=False)


def visible_page(instrument: Instrument, shown: Resolved, wanted: str | None) -> Page:
    """The page asked for if the answers (as resolved) show it, else the first they show."""
    visible = [page for page in instrument.pages if page.name in shown.pages_shown]
    return next((p for p in visible if p.name == wanted), visible[0])


def neighbour(instrument: Instrument, answers: dict[str, Any], page: Page, step: int, today: date) -> str | None:
    """The page before (step -1) or after (+1) this one among those the answers now show: before the first, the
    first itself; after the last, None."""
    shown = instrument.resolve(answers, today).pages_shown
    pages = instrument.pages
    index = next(i for i, p in enumerate(pages) if p.name == page.name) + step
    while 0 <= index < len(pages):
        if pages[index].name in shown:
            return pages[index].name
        index += step
    return page.name if step < 0 else None
