"""The aggregate releases a respondent's record lists: those of their survey made after they answered, within
their time bound, that counted the consent state the respondent held at that moment (from their consent events).

One indexed query, (survey, action, at), and from each entry's cohort only the small parts it needs, read by the
database: a release's moment and bound, and two parts shared by every release to one audience (which classes
were counted for each consent state, and which fields of each class), each decoded once. A record with ten
thousand releases after it reads ten thousand short rows, not ten thousand cohorts."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text, column, func, or_, select, true
from sqlalchemy.orm import Session

from models.ledger import LedgerEntry
from models.response import Response
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES

from .counts import state_of
from .releases import iso_utc_micro, state_key

_PARTS = ("at", "since", "until", "admitted", "fields")


def aggregate_releases_for(session: Session, response: Response) -> list[dict[str, Any]]:
    """Each as {"at", "recipient", "purpose", "action", "kind", "fields"}; the fields are those of the classes
    counted for the respondent's consent state (the caller keeps those the respondent answered)."""
    slug = session.scalar(select(Survey.slug).where(Survey.id == response.survey_id))
    submitted = iso_utc_micro(response.submitted_at)
    cohort = LedgerEntry.cohort
    query = select(LedgerEntry.at, LedgerEntry.recipient, LedgerEntry.purpose)
    if session.get_bind().dialect.name == "sqlite":
        moment, since, until, admitted, fields = (func.json_extract(cohort, f"$.{part}") for part in _PARTS)
    else:  # the cohort read once per entry (->> would read it once per part); moments compared byte by byte
        parts = func.json_to_record(cohort).table_valued(*(column(part, Text) for part in _PARTS)).render_derived(
            with_types=True)
        query = query.select_from(LedgerEntry).join(parts, true())
        moment, since, until, admitted, fields = (parts.c[part].collate("C") for part in _PARTS)
    # In the index's order: releases in the same second are listed in the order the index gives them.
    rows = session.execute(
        query.add_columns(moment, admitted, fields)
        .where(LedgerEntry.survey == slug, LedgerEntry.action == "aggregate",
               LedgerEntry.at >= response.submitted_at.replace(microsecond=0),
               moment >= submitted, or_(since.is_(None), since <= submitted), or_(until.is_(None), until > submitted))
        .order_by(LedgerEntry.at))
    history = _consent_history(response)
    decoded: dict[tuple[str, str, str], list[str] | None] = {}
    found = []
    held = history[0][1] if len(history) == 1 else None  # most never change their choices
    for at, recipient, purpose, released_at, counted, by_class in rows:
        key = (counted, by_class, held or _state_at(history, released_at))
        names = decoded.get(key, False)
        if names is False:
            classes, field_lists = json.loads(counted).get(key[2]), json.loads(by_class)
            names = decoded[key] = None if classes is None else [
                name for cls in classes for name in field_lists.get(cls, ())]
        if names is not None:
            found.append({"at": at, "recipient": recipient, "purpose": purpose, "action": "aggregate",
                          "kind": "aggregate", "fields": names})
    return found


def _consent_history(response: Response) -> list[tuple[str, str]]:
    """(from when, the consent state's key from then on), oldest first: each event sets the choices it names."""
    choices = dict(CONSENT_CHOICES)
    history = []
    for event in response.events:
        choices = {**choices, **{key: bool(value) for key, value in event.changes.items() if key in choices}}
        history.append((iso_utc_micro(event.at), state_key(state_of(choices))))
    return history or [(iso_utc_micro(response.submitted_at), state_key(state_of(response.consent)))]


def _state_at(history: list[tuple[str, str]], moment: str) -> str:
    held = history[0][1]
    for since, key in history:
        if since > moment:
            break
        held = key
    return held
