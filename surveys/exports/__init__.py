"""Export formats. They render what disclosures.disclosed_rows admitted and decide nothing: one writer
per format, the codebook, and the streams that feed them and record what went out."""
from __future__ import annotations

import json
from typing import Callable, Iterator

from sqlalchemy.orm import sessionmaker

from models.aggregates import Aggregate
from models.base import iso_utc
from models.crypto import KeyRing

from ..disclosures import Disclosure, disclosed_rows
from ..pseudonyms import respondent_key
from ..recording import Recorder
from .codebook import codebook
from .csv_writer import CsvWriter, neutralise
from .dta_writer import DtaWriter
from .jsonl_writer import JsonLinesWriter
from .lines import Line, respondent_line
from .sav_writer import SavWriter
from .xlsx_writer import XlsxWriter

__all__ = ["WRITERS", "aggregate_release", "codebook", "export_stream", "neutralise", "respondent_line"]

CHUNK_ROWS = 500

WRITERS = {"csv": CsvWriter, "jsonl": JsonLinesWriter, "sav": SavWriter, "dta": DtaWriter, "xlsx": XlsxWriter}


def export_stream(sessions: sessionmaker, ring: KeyRing, d: Disclosure, fmt: str, mode: str,
                  progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The export as chunks of bytes; its ledger entry is appended when the stream ends, with the digest of
    exactly what was produced (and a note if it was cut short). CSV and JSON Lines go out as they are read, in
    constant memory; SPSS, Stata and Excel files are written whole from the same lines, then sent.
    `progress` is told the respondents gathered so far, every CHUNK_ROWS of them and once more with the total
    (the file formats give no bytes until the end, so their progress cannot be read from the stream)."""
    recorder = Recorder(sessions, d, "export", f"{fmt}:{mode}")
    writer = WRITERS[fmt](d.survey)
    read = sessions()
    completed = False
    try:
        name = respondent_key(ring, d.recipient)
        chunk: str = writer.header()
        lines: list[Line] = []
        gathered = 0
        for row in disclosed_rows(read, ring, d, mode=mode):
            if row.dropped:
                recorder.dropped(row)
                continue
            recorder.respondent(row)
            lines.append((name(row.public_id), iso_utc(row.submitted_at), row.language, row.answers,
                          list(row.withheld)))
            if len(lines) >= CHUNK_ROWS:
                if chunk := chunk + writer.rows(lines):
                    yield recorder.data(chunk.encode())
                gathered += len(lines)
                chunk, lines = "", []
                if progress is not None:
                    progress(gathered)
        if progress is not None:
            progress(gathered + len(lines))
        if chunk := chunk + writer.rows(lines):
            yield recorder.data(chunk.encode())
        read.close()  # before a file is written: its snapshot need not outlive the reading
        for block in writer.finish():
            yield recorder.data(block)
        completed = True
    finally:
        read.close()
        writer.close()
        recorder.close(note="" if completed else "the download stopped before the end")


def aggregate_release(sessions: sessionmaker, ring: KeyRing, d: Disclosure, k: int) -> bytes:
    """Aggregates over what the rule admits, suppressed below k, recorded in the ledger."""
    recorder = Recorder(sessions, d, "aggregate", "json")
    totals = Aggregate(d.survey.stored_fields)
    with sessions() as read:
        for row in disclosed_rows(read, ring, d):
            recorder.respondent(row)
            totals.add(row.answers)
    result = {**totals.result(d.survey.slug, k), "purpose": d.purpose}
    # Strict JSON: a figure that is not finite fails here, and never reaches a client as Infinity or NaN.
    payload = json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False).encode()
    recorder.data(payload)
    recorder.close()
    return payload
