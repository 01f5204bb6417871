"""An export made in the background: who asked for what, how far it has got, and the key of its sealed file."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import Base, EnumText, UTCDateTime, intpk, timestamp
from .recipient import Recipient
from .survey import Survey
from .vocabulary import sql_in


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"    # waiting for the job runner
    RUNNING = "running"  # being written
    DONE = "done"        # the sealed file waits to be downloaded
    FAILED = "failed"    # stopped; no file
    EXPIRED = "expired"  # downloaded, or left past its time: the file and its key are gone


#: While the file exists; its key (and so any copy of it) is destroyed with it.
HOLDS_FILE = (ExportStatus.RUNNING, ExportStatus.DONE)


class ExportJob(Base):
    __tablename__ = "export_jobs"
    __table_args__ = (CheckConstraint(sql_in("status", ExportStatus), name="status_known"),
                      CheckConstraint("mode IN ('blank', 'drop')", name="mode_known"),
                      CheckConstraint("rows_done >= 0 AND rows_expected >= 0", name="rows_counted"))

    id: Mapped[intpk]
    #: Random: the job's address, and what each part of its file is bound to.
    handle: Mapped[str] = mapped_column(String(32), unique=True)
    #: Who asked; the file is theirs (and any admin's) to download.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(16))
    #: What happens to withheld answers: "blank" cells, or "drop" the respondent.
    mode: Mapped[str] = mapped_column(String(8))
    status: Mapped[ExportStatus] = mapped_column(EnumText(ExportStatus, 16), default=ExportStatus.QUEUED, index=True)
    #: Respondents written so far, and how many the preview counted (from consent alone) when it was asked for.
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_expected: Mapped[int] = mapped_column(Integer)
    #: Bytes of the finished file, before sealing.
    size: Mapped[int | None] = mapped_column(BigInteger)
    #: The file's key, wrapped by the key ring (models.sealed_file.file_key_aad); none once the file is gone.
    data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Why it failed, in words for the person who asked (never a traceback).
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[timestamp]
    #: Moved on by the runner as rows are written: a running job left unmoved for long was interrupted.
    updated_at: Mapped[timestamp]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Past this the file is deleted, downloaded or not.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    account: Mapped[Account] = relationship()
    survey: Mapped[Survey] = relationship()
    recipient: Mapped[Recipient] = relationship()
