"""Use cases of the privacy notice: each version kept when first shown, and what changed since a respondent's."""
from __future__ import annotations

import difflib
import weakref
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.response import NoticeVersion
from models.vocabulary import DEFAULT_LANGUAGE

#: The notice shipped with the service, in its own language; `init` copies it, and each translation beside it
#: (privacy-notice.es.md), into the instance folder.
SHIPPED = Path(__file__).parent / "notice" / "privacy-notice.md"


@dataclass(frozen=True)
class Notice:
    version: str
    text: str
    language: str = DEFAULT_LANGUAGE


def read_notice(path: Path, language: str = DEFAULT_LANGUAGE) -> Notice:
    stat = path.stat()
    return replace(_read(path, stat.st_mtime_ns, stat.st_size), language=language)


def in_language(path: Path, language: str) -> Path:
    """A notice's file in a language: the path itself for the service's own, privacy-notice.es.md for Spanish."""
    return path if language == DEFAULT_LANGUAGE else path.with_name(f"{path.stem}.{language}{path.suffix}")


def translations_of(path: Path) -> dict[str, Path]:
    """The notice's files beside it, by language, its own language included."""
    found = {file.suffixes[-2].lstrip("."): file for file in path.parent.glob(f"{path.stem}.*{path.suffix}")
             if len(file.suffixes) >= 2}
    return {DEFAULT_LANGUAGE: path, **{code: file for code, file in found.items() if code.isalpha()}}


@lru_cache(maxsize=8)
def _read(path: Path, _mtime: int, _size: int) -> Notice:
    """Read again only when the file changes."""
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    key, _, version = first.partition(":")
    if key.strip().lower() != "version" or not version.strip():
        raise ValueError(f"{path}: the first line must be 'version: <version>'")
    return Notice(version=version.strip()[:32], text=rest.strip())


_recorded_notices: "weakref.WeakKeyDictionary[Engine, set[tuple[str, str]]]" = weakref.WeakKeyDictionary()


def record_notice(session: Session, version: str, text: str, language: str = DEFAULT_LANGUAGE) -> None:
    """Keep each notice text the first time it is shown, to tell returning respondents what changed.
    Versions are never deleted, so each process remembers which ones its database already holds.
    Each language's notice is a file of its own with a version of its own."""
    known = _recorded_notices.setdefault(session.get_bind(), set())
    if (version, language) in known:
        return
    if session.scalar(select(NoticeVersion.id).where(NoticeVersion.version == version,
                                                     NoticeVersion.language == language)) is None:
        session.add(NoticeVersion(version=version, text=text, language=language))
        session.flush()
    else:
        known.add((version, language))


def notice_changes(session: Session, given_under: str, current_version: str, current_text: str,
                   language: str = DEFAULT_LANGUAGE) -> list[str] | None:
    """What changed since the notice a respondent consented under, as diff lines in the language they read
    now; None if nothing did."""
    if given_under == current_version:
        return None
    old = session.scalar(select(NoticeVersion.text).where(NoticeVersion.version == given_under,
                                                          NoticeVersion.language == language)) or ""
    return [line for line in difflib.unified_diff(old.splitlines(), current_text.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---")) and line[1:].strip()]
