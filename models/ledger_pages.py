"""The ledger read a page at a time, newest first, narrowed by survey, recipient, purpose, action and days.

The ledger grows by an entry per export, API page and event, and its columns have no index but `seq`'s (one per
filter would slow every append for the sake of a page admins rarely open). So the work of a page is bounded
instead: it looks at no more than WINDOW entries below its cursor, along the `seq` index, and says how far it
looked; "older entries" goes on from there. Days become a range of `seq` first: entries are appended in time
order, under the ledger's lock, so a binary search over `seq` finds where a day starts in a few index lookups.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .ledger import LedgerEntry

#: The most entries one filtered page looks at.
WINDOW = 20_000


@dataclass(frozen=True)
class Filters:
    """Empty text (or None) means any. Days are UTC days, both ends included."""
    survey: str = ""
    recipient: str = ""
    purpose: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def columns(self) -> dict[str, str]:
        """The filters on a column's exact value, by column name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("since", "until") and getattr(self, f.name)}


@dataclass(frozen=True)
class LedgerPage:
    entries: list[LedgerEntry]
    #: The `before` of the next, older page; None when nothing older can match.
    older: int | None
    #: The entries looked at, from `top` down to `bottom` (by seq); nothing when top < bottom.
    top: int
    bottom: int
    #: Fewer entries than asked, because the page stopped looking at WINDOW entries, not because none are left.
    partial: bool = False


def page(session: Session, filters: Filters, before: int | None = None, limit: int = 100) -> LedgerPage:
    """The newest entries below `before` that match every filter, at most `limit`."""
    top = min(before - 1, _head(session)) if before else _head(session)
    floor = _first_seq_from(session, _midnight(filters.since)) if filters.since else 1
    end = _midnight(filters.until + timedelta(days=1)) if filters.until and filters.until < date.max else None
    if end:
        top = min(top, _first_seq_from(session, end) - 1)
    conditions = [getattr(LedgerEntry, name) == value for name, value in filters.columns().items()]
    bottom = max(floor, top - WINDOW + 1) if conditions else floor
    if top < bottom:
        return LedgerPage([], None, top, bottom)
    # The days again, exactly: two servers' clocks may differ by a little at a boundary.
    if filters.since:
        conditions.append(LedgerEntry.at >= _midnight(filters.since))
    if end:
        conditions.append(LedgerEntry.at < end)
    entries = list(session.scalars(select(LedgerEntry).where(LedgerEntry.seq.between(bottom, top), *conditions)
                                   .order_by(LedgerEntry.seq.desc()).limit(limit)))
    if len(entries) == limit:
        return LedgerPage(entries, entries[-1].seq if entries[-1].seq > floor else None, top, bottom)
    return LedgerPage(entries, bottom if bottom > floor else None, top, bottom, partial=bottom > floor)


def _head(session: Session) -> int:
    return session.scalar(select(func.max(LedgerEntry.seq))) or 0


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def _first_seq_from(session: Session, moment: datetime) -> int:
    """The seq of the first entry at or after the moment (the head's plus one if there is none): about twenty
    lookups of the seq index for a million entries."""
    low, high = 1, _head(session) + 1
    while low < high:
        middle = (low + high) // 2
        at = session.scalar(select(LedgerEntry.at).where(LedgerEntry.seq >= middle)
                            .order_by(LedgerEntry.seq).limit(1))
        if at is not None and at < moment:
            low = middle + 1
        else:
            high = middle
    return low
