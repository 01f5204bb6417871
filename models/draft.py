"""Partial answers between the pages of a web form: sealed under a data key of their own, kept for hours,
never disclosed, counted nowhere; gone at submission, when the respondent leaves, or when they expire."""
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, intpk, timestamp


def draft_key_aad(survey_id: int, handle: str) -> bytes:
    return f"surveys/v1|draft-key|{survey_id}|{handle}".encode()


def draft_aad(survey_id: int, handle: str) -> bytes:
    return f"surveys/v1|draft|{survey_id}|{handle}".encode()


class Draft(Base):
    __tablename__ = "drafts"

    id: Mapped[intpk]
    #: Random, never shown: what the sealed contents are bound to.
    handle: Mapped[str] = mapped_column(String(32), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    #: The browser's link to it (a token in its session cookie), as a digest.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: The resume code's digest, once "Finish later" has shown one.
    resume_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    data_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: Answers so far, consent given, the page reached: JSON sealed under the data key.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
