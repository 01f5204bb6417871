"""The survey sheet as a tree: each row's type read with XLSForm's aliases, groups and repeats nested, grids found."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..definition.spec import Problem
from .workbook import Row

#: XLSForm question types with a counterpart here → our reading of them (range and acknowledge are decided later).
QUESTIONS = {"text": "text", "string": "text", "integer": "integer", "int": "integer", "decimal": "number",
             "date": "date", "time": "time", "datetime": "datetime", "note": "note", "calculate": "calculated",
             "range": "range", "acknowledge": "acknowledge"}
SELECTS = {"select one": "choice", "select1": "choice", "select multiple": "multi_choice",
           "select all that apply": "multi_choice"}
#: What the device records by itself: no question is asked, and this service collects none of it.
METADATA = frozenset({"start", "end", "today", "deviceid", "imei", "subscriberid", "simserial", "phonenumber",
                      "username", "email", "audit", "start-geopoint", "background-audio", "background-geopoint",
                      "uri:subscriberid", "uri:phonenumber", "uri:simserial", "uri:deviceid", "uri:username",
                      "uri:email"})
UNSUPPORTED = {"geopoint": "a location", "geotrace": "a line on a map", "geoshape": "an area on a map",
               "image": "a photo", "photo": "a photo", "audio": "a recording", "video": "a video",
               "file": "a file upload", "barcode": "a barcode scan", "trigger": "a trigger", "rank": "a ranking",
               "select one from file": "choices read from a file", "select multiple from file":
               "choices read from a file", "select one external": "choices read from a file",
               "hidden": "a hidden value", "xml-external": "an external file", "csv-external": "an external file",
               "osm": "an OpenStreetMap question"}
CONTROL = re.compile(r"(begin|end)[ _]+(group|repeat)", re.IGNORECASE)
OTHER = re.compile(r"or[ _]other", re.IGNORECASE)


@dataclass
class Item:
    """One row that is not a group: a question, a note, a calculation, metadata or something unsupported."""
    row: Row
    #: Our reading: a key of QUESTIONS' values or SELECTS', or "metadata" / "unsupported".
    kind: str
    #: The type as written, for messages.
    written: str
    list_name: str | None = None
    or_other: bool = False
    #: For an unsupported type, what it asks for ("a location").
    why: str = ""


@dataclass
class Group:
    row: Row
    repeat: bool
    children: list = field(default_factory=list)


def read_type(text: str) -> tuple[str, str | None, bool, str] | None:
    """A type cell → (kind, list name, or_other, what an unsupported type asks for), or None if XLSForm has
    no such type."""
    words = text.split()
    normal = [word.lower().replace("_", " ") for word in words]
    for size in range(min(4, len(words)), 0, -1):
        head = " ".join(normal[:size])
        rest = words[size:]
        if head in SELECTS or head.startswith(("select", "rank")) and head in UNSUPPORTED:
            kind = SELECTS.get(head, "unsupported")
            other = len(rest) == 2 and OTHER.fullmatch(rest[1]) is not None
            if len(rest) <= 1 or other or kind == "unsupported":
                return kind, rest[0] if rest else None, other, UNSUPPORTED.get(head, "")
            return None
    if len(words) != 1:
        return None
    word = words[0].lower()
    if word in QUESTIONS:
        return QUESTIONS[word], None, False, ""
    if word in METADATA:
        return "metadata", None, False, ""
    if word.replace("_", " ") in UNSUPPORTED:
        return "unsupported", None, False, UNSUPPORTED[word.replace("_", " ")]
    return None


def build_tree(rows: list[Row], problems: list[Problem]) -> list:
    """Items and groups as the survey sheet nests them; a group left open or closed twice is a problem."""
    root: list = []
    open_groups: list[Group] = []
    for row in rows:
        text = row.get("type")
        where = f"row {row.number}" if row.get("name") is None else f"field {row.get('name')}"
        if text is None:
            if row.get("name") or any(key.partition("::")[0] in ("label", "relevant") for key in row.cells):
                problems.append(Problem(where, "has no type", row.at("type")))
            continue
        siblings = open_groups[-1].children if open_groups else root
        if control := CONTROL.fullmatch(" ".join(text.split())):
            repeat = control.group(2).lower() == "repeat"
            if control.group(1).lower() == "begin":
                group = Group(row, repeat)
                siblings.append(group)
                open_groups.append(group)
            elif not open_groups or open_groups[-1].repeat != repeat:
                problems.append(Problem(where, f"{text!r} ends a {control.group(2).lower()} that was never begun",
                                        row.at("type")))
            else:
                open_groups.pop()
            continue
        read = read_type(text)
        if read is None:
            problems.append(Problem(where, f"{text!r} is not an XLSForm question type", row.at("type")))
            continue
        siblings.append(Item(row, read[0], text, read[1], read[2], read[3]))
    for group in open_groups:
        what = "repeat" if group.repeat else "group"
        problems.append(Problem(f"{what} {group.row.get('name')}", f"is begun here and never ended with 'end {what}'",
                                group.row.at("type")))
    return root


def grid_rows(group: Group) -> list[Item] | None:
    """The rows of a group that is a grid (ODK's table-list, or a field-list under a label row): select_one
    questions on one list with nothing a grid row cannot hold. None if the group is not one."""
    appearance = (group.row.get("appearance") or "").lower().split()
    children = group.children
    if not group.repeat and "field-list" in appearance and children and isinstance(children[0], Item) \
            and (children[0].row.get("appearance") or "").lower() == "label":
        children = children[1:]  # the row of column headings
    elif group.repeat or "table-list" not in appearance:
        return None
    if not children or not all(isinstance(child, Item) and child.kind == "choice" for child in children):
        return None
    if len({child.list_name for child in children}) != 1:
        return None
    for child in children:
        cells = child.row.cells
        if any(cells.get(key) for key in ("constraint", "calculation", "choice_filter", "field_type", "role")) \
                or (cells.get("appearance") or "list-nolabel").lower() != "list-nolabel" \
                or child.or_other:
            return None
    return children
