from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, LargeBinary, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, EnumText, UTCDateTime, intpk, timestamp
from .survey import Survey
from .vocabulary import RecipientKind, sql_in

INTERNAL = RecipientKind.INTERNAL

recipient_surveys = Table(
    "recipient_surveys", Base.metadata,
    Column("recipient_id", ForeignKey("recipients.id", ondelete="CASCADE"), primary_key=True),
    Column("survey_id", ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True),
)


class Recipient(Base):
    """Who may receive disclosures: `internal` (the company's own staff) or a registered third party."""
    __tablename__ = "recipients"
    __table_args__ = (CheckConstraint(sql_in("kind", RecipientKind), name="kind_known"),)

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[RecipientKind] = mapped_column(EnumText(RecipientKind, 16))
    #: HMAC key for this recipient's pseudonyms, wrapped by the key ring like a data key.
    pseudonym_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[timestamp]

    purposes: Mapped[list["RecipientPurpose"]] = relationship(
        cascade="all, delete-orphan", order_by="RecipientPurpose.purpose")
    surveys: Mapped[list[Survey]] = relationship(secondary=recipient_surveys, order_by=Survey.title)
    tokens: Mapped[list["ApiToken"]] = relationship(
        back_populates="recipient", cascade="all, delete-orphan", order_by="ApiToken.id")

    @property
    def is_internal(self) -> bool:
        return self.kind == INTERNAL

    def shares(self, survey: Survey) -> bool:
        """Staff see every survey; a third party only those shared with it."""
        return self.is_internal or survey in self.surveys

    @property
    def purpose_names(self) -> list[str]:
        return [p.purpose for p in self.purposes]


class RecipientPurpose(Base):
    """A purpose this recipient registered; it may ask for data for these only."""
    __tablename__ = "recipient_purposes"
    __table_args__ = (UniqueConstraint("recipient_id", "purpose"),)

    id: Mapped[intpk]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token: shown once, stored as a SHA-256 digest."""
    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, so people can tell tokens apart without the secret.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[timestamp]
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[Recipient] = relationship(back_populates="tokens")
