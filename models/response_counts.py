"""How many responses each survey holds, per day of submission and consent state: what the staff
dashboard, the survey pages and the export preview show, read without scanning the responses.

The database keeps these counts itself. Triggers on `responses` (migration 0012) change them in
the transaction of every insert, deletion and consent change, whatever wrote it: a submission,
a consent change, an erasure, a retention purge, a bulk load. Each (survey, day, state) is
spread over SLOTS rows by response id, so a consent change or an erasure seldom waits on the row
a submission of the same day is counting into; readers add the slots up.

They hold nothing the responses table does not show beside them in plain columns (survey,
submission time, consent flags), to the same readers of the database."""
from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

#: Rows each (survey, day, consent state) is spread over: response id modulo SLOTS.
SLOTS = 4


class ResponseCount(Base):
    __tablename__ = "response_counts"
    __table_args__ = (CheckConstraint("responses >= 0", name="not_negative"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    #: The UTC day the responses were submitted.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    opt_out_third_party: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    opt_out_other_purposes: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    spi_disclosure: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: Responses in this cell now; it may fall to 0, never below.
    responses: Mapped[int] = mapped_column(Integer)
