"""JSON Lines: one object per respondent, in the shape the third-party API's pages use."""
from __future__ import annotations

import json
from typing import Iterable

from models.survey import Survey

from .lines import Line, TextWriter, respondent_line


class JsonLinesWriter(TextWriter):
    media_type, extension = "application/x-ndjson", "jsonl"

    def __init__(self, survey: Survey):
        pass

    def header(self) -> str:
        return ""

    def rows(self, lines: Iterable[Line]) -> str:
        encode = _ENCODER.encode
        return "".join([encode(respondent_line(*line)) + "\n" for line in lines])


#: json.dumps(…, ensure_ascii=False, separators=(",", ":")), without a new encoder made for every line.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
