"""What a changed definition would strand once a survey has answers."""
from __future__ import annotations

from typing import Any, Iterable

from .spec import FieldSpec


def stranding_changes(existing: Iterable[Any], new_fields: Iterable[FieldSpec]) -> list[str]:
    """What a new definition would change that stored answers depend on.

    `existing` holds the stored fields (anything with name, type, classification,
    choices); the caller refuses the update when responses exist and this is non-empty.
    """
    new = {spec.name: spec for spec in new_fields}
    changes = []
    for old in existing:
        spec = new.get(old.name)
        if spec is None:
            changes.append(f"field {old.name!r} would be removed")
            continue
        if spec.classification.value != old.classification:
            changes.append(f"field {old.name!r} would change classification from "
                           f"{old.classification} to {spec.classification.value}")
        if spec.type.value != old.type:
            changes.append(f"field {old.name!r} would change type from {old.type} to {spec.type.value}")
        elif old.choices and spec.choices is not None:
            dropped = [choice for choice in old.choices if choice not in spec.choices]
            if dropped:
                changes.append(f"field {old.name!r} would drop choices {dropped}")
    return changes
