"""Export formats. They render what disclosures.disclosed_rows admitted and decide nothing."""
from __future__ import annotations

import csv
import io
import json
from typing import Iterator

from sqlalchemy.orm import sessionmaker

from models.aggregates import Aggregate
from models.base import iso_utc
from models.crypto import KeyRing
from models.survey import Survey

from .disclosures import Disclosure, disclosed_rows
from .pseudonyms import respondent_key
from .recording import Recorder

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell(value) -> str | int | float:
    if isinstance(value, str):  # most cells: checked first
        return neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return neutralise("; ".join(value))
    return value


#: One exported respondent: their name for the recipient, when they answered, what went out,
#: and the names of the fields withheld.
Line = tuple[str, str, dict, list]


def respondent_line(respondent: str, submitted_at: str, answers: dict, withheld: list) -> dict:
    """One disclosed respondent as JSON: a JSON Lines line, and an item of an API page alike."""
    return {"respondent": respondent, "submitted_at": submitted_at, "answers": answers, "withheld": withheld}


class CsvWriter:
    media_type, extension = "text/csv; charset=utf-8", "csv"

    def __init__(self, survey: Survey):
        self.names = [f.name for f in survey.fields]

    def header(self) -> str:
        return self._write([["respondent", "submitted_at", *self.names]])

    def rows(self, lines: list[Line]) -> str:
        names = self.names
        return self._write([respondent, submitted_at, *[_cell(answers[n]) if n in answers else "" for n in names]]
                           for respondent, submitted_at, answers, _ in lines)

    @staticmethod
    def _write(rows) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue()


class JsonLinesWriter:
    media_type, extension = "application/x-ndjson", "jsonl"

    def __init__(self, survey: Survey):
        pass

    def header(self) -> str:
        return ""

    def rows(self, lines: list[Line]) -> str:
        return "".join(json.dumps(respondent_line(*line), ensure_ascii=False, separators=(",", ":")) + "\n"
                       for line in lines)


WRITERS = {"csv": CsvWriter, "jsonl": JsonLinesWriter}


def export_stream(sessions: sessionmaker, ring: KeyRing, d: Disclosure, fmt: str, mode: str) -> Iterator[bytes]:
    """The export as chunks of bytes, in constant memory; its ledger entry is appended when the
    stream ends, with the digest of exactly what was produced (and a note if it was cut short)."""
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
            lines.append((name(row.public_id), iso_utc(row.submitted_at), row.answers, list(row.withheld)))
            if len(lines) >= CHUNK_ROWS:
                yield recorder.data((chunk + writer.rows(lines)).encode())
                chunk, lines = "", []
        yield recorder.data((chunk + writer.rows(lines)).encode())
        completed = True
    finally:
        read.close()
        recorder.close(note="" if completed else "the download stopped before the end")


def aggregate_release(sessions: sessionmaker, ring: KeyRing, d: Disclosure, k: int) -> bytes:
    """Aggregates over what the rule admits, suppressed below k, recorded in the ledger."""
    recorder = Recorder(sessions, d, "aggregate", "json")
    totals = Aggregate(d.survey.fields)
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


def codebook(survey: Survey) -> str:
    """What each column means: field, label, type, class — no answers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["field", "label", "type", "classification", "required", "choices", "min", "max"])
    writer.writerow(["respondent", "The respondent: an id for staff, a pseudonym for third parties", "text",
                     "non_pii", "", "", "", ""])
    writer.writerow(["submitted_at", "When the response was submitted (UTC)", "datetime", "non_pii", "", "", "", ""])
    for f in survey.fields:
        writer.writerow([f.name, neutralise(f.label), f.type, f.classification, "yes" if f.required else "no",
                         neutralise("; ".join(f.choices or [])), f.min if f.min is not None else "",
                         f.max if f.max is not None else ""])
    return out.getvalue()


