"""Messages for people, made without Flask: English text that keeps its template and parameters, so that each
surface can show it in the reader's language (the web pages translate it; the JSON API sends the English)."""
from __future__ import annotations

from typing import Any


def N_(text: str) -> str:
    """Marks text for the catalogues where it is written; it is translated where it is shown."""
    return text


class Message(str):
    """A message as English text (what str(), comparisons and JSON see), with its gettext template and the
    parameters that fill it. `Message` is an extraction keyword: its first argument is a literal, or a template
    marked with N_. A template is a whole sentence (one per kind of answer, not "Enter %(what)s"), so that each
    language can word it its own way; its parameters are values, never words to translate."""
    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        # %-style placeholders, as gettext's python-format expects: the catalogues check them.
        message = super().__new__(cls, template % params if params else template)
        message.template, message.params = template, params
        return message

    def __repr__(self) -> str:
        return f"Message({str.__repr__(self)})"
