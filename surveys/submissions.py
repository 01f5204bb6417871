"""Use cases of submitting: the consent step, a response stored whole or not at all, and a web form counted once."""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import utcnow
from models.consent import Consent, check_consent
from models.crypto import CryptoError, KeyRing, open_sealed, seal, seal_answers
from models.database import Prepared
from models.messages import N_, Message
from models.respondent_access import SubmissionToken
from models.response import ConsentEvent, Response, micros_now
from models.answering import settle, shows_minor, split_by_class
from models.translations import languages_of
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, Classification, SurveyStatus

from .auth import digest, new_receipt
from .clients import ClientInfo
from . import catalogue
from .errors import AlreadySubmitted, Conflict, InvalidSubmission, NotEligible
from .notices import record_notice
from .snapshots import SurveySnapshot

log = logging.getLogger(__name__)


def accept_consent(survey: Survey | SurveySnapshot, consent: Any, gpc: bool = False) -> Consent:
    """The consent step on its own: age first (403), then the form of the choices (422)."""
    if not isinstance(consent, dict) or consent.get("age_confirmed") is not True:
        raise NotEligible(Message("This survey is for people aged %(min_age)s or over, "
                                  "and taking part needs you to confirm that.", min_age=survey.min_age))
    choices, errors = check_consent(consent, gpc=gpc)
    if errors:
        raise InvalidSubmission("Some consent choices need attention.", errors)
    return choices


@dataclass(frozen=True)
class Submitted:
    public_id: str
    receipt: str
    response_id: int
    #: The three choices as stored.
    consent: dict[str, bool]
    #: A Global Privacy Control signal came with it and set the third-party opt-out.
    gpc: bool = False


_RESPONSES, _SURVEYS = Response.__table__, Survey.__table__
_STORED = ("public_id", "survey_id", "submitted_at", "updated_at", "receipt_digest", "non_pii", "pii", "spi",
           "data_key", "notice_version", "language", "client_ip", "user_agent", "referrer", "revision",
           *CONSENT_CHOICES)
# Built once: a statement made per request (values() with every column) cost more than the crypto.
# The row is stored only while the version its answers were checked against is the survey's current one,
# and the survey open: the check travels in the insert instead of a query of its own before it.
_INSERT_RESPONSE = Prepared(insert(_RESPONSES).from_select(_STORED, select(
    *(bindparam(name, type_=_RESPONSES.c[name].type) for name in _STORED)
).where(exists().where(_SURVEYS.c.id == bindparam("version_of", type_=_SURVEYS.c.id.type),
                       _SURVEYS.c.updated_at == bindparam("version", type_=_SURVEYS.c.updated_at.type),
                       _SURVEYS.c.status == SurveyStatus.OPEN))).returning(_RESPONSES.c.id))
_EVENTS = ConsentEvent.__table__
_INSERT_CONSENT = Prepared(insert(_EVENTS).values({name: bindparam(name, type_=_EVENTS.c[name].type) for name in (
    "response_id", "at", "actor", "source", "changes", "notice_version", "language", "note", "gpc")}))


def submit(session: Session, ring: KeyRing, survey: SurveySnapshot, answers: Any, consent: Any, *,
           source: str, notice: Any, client: ClientInfo = ClientInfo(), gpc: bool = False,
           from_text: bool = False, discard_hidden: bool = False, today: date | None = None,
           language: Any = None) -> Submitted:
    """Store one response, or nothing at all.

    `survey` may be a copy this process holds without having checked its version (get_open_survey's `held`):
    the insert stores the response only while it is the current version of an open survey; when it is not,
    the answers are checked again against the current one, or refused as that one says (closed, in review).

    `from_text` says the answers are form input still to be parsed; the JSON API sends typed values.
    `discard_hidden`: the web form drops answers to questions its logic hid, where the API is told.
    Both go through the rules of models.answering, which also compute the scores. `language`: the one it
    was answered in, one of the survey's (default: its first); kept with the response and its consent event.
    """
    options = dict(source=source, notice=notice, client=client, gpc=gpc, from_text=from_text,
                   discard_hidden=discard_hidden, today=today or datetime.now(timezone.utc).date(), language=language)
    for _ in range(3):
        submitted = _store(session, ring, survey, answers, consent, **options)
        if submitted is not None:
            return submitted
        survey = catalogue.get_open_survey(session, survey.slug)  # saved, closed or removed meanwhile
    raise Conflict("The survey changed while these answers were being stored; nothing was stored. "
                   "Send them again.")


