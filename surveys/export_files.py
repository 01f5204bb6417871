"""The folder where finished exports wait to be downloaded, sealed (models/sealed_file.py), one file per job named
by its handle; and the job runner's scratch folder, where the formats written whole keep their temporaries."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from models.sealed_file import SealedWriter

_DONE, _PARTIAL = ".sealed", ".partial"


class ExportFiles:
    def __init__(self, folder: str | os.PathLike, scratch: str | os.PathLike | None = None):
        self.folder = Path(folder)
        #: Where the job runner points the system's temporary files (see `use_scratch`).
        self.scratch = Path(scratch) if scratch else self.folder / "scratch"

    def path(self, handle: str) -> Path:
        return self.folder / f"{handle}{_DONE}"

    def _partial(self, handle: str) -> Path:
        return self.folder / f"{handle}{_PARTIAL}"

    def _make(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)  # made by an older start with a looser umask, say

    @contextmanager
    def writing(self, handle: str, key: bytes) -> Iterator[SealedWriter]:
        """A sealed file that appears under its name whole, or not at all: written beside it, readable by its
        owner only, synced, then renamed; whatever stops the writing removes what was written."""
        self._make()
        partial = self._partial(handle)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb", buffering=0) as file:  # a part is one write, of up to FRAME bytes
                writer = SealedWriter(file, key, handle)
                yield writer
                writer.close()
                os.fsync(file.fileno())
            os.replace(partial, self.path(handle))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def open(self, handle: str) -> BinaryIO | None:
        try:
            return open(self.path(handle), "rb")
        except FileNotFoundError:
            return None

    def delete(self, handle: str) -> None:
        self.path(handle).unlink(missing_ok=True)
        self._partial(handle).unlink(missing_ok=True)

    def handles(self) -> set[str]:
        """The jobs that have a file here, finished or being written."""
        if not self.folder.is_dir():
            return set()
        return {p.name.removesuffix(p.suffix) for p in self.folder.iterdir() if p.suffix in (_DONE, _PARTIAL)}

    def use_scratch(self) -> Path:
        """Empty the scratch folder and make it this process's temporary folder. SPSS, Stata and Excel files are
        written whole by their libraries into temporary files, in plain text until they are read back and
        sealed; here those are in a folder of this installation's own (mode 0700), which a runner stopped
        mid-export does not leave behind: the next start empties it. Deleting does not wipe what a disk held, so
        the scratch folder may be put on a tmpfs (SURVEYS_EXPORT_SCRATCH). One job runner per scratch folder."""
        self._make()
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.mkdir(mode=0o700, parents=True)
        tempfile.tempdir = str(self.scratch)
        return self.scratch
