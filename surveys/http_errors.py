"""Errors translated once per surface: HTML pages for people, one JSON shape for /api.

The JSON shape: {"error": "<code>", "message": "<text>"} plus "errors": {field: [messages]}
when there is something to say per field."""
import logging
from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from models.crypto import KeyRingError
from models.messages import N_, Message
from models.vocabulary import DEFAULT_LANGUAGE

from . import db
from .errors import DomainError
from .languages import current_language, translated

RETRY_AFTER = 30  # seconds: long enough for a database restart or failover

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _json(status: int, code: str, message: str, errors: dict | None = None):
    body = {"error": code, "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


#: What a page says of each status in a language other than English, where the text it has is English only
#: (werkzeug's words, a message not yet marked for translation).
STATUS_WORDS = {
    400: (N_("That did not work"), N_("The request could not be understood. Nothing was stored.")),
    401: (N_("That did not work"), N_("That code or sign-in was not accepted.")),
    403: (N_("That did not work"), N_("This is not open to you.")),
    404: (N_("Not found"), N_("There is nothing at this address. It may have been mistyped, or removed.")),
    405: (N_("That did not work"), N_("This page cannot be used that way.")),
    409: (N_("That did not work"), N_("This cannot be done now: the survey may be closed, or the record changed.")),
    413: (N_("That did not work"), N_("What was sent is too large. Nothing was stored.")),
    415: (N_("That did not work"), N_("What was sent is not in a form these pages take. Nothing was stored.")),
    422: (N_("That did not work"), N_("Some of what was sent does not fit. Nothing was stored.")),
    429: (N_("Please try again shortly"), N_("Too many requests came from your address. Please wait a minute.")),
    500: (N_("Something went wrong"), N_("Something went wrong on our side. Nothing was stored.")),
    503: (N_("Please try again shortly"), N_("The service is briefly unavailable. Nothing was stored; please "
                                            "try again in a minute.")),
}


def _words(text: str, status: int, part: int) -> str:
    """A title or message in the reader's language."""
    if isinstance(text, Message):
        return translated(text)
    if current_language() == DEFAULT_LANGUAGE:
        return text
    return gettext(STATUS_WORDS.get(status, STATUS_WORDS[500 if status >= 500 else 400])[part])


def _page(status: int, title: str, message: str, errors: dict | None = None):
    return render_template("error.html", status=status, title=_words(title, status, 0),
                           message=_words(message, status, 1), errors=errors or {}), status


def _rollback() -> None:
    """Best effort: with the database gone, the rollback fails too, and the session is discarded anyway."""
    try:
        db.session().rollback()
    except DBAPIError:
        log.warning("rollback failed", exc_info=True)


def handle_domain_error(exc: DomainError):
    _rollback()
    if _wants_json():
        return _json(exc.status, exc.code, exc.message, exc.errors)
    return _page(exc.status, Message("That did not work"), exc.message, exc.errors)


def handle_http_error(exc: HTTPException):
    if _wants_json():
        code = (exc.name or "error").lower().replace(" ", "_")
        response, status = _json(exc.code or 500, code, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response, status
    return _page(exc.code or 500, exc.name, exc.description or "")


def cookies_lost_over_http() -> bool:
    """Whether the browser keeps this service's session cookie to itself: the cookie is Secure (as it is outside
    debug) and this request came over plain HTTP to a name other than the loopback ones browsers trust (localhost,
    127.0.0.1, ::1). The CSRF token lives in that cookie, so every form then fails its check. A proxy that says the
    browser's side was HTTPS (X-Forwarded-Proto, though SURVEYS_PROXY_COUNT is not set to trust it) means the
    cookie does come back: only a warning hangs on this, never access."""
    if not current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure:
        return False
    if request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https":
        return False
    host = urlsplit("//" + request.host).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:  # a name, not an address
        return True


#: What a form sent over plain HTTP meets when its cookie is Secure (and the banner warns of beforehand).
NEEDS_HTTPS = (N_("This service needs HTTPS"),
               N_("Your browser did not send back the cookie it was given, because the connection is not secure. "
                  "For a trial on a private network, set SURVEYS_SESSION_COOKIE_SECURE=false."))


def handle_csrf_error(exc: CSRFError):
    if cookies_lost_over_http():
        # Not "the form expired": no form sent this way can ever work, and reloading will not help.
        return _page(400, Message(NEEDS_HTTPS[0]), Message(NEEDS_HTTPS[1]))
    return _page(400, Message("Please try again"),
                 Message("This form expired or was sent from elsewhere. Reload the page and submit it again; "
                         "nothing was stored."))


def _refusal(status: int, code: str, title: str, message: str):
    """After a failure the client cannot fix by sending something else: roll back, then say so."""
    _rollback()
    return _json(status, code, message) if _wants_json() else _page(status, title, message)


def handle_outage(exc: Exception):
    """The database is unreachable (or the key ring unreadable): say so, and when to come back.
    Nothing is kept between requests, so the next one after recovery just works."""
    log.error("unavailable on %s %s: %s", request.method, request.path, exc)
    response, status = _refusal(503, "unavailable", Message("Please try again shortly"), Message(
        "The service is briefly unavailable. Nothing was stored; please try again in a minute."))
    return response, status, {"Retry-After": str(RETRY_AFTER)}


def handle_conflict(exc: Exception):
    """Another request changed or erased the same record first (a correction racing a withdrawal, two
    admins creating the same name): the loser's transaction is rolled back whole."""
    log.info("conflict on %s %s: %s", request.method, request.path, exc)
    return _refusal(409, "conflict", Message("That did not work"), Message(
        "That record was changed or erased by another request at the same moment. Nothing was changed."))


def handle_data_error(exc: DataError):
    """A value the database refuses that the input checks let through: the client's, so a 400."""
    log.warning("data refused by the database on %s %s: %s", request.method, request.path, exc.orig)
    return _refusal(400, "bad_request", Message("That did not work"),
                    Message("The request holds a value that cannot be stored. Nothing was stored."))


def handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    _rollback()
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    return handle_http_error(InternalServerError("Something went wrong on our side. Nothing was stored."))


def init_app(app: Flask) -> None:
    # Every page says so before a form is sent, rather than after (base.html's banner).
    app.context_processor(lambda: {"cookies_lost_over_http": cookies_lost_over_http()})
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    for outage in (OperationalError, InterfaceError, DisconnectionError, KeyRingError):
        app.register_error_handler(outage, handle_outage)
    for conflict in (StaleDataError, ObjectDeletedError, IntegrityError):
        app.register_error_handler(conflict, handle_conflict)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(Exception, handle_unexpected)
