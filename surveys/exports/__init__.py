"""Export formats. They render what disclosures.disclosed_rows admitted and decide nothing: one writer
per format, the codebook, and the streams that feed them and record what went out."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Iterator

from sqlalchemy.orm import sessionmaker

from models.base import iso_utc
from models.crypto import KeyRing

from ..disclosures import Disclosure, disclosed_rows
from ..pseudonyms import respondent_key
from .. import releases
from ..recording import Recorder, record_release
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


def export_stream(sessions: sessionmaker, ring: KeyRing, d: Disclosure, fmt: str, mode: str) -> Iterator[bytes]:
    """The export as chunks of bytes; its ledger entry is appended when the stream ends, with the digest of
    exactly what was produced (and a note if it was cut short). CSV and JSON Lines go out as they are read, in
    constant memory; SPSS, Stata and Excel files are written whole from the same lines, then sent."""
    recorder = Recorder(sessions, d, "export", f"{fmt}:{mode}")
    writer = WRITERS[fmt](d.survey)
    read = sessions()
    completed = False
    try:
        name = respondent_key(ring, d.recipient)
        chunk: str = writer.header()
        lines: list[Line] = []
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
                chunk, lines = "", []
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
