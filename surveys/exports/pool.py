"""An export opened and written by a pool of processes, for exports run in the background on a machine with cores
to spare: the same bytes and the same ledger entry as export_stream in one process, sooner.

This process reads the rows (one SELECT, as ever) and keeps the ledger; each worker opens batches of them under the
same plans (disclosures.Opener) and writes them in the format, and the batches come back in the order they were
read. At most a few batches are in flight, so memory stays flat. No key goes through a pipe: each worker loads the
key ring from its file, and is handed only what a reader of the database holds (wrapped keys, sealed blobs).
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy.orm import sessionmaker

from models.crypto import KeyRing

from ..disclosures import FLAGS, DisclosedRow, Disclosure, Opener, Opening, RawRow, read_rows
from ..pseudonyms import respondent_key
from ..recording import Recorder
from . import WRITERS, lines_of
from .lines import Line, TextWriter

#: Rows handed to a worker at a time: enough that the pipe's cost per batch is small beside its work.
BATCH_ROWS = 1000
#: Batches read ahead of the one written next, per worker: each worker always has the next at hand.
AHEAD = 2


@dataclass(frozen=True)
class _Task:
    """What each worker is given once, when it starts: plain values, none of them a key."""
    ring_file: str
    opening: Opening
    #: The recipient as respondent_key reads it: internal or not, its name, its wrapped pseudonym key.
    recipient: _Recipient
    #: A format written as it goes is written by the worker; the lines of the others come back to this process.
    writer: TextWriter | None


@dataclass(frozen=True)
class _Recipient:
    is_internal: bool
    name: str
    pseudonym_key: bytes | None


def pooled_stream(sessions: sessionmaker, ring_file: str | os.PathLike, d: Disclosure, fmt: str, mode: str,
                  workers: int, progress: Callable[[int], None]) -> Iterator[bytes]:
    """export_stream's chunks, the rows opened by `workers` processes. They are spawned, so the main module of
    the process that calls this must be safe to import again (multiprocessing's own rule for spawn): a script
    runs its work under `if __name__ == "__main__":`; flask, gunicorn and the job consumers do."""
    recorder = Recorder(sessions, d, "export", f"{fmt}:{mode}")
    writer = WRITERS[fmt](d.survey)
    task = task_of(d, mode, ring_file, writer)
    # Spawned, not forked: a fork would copy whatever locks the threads of a server held at that instant.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                               initargs=(task,))
    plans = Opener(None, task.opening)  # only to name each row's plan for the ledger: it opens nothing here
    read = sessions()
    reading = read_rows(read, d, batch=BATCH_ROWS)
    completed = False
    try:
        chunk: str = writer.header()
        pending: deque[tuple[list[RawRow], Future]] = deque()
        for rows in reading:
            batch = [tuple(row) for row in rows]  # plain tuples: a Row would pickle its result's metadata along
            pending.append((batch, pool.submit(_open, batch)))
            while len(pending) > AHEAD * workers or pending[0][1].done():
                if chunk := chunk + _settle(*pending.popleft(), plans, recorder, writer):
                    yield recorder.data(chunk.encode())
                chunk = ""
                progress(recorder.sent)
                if not pending:
                    break
        while pending:
            if chunk := chunk + _settle(*pending.popleft(), plans, recorder, writer):
                yield recorder.data(chunk.encode())
            chunk = ""
            progress(recorder.sent)
        if chunk:
            yield recorder.data(chunk.encode())
        read.close()
        for block in writer.finish():
            yield recorder.data(block)
        completed = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        reading.close()  # its cursor before its session, however the stream ended
        read.close()
        writer.close()
        recorder.close(note="" if completed else "the download stopped before the end")


def task_of(d: Disclosure, mode: str, ring_file: str | os.PathLike, writer) -> _Task:
    """What the workers are given, the same for each."""
    return _Task(os.fspath(ring_file), Opening.of(d, mode),
                 _Recipient(d.recipient.is_internal, d.recipient.name, d.recipient.pseudonym_key),
                 writer if isinstance(writer, TextWriter) else None)


def _settle(batch: list[RawRow], opened: Future, plans: Opener, recorder: Recorder, writer) -> str:
    """A batch back from its worker: its rows told to the recorder, as they went out (under their plan, with the
    names of the fields they sent; the values stayed in the worker) or were left out; its text (or its lines, to
    the file's writer) returned."""
    written, sent = opened.result()
    plan_of, known = plans.plan_of, plans.plans
    counts = Counter(known.get(flags) or plan_of(flags) for flags in map(itemgetter(slice(FLAGS, None)), batch))
    recorder.add([(row[0], row[1], names) for row, names in zip(batch, sent, strict=True) if names is not None],
                 counts)
    return written if isinstance(written, str) else writer.rows(written)


# -- in each worker ------------------------------------------------------------------------------------------------

_worker: tuple | None = None


def _start(task: _Task) -> None:
    global _worker
    ring = KeyRing.load(task.ring_file)
    _worker = (Opener(ring, task.opening), respondent_key(ring, task.recipient), task.writer)
    # Everything imported so far lives as long as the worker: the collector need not sweep it after every batch.
    gc.freeze()


def _open(batch: list[RawRow]) -> tuple[str | list[Line], list[str | None]]:
    """A batch opened and written: its text (or its lines), and which fields went out for each row (None for a
    row left out), for the ledger."""
    opener, name, writer = _worker
    sent = _Sent()
    lines = lines_of(opener.open_rows(batch), name, sent)
    return (writer.rows(lines) if writer is not None else list(lines)), sent.names


class _Sent:
    """The names of the fields each row sent, comma-separated as the ledger lists them, the same string for rows that
    sent the same (it pickles once); None for a row left out."""

    def __init__(self):
        self.names: list[str | None] = []
        self._same: dict[str, str] = {}

    def respondent(self, row: DisclosedRow) -> None:
        names = ",".join(row.answers)
        self.names.append(self._same.setdefault(names, names))

    def dropped(self, row: DisclosedRow) -> None:
        self.names.append(None)
