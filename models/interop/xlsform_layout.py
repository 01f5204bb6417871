"""The survey sheet's groups as our layout: top-level groups → sections (pages), questions between them → pages
of their own, nested groups flattened into their page with their conditions joined, grids → matrices, repeats
left out."""
from __future__ import annotations

from .common import Located, LocatedList
from .xlsform_fields import FieldRows
from .xlsform_rows import Group, Item, grid_rows


class Layout(FieldRows):
    def items(self, nodes: list, inherited: list[tuple[tuple, str]]) -> list[Located]:
        """Fields and grids, in order; a group inside a page adds its condition to each field's own."""
        found = []
        for node in nodes:
            if isinstance(node, Item):
                found.append(self.field(node, inherited))
            elif node.repeat:
                self.repeat(node, node)
            elif (rows := grid_rows(node)) is not None:
                found.append(self.matrix(node, rows, inherited))
            else:
                name = self.names.get(node.row.get("name") or "")
                own = self.logic(node.row, "relevant", f"group {name}", condition=True)
                self.set_aside(node.row)
                found += self.items(node.children, inherited + ([(own, node.row.at("relevant"))] if own else []))
        return [item for item in found if item is not None]

    def repeat(self, node, repeat: Group) -> None:
        if node is repeat:
            self.left_out(Item(node.row, "unsupported", "repeat"), "repeat", "a repeat (begin repeat … end repeat)")
        elif isinstance(node, Item) and node.kind != "metadata" and self.skip:
            self.skipped.append(f"{node.row.get('name')} ({node.row.at()}): inside the repeat {repeat.row.get('name')}")
        for child in node.children if isinstance(node, Group) else ():
            self.repeat(child, repeat)

    def sections(self, tree: list) -> LocatedList:
        """Each top-level group is a page; questions between groups make pages of their own."""
        sections, run, taken = [], [], {node.row.get("name") for node in tree if isinstance(node, Group)}

        def close_run() -> None:
            if run:
                number = sum(section is not None for section in sections) + 1
                while f"part_{number}" in taken:
                    number += 1
                if (section := self.section(None, list(run), f"part_{number}", run[0].row)) is not None:
                    taken.add(f"part_{number}")
                    sections.append(section)
                run.clear()
        for node in tree:
            if isinstance(node, Group) and not node.repeat and grid_rows(node) is None:
                close_run()
                sections.append(self.section(node, node.children, self.names.get(node.row.get("name") or ""),
                                             node.row))
            else:
                run.append(node)
        close_run()
        kept = [section for section in sections if section is not None]
        return LocatedList(kept, [section.line for section in kept])

    def section(self, group: Group | None, nodes: list, name: str | None, row) -> Located | None:
        fields = self.items(nodes, [])
        if not fields:  # only metadata, or only what --skip-unsupported left out
            if group is not None:
                self.mark("empty", row)
            return None
        section = Located({"name": name, "fields": LocatedList(fields, [field.line for field in fields])},
                          at=row.at(), places={"name": row.at("name") if group else row.at(), "fields": row.at()})
        if group is not None:
            for key, kind in (("title", "label"), ("description", "hint")):
                text, place = self.words(row, kind)
                if text:
                    section[key], section.lines[key] = text, place
            if own := self.logic(row, "relevant", f"group {name}", condition=True):
                section["show_if"], section.lines["show_if"] = self.combined([(own, row.at("relevant"))])
            self.set_aside(row)
        return section
