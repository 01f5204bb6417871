"""Errors translated once per surface: HTML pages for people, one JSON shape for /api.

The JSON shape: {"error": "<code>", "message": "<text>"} plus "errors": {field: [messages]}
when there is something to say per field."""
import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import db
from .services import DomainError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _json(status: int, code: str, message: str, errors: dict | None = None):
    body = {"error": code, "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def _page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def handle_domain_error(exc: DomainError):
    db.session().rollback()
    if _wants_json():
        return _json(exc.status, exc.code, exc.message, exc.errors)
    return _page(exc.status, "That did not work", exc.message)


def handle_http_error(exc: HTTPException):
    if _wants_json():
        code = (exc.name or "error").lower().replace(" ", "_")
        response, status = _json(exc.code or 500, code, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response, status
    return _page(exc.code or 500, exc.name, exc.description or "")


def handle_csrf_error(exc: CSRFError):
    return _page(400, "Please try again",
                 "This form expired or was sent from elsewhere. Reload the page and submit it again; "
                 "nothing was stored.")


def handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session().rollback()
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    return handle_http_error(InternalServerError("Something went wrong on our side. Nothing was stored."))


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
