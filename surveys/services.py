"""Use cases: plain functions that take a session and plain values, call models/,
flush rather than commit, and raise domain errors. The views commit."""
from __future__ import annotations

import difflib
import ipaddress
import logging
import re
import secrets
import weakref
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Integer, cast, delete, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, joinedload

from models import ledger
from models.base import utcnow
from models.crypto import KeyRing, open_answers, seal_answers
from models.definition import SLUG, SurveySpec, stranding_changes
from models.response import ConsentEvent, Erasure, NoticeVersion, Response
from models.submission import Consent, check_answers, check_consent, shows_minor, split_by_class
from models.survey import Field, Survey
from models.vocabulary import Classification

from .auth import new_receipt, receipt_digest
from .snapshots import SurveySnapshot, survey_snapshot

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    """No such survey, response, recipient or token."""
    status, code = 404, "not_found"


class SurveyClosed(DomainError):
    status, code = 409, "survey_closed"


class InvalidSubmission(DomainError):
    status, code = 422, "invalid"


class NotEligible(DomainError):
    """Age not confirmed, or an answer shows a minor: nothing is stored (or, for a correction, the
    response is erased)."""
    status, code = 403, "not_eligible"


class UnknownReceipt(DomainError):
    status, code = 401, "unknown_receipt"


class StrandedData(DomainError):
    status, code = 409, "would_strand_data"


# -- surveys -----------------------------------------------------------------

def get_survey(session: Session, slug: str) -> Survey:
    """The survey with its fields loaded, so what is built from it outlives the session."""
    survey = session.execute(select(Survey).where(Survey.slug == slug).options(joinedload(Survey.fields))
                             ).unique().scalar_one_or_none() if SLUG.match(slug) else None
    if survey is None:
        raise NotFound(f"There is no survey {slug!r}.")
    return survey


def respondent_survey(session: Session, slug: str) -> SurveySnapshot:
    """The survey as a respondent's request uses it: a read-only copy of its current version."""
    survey = survey_snapshot(session, slug, load=lambda: get_survey(session, slug))
    if survey is None:
        raise NotFound(f"There is no survey {slug!r}.")
    return survey


def get_open_survey(session: Session, slug: str) -> SurveySnapshot:
    survey = respondent_survey(session, slug)
    if not survey.is_open:
        raise SurveyClosed(f"The survey {slug!r} is closed and takes no more responses.")
    return survey


def list_open_surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).where(Survey.status == "open").order_by(Survey.title)))


def count_responses(session: Session, survey: Survey) -> int:
    return session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey.id))


def save_survey(session: Session, spec: SurveySpec, actor: str = "cli") -> tuple[Survey, bool]:
    """Create the survey, or update it in place. Once responses exist, a change that would
    strand stored answers (a field removed, reclassified or retyped, a choice dropped) is refused."""
    survey = session.scalar(select(Survey).where(Survey.slug == spec.slug))
    created = survey is None
    if created:
        survey = Survey(slug=spec.slug)
        session.add(survey)
    elif count_responses(session, survey):
        changes = stranding_changes(survey.fields, spec.fields)
        if changes:
            raise StrandedData(
                f"Survey {spec.slug!r} has responses; this definition would strand stored answers: "
                + "; ".join(changes) + ". Create a new survey (a new slug) instead.", {"fields": changes})
    for attr in ("title", "purpose", "purpose_description", "description", "min_age", "retention_days"):
        setattr(survey, attr, getattr(spec, attr))
    survey.status = spec.status.value
    # Every save is a new version, fields included: respondents' requests compare it.
    survey.updated_at = utcnow()
    existing = {field.name: field for field in survey.fields}
    fields = []
    for position, fspec in enumerate(spec.fields):
        field = existing.get(fspec.name) or Field(name=fspec.name)
        field.position, field.label, field.help = position, fspec.label, fspec.help
        field.type, field.classification = fspec.type.value, fspec.classification.value
        field.required, field.role = fspec.required, fspec.role.value if fspec.role else None
        field.choices = list(fspec.choices) if fspec.choices else None
        field.min, field.max = fspec.min, fspec.max
        fields.append(field)
    survey.fields = fields
    session.flush()
    log.info("%s %s survey %s", actor, "created" if created else "updated", spec.slug)
    return survey, created


# -- submissions ---------------------------------------------------------------

@dataclass(frozen=True)
class ClientInfo:
    """Request metadata, non-PII under the terms; the address arrives already truncated."""
    ip: str | None = None
    user_agent: str | None = None
    referrer: str | None = None


