"""Kept tallies: the counts of a block of responses, sealed like answers, and the stamp that says which rows
they were counted from. What they hold and why they are safe to keep is in surveys/tallies.py."""
from __future__ import annotations

import json

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, intpk
from .crypto import KeyRing, new_data_key, open_sealed, seal

#: Smallest sealed size: every tally is padded to a power of two from here, so its length tells a reader of
#: the database next to nothing about what one more row added to it.
_PADDED_FROM = 4096


class KeptTally(Base):
    """The counts of one survey's responses in one range of ids: a block of 1,024 ids (level 0) or a group of
    64 blocks (level 1)."""
    __tablename__ = "kept_tallies"
    __table_args__ = (UniqueConstraint("survey_id", "level", "number"),)

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    #: The range's number: the ids it covers shifted right by its level's bits.
    number: Mapped[int] = mapped_column(Integer)
    #: A digest of the rows counted (how many, the sum of their revisions) and of the fields' names and types:
    #: the tally stands for the rows only while the database gives the same stamp.
    stamp: Mapped[str] = mapped_column(String(64))
    #: A data key of its own, wrapped by the key ring, and the counts as JSON sealed under it.
    data_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


def _key_aad(survey_id: int, level: int, number: int) -> bytes:
    return f"surveys/v1|tally-key|{survey_id}|{level}|{number}".encode()


def _aad(survey_id: int, level: int, number: int, stamp: str) -> bytes:
    # The stamp is bound in: a tally moved to another range, or given another range's stamp, does not open.
    return f"surveys/v1|tally|{survey_id}|{level}|{number}|{stamp}".encode()


def seal_tally(ring: KeyRing, survey_id: int, level: int, number: int, stamp: str, content: object) -> dict:
    """The columns of a kept tally holding `content` (plain JSON data)."""
    text = json.dumps(content, separators=(",", ":"), allow_nan=False).encode()
    size = _PADDED_FROM
    while size < len(text):
        size *= 2
    key = new_data_key()
    return {"survey_id": survey_id, "level": level, "number": number, "stamp": stamp,
            "data_key": ring.wrap(key, _key_aad(survey_id, level, number)),
            "sealed": seal(key, text.ljust(size), _aad(survey_id, level, number, stamp))}


def open_tally(ring: KeyRing, survey_id: int, level: int, number: int, stamp: str, data_key: bytes,
               sealed: bytes) -> object:
    """The content; CryptoError when it does not open (another range's, or its key is gone from the ring)."""
    key = ring.unwrap(data_key, _key_aad(survey_id, level, number))
    return json.loads(open_sealed(key, sealed, _aad(survey_id, level, number, stamp)))


def rewrap_tally_key(ring: KeyRing, survey_id: int, level: int, number: int, data_key: bytes) -> bytes:
    """A kept tally's data key under the ring's current key, as a rotation does for every other key."""
    return ring.rewrap(data_key, _key_aad(survey_id, level, number))
