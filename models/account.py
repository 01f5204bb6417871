from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, EnumText, UTCDateTime, intpk, timestamp
from .vocabulary import StaffRole, SurveyRole, sql_in


class Account(Base):
    """A staff member: admin or researcher."""
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint(sql_in("role", StaffRole), name="role_known"),)

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: argon2id hash, parameters included; none until the person sets one through their link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[StaffRole] = mapped_column(EnumText(StaffRole, 16))
    #: Cleared to see sensitive answers for the survey's own purpose.
    spi_access: Mapped[bool] = mapped_column(Boolean, default=False)
    #: May confirm a survey's classification, which is what opens it (admins always may).
    reviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[timestamp]
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN

    @property
    def may_review(self) -> bool:
        return self.is_admin or self.reviewer


class SurveyGrant(Base):
    """One staff member's role on one survey. Admins need none: they see every survey."""
    __tablename__ = "survey_grants"
    __table_args__ = (UniqueConstraint("account_id", "survey_id"),
                      CheckConstraint(sql_in("role", SurveyRole), name="role_known"))

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    role: Mapped[SurveyRole] = mapped_column(EnumText(SurveyRole, 16))
    granted_by: Mapped[str] = mapped_column(String(254))
    granted_at: Mapped[timestamp]


class PasswordLink(Base):
    """A one-time link to set a password: the new account's first, or one an admin issued again.
    Only the digest of its token is kept; using it, or issuing another, ends it."""
    __tablename__ = "password_links"

    id: Mapped[intpk]
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()


class StaffSession(Base):
    """A signed-in browser. The cookie holds a random token; this row holds its digest,
    so logging out or expiring ends the session on the server, not just in the browser."""
    __tablename__ = "staff_sessions"

    id: Mapped[intpk]
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[timestamp]
    last_seen_at: Mapped[timestamp]

    account: Mapped[Account] = relationship()


class LoginAttempt(Base):
    """Failed logins, counted per email and per address to slow down guessing."""
    __tablename__ = "login_attempts"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[timestamp]