def describe_client(remote_addr: str | None, user_agent: str | None, referrer: str | None,
                    truncate_ip: bool = True) -> ClientInfo:
    return ClientInfo(ip=_truncate_ip(remote_addr) if truncate_ip else remote_addr,
                      user_agent=(user_agent or None) and user_agent[:300],
                      referrer=_strip_query(referrer))


def _truncate_ip(addr: str | None) -> str | None:
    try:
        ip = ipaddress.ip_address(addr or "")
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def _strip_query(url: str | None) -> str | None:
    """Query strings and fragments can carry identifiers; keep where the visitor came from, not who."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:500] or None


def accept_consent(survey: Survey | SurveySnapshot, consent: Any, gpc: bool = False) -> Consent:
    """The consent step on its own: age first (403), then the form of the choices (422)."""
    if not isinstance(consent, dict) or consent.get("age_confirmed") is not True:
        raise NotEligible(f"This survey is for people aged {survey.min_age} or over, "
                          "and taking part needs you to confirm that.")
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


# Built once: a statement made per request (values() with every column) cost more than the crypto.
_INSERT_RESPONSE = insert(Response.__table__).returning(Response.__table__.c.id)
_INSERT_CONSENT = insert(ConsentEvent.__table__)


def submit(session: Session, ring: KeyRing, survey: Survey | SurveySnapshot, answers: Any, consent: Any, *,
           source: str, notice: Any, client: ClientInfo = ClientInfo(), gpc: bool = False,
           from_text: bool = False, today: date | None = None) -> Submitted:
    """Store one response, or nothing at all.

    `from_text` says the answers are form input still to be parsed; the JSON API
    sends typed values. Both go through the same checks in models.submission.
    """
    try:
        choices, errors = accept_consent(survey, consent, gpc=gpc), {}
    except InvalidSubmission as exc:  # reported together with the answers' problems
        choices, errors = None, dict(exc.errors)
    clean, answer_errors = check_answers(survey.fields, answers, from_text=from_text)
    errors.update(answer_errors)
    # A minor is refused before any other problem is reported: nothing of theirs is to be kept.
    if shows_minor(survey.fields, clean, survey.min_age, today or datetime.now(timezone.utc).date()):
        raise NotEligible(f"This survey is for people aged {survey.min_age} or over.")
    if errors or choices is None:
        raise InvalidSubmission("Some answers need attention.", errors)
    record_notice(session, notice.version, notice.text)
    notice_version = notice.version
    _serialise_submissions(session)
    parts = split_by_class(survey.fields, clean)
    public_id = secrets.token_hex(16)  # 128 bits; hex, so it never reads as a command-line option
    sealed = seal_answers(ring, survey.id, public_id, parts[Classification.PII], parts[Classification.SPI])
    receipt, digest = new_receipt()
    # Two plain inserts: the unit of work would cost more than everything else here together.
    connection = session.connection()  # Core statements: the ORM has nothing to add to them
    response_id = connection.execute(_INSERT_RESPONSE, dict(
        public_id=public_id, survey_id=survey.id, receipt_digest=digest,
        non_pii=parts[Classification.NON_PII], pii=sealed.pii, spi=sealed.spi, data_key=sealed.data_key,
        notice_version=notice_version, client_ip=client.ip, user_agent=client.user_agent,
        referrer=client.referrer, **choices.choices)).scalar_one()
    connection.execute(_INSERT_CONSENT, dict(
        response_id=response_id, source=source, changes=choices.choices, notice_version=notice_version,
        note="Opt-out request honored: the browser sent a Global Privacy Control signal." if gpc else "", gpc=gpc))
    log.info("response %s submitted to %s via %s", public_id, survey.slug, source)
    return Submitted(public_id=public_id, receipt=receipt, response_id=response_id, consent=choices.choices, gpc=gpc)


def _serialise_submissions(session: Session) -> None:
    """Responses must become visible in id order, or a reader paging by id could pass over an
    id whose transaction commits late. SQLite has one writer at a time already; on PostgreSQL a
    transaction-scoped advisory lock makes inserts take ids and commit one after another."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7101)"))


# -- the respondent's own record -------------------------------------------------

def find_by_receipt(session: Session, receipt: str | None) -> Response:
    if not receipt or len(receipt) > 200:
        raise UnknownReceipt("Send the receipt code you were given in the X-Receipt header.")
    response = session.scalar(select(Response).where(Response.receipt_digest == receipt_digest(receipt)))
    if response is None:
        raise UnknownReceipt("That receipt code matches no response. It may be mistyped, or erased.")
    return response


