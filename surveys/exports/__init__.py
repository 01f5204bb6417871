"""Export formats. They render what disclosures.disclosed_rows admitted and decide nothing: one writer
per format, the codebook, and the streams that feed them and record what went out."""
from __future__ import annotations

import json
import os
from datetime import datetime
from itertools import chain, islice
from typing import Callable, Iterable, Iterator, Protocol

from sqlalchemy.orm import sessionmaker

from models.crypto import KeyRing

from .. import releases
from ..disclosures import DisclosedRow, Disclosure, disclosed_rows
from ..pseudonyms import respondent_key
from ..recording import Recorder, record_release
from .codebook import codebook
from .csv_writer import CsvWriter, neutralise
from .dta_writer import DtaWriter
from .jsonl_writer import JsonLinesWriter
from .lines import Line, respondent_line
from .sav_writer import SavWriter
from .xlsx_writer import XlsxWriter

__all__ = ["WRITERS", "aggregate_release", "codebook", "export_stream", "neutralise", "respondent_line"]

#: Rows read, opened and written at a time: a chunk of the stream.
BATCH_ROWS = 500

WRITERS = {"csv": CsvWriter, "jsonl": JsonLinesWriter, "sav": SavWriter, "dta": DtaWriter, "xlsx": XlsxWriter}


Progress = Callable[[int], None]


def export_stream(sessions: sessionmaker, ring: KeyRing, d: Disclosure, fmt: str, mode: str,
                  progress: Progress | None = None, *, workers: int = 1,
                  ring_file: str | os.PathLike | None = None) -> Iterator[bytes]:
    """The export as chunks of bytes; its ledger entry is appended when the stream ends, with the digest of
    exactly what was produced (and a note if it was cut short). CSV and JSON Lines go out as they are read, in
    constant memory; SPSS, Stata and Excel files are written whole from the same lines, then sent.

    `progress` is told the respondents gathered so far, after every batch and once more with the total (the
    file formats give no bytes until the end, so their progress cannot be read from the stream).
    With `workers` > 1 the rows are opened and written by that many processes (see pool.py), each loading the
    key ring from `ring_file`: the same bytes, the same ledger entry, for background exports."""
    progress = progress or (lambda gathered: None)
    if workers > 1:
        from .pool import pooled_stream  # the pool's machinery only where it is used

        if ring_file is None:
            raise ValueError("an export with workers needs the key ring's file, for the workers to load")
        return pooled_stream(sessions, ring_file, d, fmt, mode, workers, progress)
    return _stream(sessions, ring, d, fmt, mode, progress)


def _stream(sessions: sessionmaker, ring: KeyRing, d: Disclosure, fmt: str, mode: str,
            progress: Progress) -> Iterator[bytes]:
    recorder = Recorder(sessions, d, "export", f"{fmt}:{mode}")
    writer = WRITERS[fmt](d.survey)
    read = sessions()
    rows = disclosed_rows(read, ring, d, mode=mode)
    completed = False
    try:
        name = respondent_key(ring, d.recipient)
        chunk: str = writer.header()
        for first in rows:  # then the batch's others, pulled from the same stream by the writer as it writes
            if chunk := chunk + writer.rows(lines_of(chain((first,), islice(rows, BATCH_ROWS - 1)), name, recorder)):
                yield recorder.data(chunk.encode())
            chunk = ""
            progress(recorder.sent)
        if chunk:
            yield recorder.data(chunk.encode())
        progress(recorder.sent)
        read.close()  # before a file is written: its snapshot need not outlive the reading
        for block in writer.finish():
            yield recorder.data(block)
        completed = True
    finally:
        rows.close()  # its cursor before its session, however the stream ended
        read.close()
        writer.close()
        recorder.close(note="" if completed else "the download stopped before the end")


class Tally(Protocol):
    """What is told of each row as it passes: the ledger's recorder, or a worker's note of what it sent."""

    def respondent(self, row: DisclosedRow) -> None: ...

    def dropped(self, row: DisclosedRow) -> None: ...


def lines_of(rows: Iterable[DisclosedRow], name: Callable[[str], str], tally: Tally) -> Iterator[Line]:
    """The rows that go out, as the writers take them (one at a time, each freed once written), each respondent
    under the recipient's name for them; every row told to `tally`, those left out too."""
    respondent, dropped = tally.respondent, tally.dropped
    for row in rows:
        if row.dropped:
            dropped(row)
            continue
        respondent(row)
        yield name(row.public_id), row.submitted, row.language, row.answers, row.plan.withheld_names


def aggregate_release(sessions: sessionmaker, ring: KeyRing, d: Disclosure, k: int, since: datetime | None = None,
                      until: datetime | None = None) -> bytes:
    """Aggregates over what the rule admits of the responses submitted in [since, until), suppressed below k,
    recorded in the ledger as one release with its cohort. Counted from kept tallies (surveys/tallies.py), not
    from every row."""
    made = releases.release(sessions, ring, d, since, until)
    result = {**made.aggregate.result(d.survey.slug, k), "purpose": d.purpose}
    # Strict JSON: a figure that is not finite fails here, and never reaches a client as Infinity or NaN.
    payload = json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False).encode()
    record_release(sessions, d, "json", made, payload)
    return payload
