"""What says whether a kept tally still holds (surveys/tallies.py), for every block of 1,024 response ids: how many
rows it has and the sum of their revisions, kept by the database itself.

Triggers on `responses` (migration 0013) move them in the transaction of every insert, deletion and change of a
revision, whatever wrote it, as the response counts are kept. Reading them is reading a row or four per block,
where counting them from the index read every response (1.6 to 3 s at ten million on PostgreSQL, before an
aggregate had opened a single tally). Each block is spread over SLOTS rows by response id, so that concurrent
submissions into the newest block seldom wait on one row; readers add the slots up.

They hold nothing the responses table does not show beside them: ids and revisions."""
from sqlalchemy import BigInteger, ForeignKey, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

#: A block is the ids sharing id >> BLOCK_BITS.
BLOCK_BITS = 10
#: Rows each block is spread over: response id modulo SLOTS.
SLOTS = 4


class BlockStamp(Base):
    __tablename__ = "block_stamps"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    block: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: Responses of the block in this slot now (it may fall to 0).
    responses: Mapped[int] = mapped_column(Integer)
    #: The sum of their revisions.
    revisions: Mapped[int] = mapped_column(BigInteger)