@dataclass(frozen=True)
class RespondentRecord:
    survey: Survey
    response: Response
    answers: dict[str, Any]
    disclosures: list[dict[str, Any]]


def own_answers(ring: KeyRing, survey: Survey, response: Response) -> dict[str, Any]:
    """What the respondent gave, decrypted for them alone, in the survey's order."""
    pii, spi = open_answers(ring, survey.id, response.public_id, response.data_key, response.pii, response.spi)
    given = {**response.non_pii, **pii, **spi}
    return {field.name: given[field.name] for field in survey.fields if field.name in given}


def respondent_record(session: Session, ring: KeyRing, response: Response) -> RespondentRecord:
    """Everything the respondent gave, and every disclosure that included them."""
    survey = session.get(Survey, response.survey_id)
    return RespondentRecord(survey=survey, response=response, answers=own_answers(ring, survey, response),
                            disclosures=ledger.disclosures_of(session, response.id, response.public_id))


def change_consent(session: Session, response: Response, changes: dict[str, bool], *, source: str,
                   notice_version: str, notice_text: str | None = None, actor: str = "respondent") -> dict[str, bool]:
    """Apply a change of the respondent's choices; an event records what changed, when and under
    which notice. Returns the changes that took effect (nothing when nothing changed)."""
    effective = {key: value for key, value in changes.items() if getattr(response, key) != value}
    if notice_text is not None:
        record_notice(session, notice_version, notice_text)
    if effective:
        for key, value in effective.items():
            setattr(response, key, value)
        response.notice_version = notice_version
        response.events.append(ConsentEvent(source=source, changes=effective, notice_version=notice_version,
                                            actor=actor))
        session.flush()
        log.info("response %s: consent changed by %s: %s", response.public_id, actor, effective)
    return effective


ERASURE_REASONS = ("withdrawn", "minor", "retention", "staff")


def erase(session: Session, response: Response, reason: str, actor: str) -> bool:
    """Crypto-shred and delete one response: its data key goes with the row, so any copy of its
    blobs is unreadable. What remains is that it happened — in erasures and the ledger — never what it held.

    The row is deleted first, which takes the write lock: when two erasures of one response race
    (a double-clicked withdrawal, a withdrawal during a retention purge), the second deletes
    nothing and returns False instead of recording the erasure twice."""
    assert reason in ERASURE_REASONS
    public_id, survey_id = response.public_id, response.survey_id
    deleted = session.execute(delete(Response).where(Response.id == response.id)).rowcount
    if response in session:
        session.expunge(response)
    if not deleted:
        return False
    survey = session.get(Survey, survey_id)
    session.add(Erasure(survey_id=survey_id, public_id=public_id, reason=reason))
    ledger.append_erasure(session, survey.slug, public_id, reason, actor)
    session.flush()
    log.info("response %s erased (%s) by %s", public_id, reason, actor)
    return True


def update_answers(session: Session, ring: KeyRing, response: Response, answers: Any, *, whole: bool,
                   from_text: bool = False, actor: str = "respondent", today: date | None = None) -> None:
    """Correct a response's answers with the same checks as a submission.

    `whole` replaces every answer (the form sends them all); otherwise the given answers are
    merged in and null removes one (the API's PATCH). Answers that now show a minor erase the
    response: the service does not keep what it knows to be a minor's data."""
    survey = session.get(Survey, response.survey_id)
    if not isinstance(answers, dict):
        raise InvalidSubmission("Send the answers as an object keyed by field name.",
                                {"answers": ["Expected an object."]})
    if whole:
        merged = answers
    else:
        merged = {**own_answers(ring, survey, response), **answers}
        merged = {name: value for name, value in merged.items() if value is not None}
    clean, errors = check_answers(survey.fields, merged, from_text=from_text)
    if shows_minor(survey.fields, clean, survey.min_age, today or datetime.now(timezone.utc).date()):
        erase(session, response, "minor", actor)
        raise NotEligible(f"This survey is for people aged {survey.min_age} or over, so your response has been "
                          "erased.")
    if errors:
        raise InvalidSubmission("Some answers need attention.", errors)
    parts = split_by_class(survey.fields, clean)
    # Under a fresh data key: an old blob left in the write-ahead log or a free page opens under
    # nothing that remains (the caller clears that residue too, once this commits).
    sealed = seal_answers(ring, survey.id, response.public_id, parts[Classification.PII], parts[Classification.SPI])
    response.non_pii, response.pii, response.spi = parts[Classification.NON_PII], sealed.pii, sealed.spi
    response.data_key = sealed.data_key
    session.flush()
    log.info("response %s corrected by %s", response.public_id, actor)


