"""The consent-filtered API for third parties: one more surface over disclosures, not a second rule."""
import hashlib
import re
from datetime import datetime, timezone
from functools import wraps

from flask import Response, current_app, g, jsonify, request

from models.base import iso_utc
from models.crypto import CryptoError, open_token, seal_token
from models.vocabulary import SurveyStatus

from .. import catalogue, db, disclosures, errors, pseudonyms, recipients, recording
from ..exports import aggregate_release
from ..keys import keyring
from ..ratelimit import limiter, per_token, token_key
from ..revocations import revocations as revocations_since
from . import bp, serializers

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


def recipient_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        recipient = recipients.recipient_for_token(db.session(), token.strip()) if scheme.lower() == "bearer" else None
        if recipient is None:
            response = jsonify(error="unauthorized", message="Send a live API token: Authorization: Bearer <token>.")
            response.headers["WWW-Authenticate"] = 'Bearer realm="surveys"'
            return response, 401
        g.recipient = recipient
        return view(*args, **kwargs)
    return wrapped


def invalid(field: str, message: str) -> errors.InvalidSubmission:
    return errors.InvalidSubmission("A query parameter is not valid.", {field: [message]})


def _purpose() -> str:
    purpose = request.args.get("purpose", "").strip()
    if not purpose:
        raise invalid("purpose", "Say which registered purpose the data is for: ?purpose=<purpose>.")
    return purpose


def _since(name: str = "since") -> datetime | None:
    """An ISO 8601 time as UTC. One that exists in its own offset but not in UTC (9999-12-31T23:59-14:00)
    is refused like any other malformed value."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise invalid(name, "Use an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z.") from None


WHOLE = re.compile(r"[0-9]{1,4}")  # ASCII digits only: str.isdigit() admits '²' and '①', which int() refuses


def _limit() -> int:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not WHOLE.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise invalid("limit", f"Use a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _cursor_key() -> bytes:
    return hashlib.sha256(f"surveys.api.cursor|{current_app.config['SECRET_KEY']}".encode()).digest()


def make_cursor(survey_id: int, last_id: int) -> str:
    """Opaque: sealed, so it neither reveals positions nor can be forged."""
    return seal_token(_cursor_key(), f"{survey_id}:{last_id}", "cursor")


def _after(survey) -> int:
    raw = request.args.get("cursor")
    if not raw:
        return 0
    try:
        survey_id, after = map(int, open_token(_cursor_key(), raw, "cursor").split(":"))
    except (CryptoError, ValueError):
        raise invalid("cursor", "This cursor was not issued by this API; use next_cursor as given.") from None
    if survey_id != survey.id:
        raise invalid("cursor", "This cursor belongs to another survey.")
    return after


def _disclosure(slug: str) -> disclosures.Disclosure:
    survey = catalogue.get_survey(db.session(), slug)
    return disclosures.prepare(survey, g.recipient, _purpose(), f"recipient:{g.recipient.name}")


def _json(payload: bytes) -> Response:
    return Response(payload, mimetype="application/json")


@bp.get("/surveys")
@recipient_required
@limiter.limit(per_token, key_func=token_key)
def list_surveys():
    # A draft's questions and classes are not yet confirmed: nothing of it is offered.
    return jsonify(data=[serializers.survey(s) for s in g.recipient.surveys if s.status != SurveyStatus.DRAFT])


@bp.get("/surveys/<slug>/responses")
@recipient_required
@limiter.limit(per_token, key_func=token_key)
def list_responses(slug: str):
    d = _disclosure(slug)
    limit, since, after = _limit(), _since(), _after(d.survey)
    sessions = current_app.extensions["surveys.sessions"]
    rows, more = disclosures.page_of_rows(sessions, keyring(), d, after=after, limit=limit, since=since)
    payload = serializers.response_page(d, rows, pseudonyms.respondent_key(keyring(), d.recipient),
                                        make_cursor(d.survey.id, rows[-1].id) if more else None)
    recording.record_rows(sessions, d, "api_page", "json", rows, payload)  # in the ledger before it is sent
    return _json(payload)


@bp.get("/surveys/<slug>/aggregates")
@recipient_required
@limiter.limit(per_token, key_func=token_key)
def aggregates(slug: str):
    d = _disclosure(slug)
    return _json(aggregate_release(current_app.extensions["surveys.sessions"], keyring(), d,
                                   current_app.config["AGGREGATE_K"], since=_since(), until=_since("until")))


@bp.get("/surveys/<slug>/revocations")
@recipient_required
@limiter.limit(per_token, key_func=token_key)
def revocations(slug: str):
    survey = catalogue.get_survey(db.session(), slug)
    recipients.require_shared(g.recipient, survey)
    since = _since()
    found = revocations_since(db.session(), keyring(), survey, g.recipient, since)
    return jsonify(survey=slug, since=iso_utc(since) if since else None, data=found)
