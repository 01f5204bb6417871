"""Where text enters over HTTP: query strings, forms and JSON bodies are checked once, here,
for what could not be stored (see models.text), before any view sees them."""
import json
from typing import Any

from flask import Flask, Request, abort, request
from werkzeug.routing import IntegerConverter, Map

from models.text import MESSAGES, bad_text, printable, text_problem

from .errors import InvalidSubmission
from .respond.forms import PREFIX


def _field_name(path: tuple[Any, ...]) -> str:
    """The name a client knows a problem by: an answer's or consent key's own name, else the top key."""
    if len(path) >= 2 and path[0] in ("answers", "consent") and isinstance(path[1], str):
        name = path[1]
    elif path and isinstance(path[0], str):
        name = path[0]
    else:
        name = "body"
    return printable(name.removeprefix(PREFIX))


def _refuse(problems: list[tuple[tuple[Any, ...], str]], where: str) -> None:
    errors: dict[str, list[str]] = {}
    for path, problem in problems:
        errors.setdefault(_field_name(path), []).append(MESSAGES[problem])
    raise InvalidSubmission(f"Some text in the {where} cannot be stored; nothing was stored.", errors)


def check_request() -> None:
    """Before every request: the path, the query string and any form fields. Pages take forms
    only: Flask-WTF would otherwise read a JSON body as form data, whatever its shape."""
    if request.is_json and not request.path.startswith("/api/"):
        abort(415, "These pages take HTML forms; the JSON API is under /api/.")
    problems = [(("path",), problem)] if (problem := text_problem(request.path)) else []
    for source in (request.args, request.form):
        for key, values in source.lists():
            problems += [((key,), problem) for _, problem in bad_text({key: values})]
    if problems:
        _refuse(problems, "request")


def json_body() -> dict:
    """The request's JSON object, or the error that says what is wrong with it."""
    if request.mimetype != "application/json":
        abort(415, "Send the body as JSON with Content-Type: application/json.")
    try:
        body = json.loads(request.get_data())  # get_data enforces MAX_CONTENT_LENGTH: 413
    except RecursionError:
        abort(400, "The body is nested too deeply.")
    except ValueError:  # malformed JSON, or bytes that are not UTF-8
        abort(400, "The body is not valid JSON.")
    problems = list(bad_text(body))
    if problems:
        _refuse(problems, "body")
    if not isinstance(body, dict):
        raise InvalidSubmission("The body must be a JSON object.", {"body": ["Expected an object."]})
    return body


MAX_ID = 2 ** 31 - 1  # the largest id every database here stores; a larger one would overflow the driver


def row_id(value: str | int) -> int:
    """An id sent by a client: a whole number from 1 to MAX_ID, or ValueError (WTForms' coerce contract)."""
    number = int(value) if isinstance(value, int) or (isinstance(value, str) and value.isascii()) else 0
    if not 1 <= number <= MAX_ID:
        raise ValueError("not an id")
    return number


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: only numbers a row id can be, so a huge one is a 404, not an overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


#: Where a body may be larger than MAX_CONTENT_LENGTH: a survey definition uploaded (10 MB, and the form around it).
LARGER_BODIES = {"researcher.upload": 10 * 1024 * 1024 + 64 * 1024}


class BoundedRequest(Request):
    """A request whose body limit is the endpoint's own where it has one, else the service's."""

    @property
    def max_content_length(self) -> int | None:
        return LARGER_BODIES.get(self.endpoint or "") or super().max_content_length


def init_app(app: Flask) -> None:
    """Before any blueprint registers its routes, so they all take the bounded converter."""
    app.request_class = BoundedRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