def expired_responses(session: Session, now: datetime | None = None, batch: int = 1000) -> list[Response]:
    """Responses past their survey's retention period, oldest first, one batch at a time."""
    now = now or datetime.now(timezone.utc)
    expired: list[Response] = []
    for survey in session.scalars(select(Survey)):
        cutoff = now - timedelta(days=survey.retention_days)
        expired += session.scalars(select(Response).where(Response.survey_id == survey.id,
                                                          Response.submitted_at < cutoff)
                                   .order_by(Response.id).limit(batch - len(expired)))
        if len(expired) >= batch:
            break
    return expired


PUBLIC_ID = re.compile(r"^[0-9a-f]{32}$")


def find_by_public_id(session: Session, public_id: str) -> Response:
    public_id = public_id.strip()
    response = session.scalar(select(Response).where(Response.public_id == public_id)) \
        if PUBLIC_ID.match(public_id) else None
    if response is None:
        raise NotFound("No response has that id; it may already be erased.")
    return response


def clear_residue(session: Session) -> None:
    """After an erasure or a correction commits: SQLite's secure_delete has zeroed the freed space in
    the database file, but the write-ahead log still holds earlier copies of the pages until it is checkpointed.
    Checkpoint and truncate it now — best effort: a truncating checkpoint waits for every reader,
    so it gets a quarter second; with a long export running it happens at a later checkpoint."""
    if session.get_bind().dialect.name == "sqlite":
        connection = session.connection()
        connection.exec_driver_sql("PRAGMA busy_timeout = 250")
        try:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.exec_driver_sql("PRAGMA busy_timeout = 30000")
        session.commit()


# -- privacy notices --------------------------------------------------------------

_recorded_notices: "weakref.WeakKeyDictionary[Engine, set[str]]" = weakref.WeakKeyDictionary()


def record_notice(session: Session, version: str, text: str) -> None:
    """Keep each notice text the first time it is shown, to tell returning respondents what changed.
    Versions are never deleted, so each process remembers which ones its database already holds."""
    known = _recorded_notices.setdefault(session.get_bind(), set())
    if version in known:
        return
    if session.scalar(select(NoticeVersion.id).where(NoticeVersion.version == version)) is None:
        session.add(NoticeVersion(version=version, text=text))
        session.flush()
    else:
        known.add(version)


def notice_changes(session: Session, given_under: str, current_version: str, current_text: str) -> list[str] | None:
    """What changed since the notice a respondent consented under, as diff lines; None if nothing did."""
    if given_under == current_version:
        return None
    old = session.scalar(select(NoticeVersion.text).where(NoticeVersion.version == given_under)) or ""
    return [line for line in difflib.unified_diff(old.splitlines(), current_text.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---")) and line[1:].strip()]


# -- staff overview -------------------------------------------------------------

@dataclass(frozen=True)
class SurveyOverview:
    survey: Survey
    responses: int
    opted_out_third_party: int
    opted_out_other_purposes: int
    spi_consent: int
    per_day: list[tuple[str, int]]

    def rate(self, count: int) -> float:
        return count / self.responses if self.responses else 0.0


def survey_overviews(session: Session, days: int = 30) -> list[SurveyOverview]:
    """Counts and consent rates per survey, from consent flags and timestamps only."""
    today = datetime.now(timezone.utc).date()
    start = today - timedelta(days=days - 1)
    # Two grouped queries for all surveys, not two per survey.
    totals = {row[0]: row[1:] for row in session.execute(select(
        Response.survey_id, func.count(), func.sum(cast(Response.opt_out_third_party, Integer)),
        func.sum(cast(Response.opt_out_other_purposes, Integer)), func.sum(cast(Response.spi_disclosure, Integer)),
    ).group_by(Response.survey_id))}
    day = func.date(Response.submitted_at)
    counts = {(survey_id, str(d)): n for survey_id, d, n in session.execute(
        select(Response.survey_id, day, func.count())
        .where(Response.submitted_at >= datetime.combine(start, datetime.min.time(), timezone.utc))
        .group_by(Response.survey_id, day))}
    days_shown = [str(start + timedelta(days=i)) for i in range(days)]
    return [SurveyOverview(survey, *totals.get(survey.id, (0, 0, 0, 0)),
                           per_day=[(d, counts.get((survey.id, d), 0)) for d in days_shown])
            for survey in list_surveys(session)]


def list_surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.title)))
