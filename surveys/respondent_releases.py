"""The aggregate releases a respondent's record lists: those of their survey made after they answered, within
their time bound, that counted the consent state the respondent held at that moment (from their consent events).

One indexed query, (survey, action, at), and from each entry's cohort only the small parts it needs, read by the
database: a release's moment and bound, and two parts shared by every release to one audience (which classes
were counted for each consent state, and which fields of each class), each decoded once. A record with ten
thousand releases after it reads ten thousand short rows, not ten thousand cohorts."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.ledger import LedgerEntry
from models.response import Response
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES

from .counts import state_of
from .releases import state_key

_PARTS = ("at", "since", "until", "admitted", "fields")


def aggregate_releases_for(session: Session, response: Response) -> list[dict[str, Any]]:
    """Each as {"at", "recipient", "purpose", "action", "kind", "fields"}; the fields are those of the classes
    counted for the respondent's consent state (the caller keeps those the respondent answered)."""
    slug = session.scalar(select(Survey.slug).where(Survey.id == response.survey_id))
    submitted = response.submitted_at
    cohort = LedgerEntry.cohort
    if session.get_bind().dialect.name == "sqlite":
        parts = [func.json_extract(cohort, f"$.{part}") for part in _PARTS]
    else:
        parts = [cohort.op("->>")(part) for part in _PARTS]
    rows = session.execute(
        select(LedgerEntry.at, LedgerEntry.recipient, LedgerEntry.purpose, *parts)
        .where(LedgerEntry.survey == slug, LedgerEntry.action == "aggregate",
               LedgerEntry.at >= submitted.replace(microsecond=0))
        .order_by(LedgerEntry.at, LedgerEntry.id))
    history = _consent_history(response)
    decoded: dict[tuple[str, str, str], list[str] | None] = {}
    found = []
    for at, recipient, purpose, moment, since, until, admitted, fields in rows:
        if moment is None:
            continue  # written with a line per respondent: ledger.disclosures_of lists it
        moment = _moment(moment)
        if moment < submitted or not (since is None or _moment(since) <= submitted) \
                or not (until is None or submitted < _moment(until)):
            continue
        key = (admitted, fields, state_key(_state_at(history, moment)))
        if key not in decoded:
            classes, by_class = json.loads(admitted).get(key[2]), json.loads(fields)
            decoded[key] = None if classes is None else [name for cls in classes for name in by_class.get(cls, ())]
        if decoded[key] is not None:
            found.append({"at": at, "recipient": recipient, "purpose": purpose, "action": "aggregate",
                          "kind": "aggregate", "fields": decoded[key]})
    return found


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _consent_history(response: Response) -> list[tuple[datetime, dict[str, bool]]]:
    """(when, the choices from then on), oldest first: each event sets the choices it names."""
    choices = dict(CONSENT_CHOICES)
    history = []
    for event in response.events:
        choices = {**choices, **{key: bool(value) for key, value in event.changes.items() if key in choices}}
        history.append((event.at, choices))
    return history or [(response.submitted_at, response.consent)]


def _state_at(history: list[tuple[datetime, dict[str, bool]]], moment: datetime):
    held = history[0][1]
    for at, choices in history:
        if at > moment:
            break
        held = choices
    return state_of(held)
