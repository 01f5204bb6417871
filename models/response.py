from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint,
                        literal_column)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, EnumText, UTCDateTime, intpk, timestamp, utcnow
from .vocabulary import CONSENT_CHOICES, DEFAULT_LANGUAGE, ErasureReason


def micros_now() -> int:
    """Microseconds since 2020: a row's first revision (a sum of 1,024 of them stays within 64 bits for
    centuries)."""
    return (utcnow() - _REVISION_EPOCH) // _MICROSECOND


_REVISION_EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


class Response(Base):
    """One respondent's submission: answers, current consent, request metadata.

    Non-PII answers are plain JSON so aggregates can read them; PII and SPI
    answers are each one encrypted blob under this row's own data key.
    """
    __tablename__ = "responses"
    # What the tallies' stamps read (how many, the sum of revisions, per block of ids): the index alone.
    __table_args__ = (Index("ix_responses_survey_id_id_revision", "survey_id", "id", "revision"),)

    #: Submission order: the stable key for cursors and streaming exports.
    id: Mapped[intpk]
    #: Random, shown to the respondent; never derived from id.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    submitted_at: Mapped[timestamp]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: SHA-256 of the receipt code; the code itself is shown once and never stored.
    receipt_digest: Mapped[str] = mapped_column(String(64), unique=True)

    non_pii: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pii: Mapped[bytes | None] = mapped_column(LargeBinary)
    spi: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: This response's data key, wrapped by the key ring; destroying it erases the blobs.
    data_key: Mapped[bytes] = mapped_column(LargeBinary)

    # Current consent state; its history is in consent_events.
    opt_out_third_party: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_other_purposes: Mapped[bool] = mapped_column(Boolean, default=False)
    spi_disclosure: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_version: Mapped[str] = mapped_column(String(32))
    #: Moves on with every change to the row (a correction, a consent change): kept tallies of a block of
    #: responses are checked against the sum of it (surveys/tallies.py). It starts at the microsecond the row
    #: is written, not at 0, so a new row that takes a deleted row's id (SQLite reuses the highest) sums apart.
    revision: Mapped[int] = mapped_column(BigInteger, default=micros_now, server_default="0",
                                          onupdate=literal_column("revision") + 1)
    #: The language the survey was answered in (non-PII), a BCP 47 tag such as "es".
    language: Mapped[str] = mapped_column(String(16), default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)

    # Request metadata: non-PII under the terms; the address is stored truncated.
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    referrer: Mapped[str | None] = mapped_column(Text)

    events: Mapped[list["ConsentEvent"]] = relationship(
        back_populates="response", order_by="ConsentEvent.id",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    @property
    def opted_out_by_gpc(self) -> bool:
        """The third-party opt-out stands as a Global Privacy Control signal set it."""
        last = next((e for e in reversed(self.events) if "opt_out_third_party" in e.changes), None)
        return self.opt_out_third_party and last is not None and last.gpc

    @property
    def consent(self) -> dict[str, bool]:
        return {key: getattr(self, key) for key in CONSENT_CHOICES}


class ConsentEvent(Base):
    """Append-only history of a response's consent: what changed, when, under which notice."""
    __tablename__ = "consent_events"

    id: Mapped[intpk]
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    at: Mapped[timestamp]
    #: Who acted: "respondent", or a staff account's email.
    actor: Mapped[str] = mapped_column(String(254), default="respondent")
    #: How the choice arrived: form, api, or gpc (a browser's Global Privacy Control signal).
    source: Mapped[str] = mapped_column(String(16))
    #: The choices as set by this event: {"opt_out_third_party": true, ...}.
    changes: Mapped[dict[str, bool]] = mapped_column(JSON)
    notice_version: Mapped[str] = mapped_column(String(32))
    #: The language the notice and the choices were given in.
    language: Mapped[str] = mapped_column(String(16), default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)
    note: Mapped[str] = mapped_column(Text, default="")
    #: The request carried a Global Privacy Control signal, which set the third-party opt-out.
    gpc: Mapped[bool] = mapped_column(Boolean, default=False)

    response: Mapped[Response] = relationship(back_populates="events")


class Erasure(Base):
    """That a response was erased, when and why — never what it held. Lets exports count
    withdrawals and recipients learn which pseudonyms to delete."""
    __tablename__ = "erasures"
    # The export preview counts a survey's withdrawals among what may be millions of retention erasures.
    __table_args__ = (Index("ix_erasures_survey_id_reason", "survey_id", "reason"),)

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: withdrawn | minor | retention | staff
    reason: Mapped[ErasureReason] = mapped_column(EnumText(ErasureReason, 16))
    at: Mapped[timestamp]


class NoticeVersion(Base):
    """Each privacy-notice text the service has shown, so a returning respondent can be told what changed."""
    __tablename__ = "notice_versions"

    __table_args__ = (UniqueConstraint("version", "language"),)

    id: Mapped[intpk]
    version: Mapped[str] = mapped_column(String(32))
    #: Each language's notice is a file of its own, with a version line of its own.
    language: Mapped[str] = mapped_column(String(16), default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)
    text: Mapped[str] = mapped_column(Text)
    first_shown_at: Mapped[timestamp]
