"""JSON Lines: one object per respondent, in the shape the third-party API's pages use."""
from __future__ import annotations

import json

from models.survey import Survey

from .lines import Line, TextWriter, respondent_line


class JsonLinesWriter(TextWriter):
    media_type, extension = "application/x-ndjson", "jsonl"

    def __init__(self, survey: Survey):
        pass

    def header(self) -> str:
        return ""

    def rows(self, lines: list[Line]) -> str:
        return "".join(json.dumps(respondent_line(*line), ensure_ascii=False, separators=(",", ":")) + "\n"
                       for line in lines)