def _store(session: Session, ring: KeyRing, survey: SurveySnapshot, answers: Any, consent: Any, *, source: str,
           notice: Any, client: ClientInfo, gpc: bool, from_text: bool, discard_hidden: bool, today: date,
           language: Any) -> Submitted | None:
    """submit, against this version of the survey: None, with nothing stored, if it is no longer the current one."""
    try:
        choices, errors = accept_consent(survey, consent, gpc=gpc), {}
    except InvalidSubmission as exc:  # reported together with the answers' problems
        choices, errors = None, dict(exc.errors)
    settled = settle(survey.instrument, answers, today=today, from_text=from_text, refuse_hidden=not discard_hidden)
    clean = settled.answers
    errors.update(settled.errors)
    offered = languages_of(survey)
    language = offered[0] if language is None else language
    if language not in offered:
        errors["language"] = [f"Answer in one of this survey's languages: {', '.join(offered)}."]
    # A minor is refused before any other problem is reported: nothing of theirs is to be kept.
    if shows_minor(survey.fields, clean, survey.min_age, today):
        raise NotEligible(Message("This survey is for people aged %(min_age)s or over.", min_age=survey.min_age))
    if errors or choices is None:
        raise InvalidSubmission("Some answers need attention.", errors)
    record_notice(session, notice.version, notice.text, notice.language)
    notice_version = notice.version
    _serialise_submissions(session)
    parts = split_by_class(survey.fields, clean)
    public_id = secrets.token_hex(16)  # 128 bits; hex, so it never reads as a command-line option
    sealed = seal_answers(ring, survey.id, public_id, parts[Classification.PII], parts[Classification.SPI])
    receipt, digest = new_receipt()
    now = utcnow()
    # Two plain inserts: the unit of work would cost more than everything else here together.
    connection = session.connection()  # Core statements: the ORM has nothing to add to them
    stored = _INSERT_RESPONSE.execute(connection, dict(
        public_id=public_id, survey_id=survey.id, submitted_at=now, updated_at=now, receipt_digest=digest,
        non_pii=parts[Classification.NON_PII], pii=sealed.pii, spi=sealed.spi, data_key=sealed.data_key,
        notice_version=notice_version, language=language, client_ip=client.ip, user_agent=client.user_agent,
        referrer=client.referrer, revision=micros_now(), version_of=survey.id, version=survey.updated_at,
        **choices.choices))
    if not stored:
        return None
    response_id = stored[0][0]
    _INSERT_CONSENT.execute(connection, dict(
        response_id=response_id, at=now, actor="respondent", source=source, changes=choices.choices,
        notice_version=notice_version, language=notice.language,
        note=N_("Opt-out request honored: the browser sent a Global Privacy Control signal.") if gpc else "", gpc=gpc))
    log.info("response %s submitted to %s via %s", public_id, survey.slug, source)
    return Submitted(public_id=public_id, receipt=receipt, response_id=response_id, consent=choices.choices, gpc=gpc)


def _serialise_submissions(session: Session) -> None:
    """Responses must become visible in id order, or a reader paging by id could pass over an
    id whose transaction commits late. SQLite has one writer at a time already; on PostgreSQL a
    transaction-scoped advisory lock makes inserts take ids and commit one after another."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7101)"))


def new_submission_token() -> str:
    return secrets.token_urlsafe(32)


def _receipt_key(token: str) -> bytes:
    return hashlib.sha256(b"surveys/v1|receipt-key|" + token.encode()).digest()


_INSERT_TOKEN = insert(SubmissionToken.__table__)


def submit_once(session: Session, ring: KeyRing, survey: Any, answers: Any, consent: Any, token: str,
                **options: Any) -> Submitted:
    """A web form's submission: the response and the token it consumes, in one transaction. A token already
    consumed (a replay, a second click that found the first one's draft gone) is AlreadySubmitted before
    anything is checked; one consumed meanwhile fails on its unique digest in consume."""
    if submitted_with(session, token):
        raise AlreadySubmitted("These answers were already received; they are stored once.")
    submitted = submit(session, ring, survey, answers, consent, **options)
    consume(session, token, submitted.response_id, submitted.receipt)
    return submitted


def consume(session: Session, token: str, response_id: int, receipt: str) -> None:
    """Take the token in the transaction that stores the response. A second use waits for the
    first transaction and then fails on the unique digest: AlreadySubmitted, and the caller's
    transaction (with its response) is rolled back."""
    token_digest = digest(token)
    try:
        session.execute(_INSERT_TOKEN, dict(
            digest=token_digest, response_id=response_id, created_at=utcnow(),
            sealed_receipt=seal(_receipt_key(token), receipt.encode(), token_digest.encode())))
    except IntegrityError:
        raise AlreadySubmitted("These answers were already received; they are stored once.") from None


def submitted_with(session: Session, token: str) -> bool:
    """This form's submission is stored already (a replay, a second click, a refresh of its last page)."""
    return session.scalar(select(SubmissionToken.id).where(SubmissionToken.digest == digest(token))) is not None


def receipt_once(session: Session, token: object) -> str | None:
    """The receipt code of the response this token stored, the first time it is asked for; None after."""
    if not isinstance(token, str) or not token:
        return None
    token_digest = digest(token)
    sealed = session.scalar(select(SubmissionToken.sealed_receipt).where(SubmissionToken.digest == token_digest))
    if sealed is None:
        return None
    cleared = session.execute(update(SubmissionToken).where(SubmissionToken.digest == token_digest,
                                                            SubmissionToken.sealed_receipt.is_not(None))
                              .values(sealed_receipt=None)).rowcount
    if not cleared:  # shown by a request that came a moment earlier
        return None
    try:
        return open_sealed(_receipt_key(token), sealed, token_digest.encode()).decode()
    except CryptoError:
        return None


def purge_submission_tokens(session: Session, now: datetime | None = None, keep: timedelta = timedelta(days=1)) -> int:
    """Tokens outlive the form's CSRF token (four hours) by a margin; a receipt never shown goes with them."""
    cutoff = (now or utcnow()) - keep
    return session.execute(delete(SubmissionToken).where(SubmissionToken.created_at < cutoff)).rowcount
