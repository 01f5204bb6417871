"""What a writer is given: one line per disclosed respondent, and its JSON shape."""
from typing import Iterator, Sequence

#: One exported respondent: their name for the recipient, when they answered, in which language, what went
#: out, and the names of the fields withheld.
Line = tuple[str, str, str, dict, Sequence[str]]


def respondent_line(respondent: str, submitted_at: str, language: str, answers: dict,
                    withheld: Sequence[str]) -> dict:
    """One disclosed respondent as JSON: a JSON Lines line, and an item of an API page alike."""
    return {"respondent": respondent, "submitted_at": submitted_at, "language": language, "answers": answers,
            "withheld": withheld}


class TextWriter:
    """A format written as it goes (CSV, JSON Lines): header() and rows() give its text; nothing is left at the
    end, and nothing to clean up."""

    def finish(self) -> Iterator[bytes]:
        return iter(())

    def close(self) -> None:
        pass
