"""What ties a respondent's browser to their response on the server: self-service sessions, and
one-time tokens that make a submitted form count once however often it is sent."""
from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, intpk, timestamp


class RespondentSession(Base):
    """A browser signed in to /me with a receipt code. The cookie holds a random token, this row
    its digest: signing out deletes the row, so a copied cookie opens nothing afterwards."""
    __tablename__ = "respondent_sessions"

    id: Mapped[intpk]
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[timestamp]
    last_seen_at: Mapped[timestamp]


class SubmissionToken(Base):
    """A web form's submission, consumed in the transaction that stores its response: a second
    post of the same form (a double click, a replay) finds the digest taken and stores nothing."""
    __tablename__ = "submission_tokens"

    id: Mapped[intpk]
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    #: The receipt code, sealed under a key derived from the token (which only the browser holds),
    #: until the receipt page has shown it once; then cleared.
    sealed_receipt: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[timestamp]


