"""Variable names SPSS and Stata accept, made from ours ([a-z_][a-z0-9_]*, up to 64 characters, or an option's
`<field>___<code>`): a legal name is kept; any other is changed the same way every time (a prefix for a reserved
word or a leading underscore, a cut with six characters of a hash of the whole name for a long one), never into a
name already taken."""
from __future__ import annotations

import hashlib
import re
from typing import Callable, Iterable

SPSS_LIMIT, STATA_LIMIT = 64, 32
SPSS_RESERVED = frozenset("all and by eq ge gt le lt ne not or to with".split())
STATA_RESERVED = frozenset("_all _b byte _coef _cons double float if in int long _n _pi _pred _rc _skip strl using "
                           "with".split())
_STATA_STR = re.compile(r"^str[0-9]+$")


def spss_names(names: list[str], first: Iterable[int] = ()) -> list[str]:
    """SPSS: at most 64 bytes, a letter first, none of its reserved words. The names at the positions `first`
    (our own columns) are served before any other."""
    return _assign(names, _spss_base, lambda index: SPSS_LIMIT, lambda index, name: None, first)


def stata_names(names: list[str], labelled: list[bool], first: Iterable[int] = ()) -> list[str]:
    """Stata: at most 32 characters, none of its reserved words. pyreadstat names a variable's value labels after
    it, the variable's name followed by the count of labelled variables before it, and Stata holds those names to
    32 characters too: so a labelled variable's name leaves room for that count, and the label names are unique."""
    counts, seen = [], 0
    for flag in labelled:
        counts.append(seen if flag else None)
        seen += flag
    return _assign(names, _stata_base,
                   lambda index: STATA_LIMIT - (len(str(counts[index])) if counts[index] is not None else 0),
                   lambda index, name: None if counts[index] is None else f"{name}{counts[index]}", first)


def _spss_base(name: str) -> str:
    if name.startswith("_"):
        return "v" + name
    return "v_" + name if name in SPSS_RESERVED else name


def _stata_base(name: str) -> str:
    return "v_" + name if name in STATA_RESERVED or _STATA_STR.match(name) else name


def _assign(names: list[str], base_of: Callable[[str], str], limit: Callable[[int], int],
            label_of: Callable[[int, str], str | None], first: Iterable[int]) -> list[str]:
    """Names that need no change keep theirs first (`first`, then in order, should two be alike), so that a
    change to one never moves another; then each of the rest takes the first free one of its base, cut with a
    hash."""
    first = list(first)
    order = first + sorted(set(range(len(names))) - set(first))
    chosen: list[str | None] = [None] * len(names)
    taken: set[str] = set()
    labels: set[str] = set()

    def free(index: int, name: str) -> bool:
        label = label_of(index, name)
        return len(name) <= limit(index) and name not in taken and (label is None or label not in labels)

    def take(index: int, name: str) -> None:
        chosen[index] = name
        taken.add(name)
        if (label := label_of(index, name)) is not None:
            labels.add(label)
    for index in order:
        if base_of(names[index]) == names[index] and free(index, names[index]):
            take(index, names[index])
    for index, name in enumerate(names):
        if chosen[index] is None:
            base, salt = base_of(name), 0
            candidate = base
            while not free(index, candidate):
                candidate = f"{base[:limit(index) - 7]}_{_digest(name, salt)}"
                salt += 1
            take(index, candidate)
    return chosen


def _digest(name: str, salt: int) -> str:
    return hashlib.sha256(f"{name}#{salt}".encode() if salt else name.encode()).hexdigest()[:6]
