"""Text the service can store: refused where it enters, so it never breaks what reads it later.

Two kinds of text parse fine and then break everything downstream: a lone surrogate
(`"\\ud800"`, which `json.loads` and the command line accept) cannot be encoded as UTF-8,
so every export, page and JSON body that includes it fails; and a NUL character, which
PostgreSQL refuses in any text column."""
from __future__ import annotations

from typing import Any, Iterator

from .messages import Message

NUL = "NUL"
SURROGATE = "SURROGATE"

MESSAGES = {
    NUL: Message("Contains a NUL character, which cannot be stored."),
    SURROGATE: Message("Contains characters that cannot be encoded as UTF-8 (a lone surrogate)."),
}


def text_problem(text: str) -> str | None:
    """NUL or SURROGATE for text that cannot be stored, else None."""
    if "\x00" in text:
        return NUL
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def storable(text: str) -> bool:
    return text_problem(text) is None


def bad_text(value: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path, problem) for every key or string inside a parsed JSON value that cannot be stored.

    Walked with a stack, not recursion: the structure may be as deep as the parser allowed."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                yield path, problem
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = text_problem(key) if isinstance(key, str) else None
                if problem:
                    yield (*path, key), problem
                stack.append(((*path, key), child))
        elif isinstance(item, list):
            stack.extend(((*path, index), child) for index, child in enumerate(item))


def printable(text: str) -> str:
    """Any text made safe to echo back in a message or a JSON key."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
