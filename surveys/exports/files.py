"""What the formats written whole (SPSS, Stata, Excel) share: the lines are gathered as they come, the file is
written to a private temporary folder when they end, then sent back in blocks, and nothing of it stays on disk."""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Iterable, Iterator

from .lines import Line


class FileWriter:
    media_type = extension = ""
    BLOCK = 1 << 20

    def __init__(self):
        self._folder: str | None = None

    def header(self) -> str:
        return ""

    def rows(self, lines: Iterable[Line]) -> str:
        self.add(lines)
        return ""

    def add(self, lines: Iterable[Line]) -> None:
        raise NotImplementedError

    def write(self, path: str) -> None:
        raise NotImplementedError

    def finish(self) -> Iterator[bytes]:
        self._folder = tempfile.mkdtemp(prefix="surveys-export-")  # mode 0700: the file holds answers
        path = os.path.join(self._folder, f"export.{self.extension}")
        self.write(path)
        with open(path, "rb") as file:
            self.close()  # unlinked now, read through the open handle: gone from disk whatever happens next
            while block := file.read(self.BLOCK):
                yield block

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def data_frame(columns: dict):
    """The columns as the data frame pyreadstat writes, sharing their arrays (no copy)."""
    import pandas as pd  # a third of a second at start-up that only the SPSS and Stata exports need

    return pd.DataFrame(columns, copy=False)


def cut(text: str, limit: int, encoded: bool = False) -> str:
    """A label within a format's limit (characters, or UTF-8 bytes), marked with … where it was cut."""
    size = (lambda t: len(t.encode())) if encoded else len
    if size(text) <= limit:
        return text
    text = text[:limit]
    while size(text + "…") > limit:
        text = text[:-1]
    return text + "…"
