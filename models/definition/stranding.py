"""What a changed definition would strand once a survey has answers."""
from __future__ import annotations

from typing import Any, Iterable

from ..choices import options, same_value
from .spec import FieldSpec


def stranding_changes(existing: Iterable[Any], new_fields: Iterable[FieldSpec]) -> list[str]:
    """What a new definition would change that stored answers depend on.

    `existing` holds the stored fields (anything with name, type, classification, choices, formula,
    matrix); the caller refuses the update when responses exist and this is non-empty.
    """
    new = {spec.name: spec for spec in new_fields}
    changes = []
    for old in existing:
        spec = new.get(old.name)
        if spec is None:
            if old.type != "note":  # a note stores nothing
                changes.append(f"field {old.name!r} would be removed")
            continue
        if spec.classification != old.classification:
            changes.append(f"field {old.name!r} would change classification from "
                           f"{old.classification} to {spec.classification.value}")
        if spec.type != old.type:
            moved = spec.matrix and spec.matrix != getattr(old, "matrix", None)
            grid = f" (as a row of matrix {spec.matrix!r})" if moved else ""
            changes.append(f"field {old.name!r} would change type from {old.type} to {spec.type.value}{grid}")
            continue
        changes += _choice_changes(old, spec)
        if (getattr(old, "formula", None) or None) != (spec.formula or None):
            changes.append(f"field {old.name!r} would change its formula, so stored scores would no longer "
                           "follow it")
    return changes


def _choice_changes(old: Any, spec: FieldSpec) -> list[str]:
    """Stored answers carry choice values: a value dropped, or a label moved to another value, strands them."""
    before, after = options(old), spec.choices or ()
    if not before or not after:
        return []
    dropped = [c.value for c in before if not any(same_value(c.value, n.value) for n in after)]
    recoded = [f"{c.label!r} from {c.value!r} to {n.value!r}" for c in before for n in after
               if n.label == c.label and not same_value(n.value, c.value)]
    changes = []
    if recoded:
        changes.append(f"field {old.name!r} would recode " + ", ".join(recoded))
    if dropped:
        changes.append(f"field {old.name!r} would drop choices {dropped}")
    return changes
