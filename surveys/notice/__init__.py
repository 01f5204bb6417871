"""The privacy notice: a file whose first line names its version."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

SHIPPED = Path(__file__).parent / "privacy-notice.md"


@dataclass(frozen=True)
class Notice:
    version: str
    text: str


def read_notice(path: Path) -> Notice:
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read(path: Path, _mtime: int, _size: int) -> Notice:
    """Read again only when the file changes."""
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    key, _, version = first.partition(":")
    if key.strip().lower() != "version" or not version.strip():
        raise ValueError(f"{path}: the first line must be 'version: <version>'")
    return Notice(version=version.strip()[:32], text=rest.strip())


def current_notice() -> Notice:
    configured = current_app.config.get("PRIVACY_NOTICE_FILE")
    in_instance = Path(current_app.instance_path) / "privacy-notice.md"
    path = Path(configured) if configured else in_instance if in_instance.is_file() else SHIPPED
    return read_notice(path)
