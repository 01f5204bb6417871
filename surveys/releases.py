"""Aggregate releases: counts of a survey's responses admitted by the rule, consent state by consent state, the
cohort a release records instead of a line per respondent, and the releases a respondent's record lists.

The rule is applied exactly as disclosed_rows applies it, from the same plans: each consent state's plan says
which fields its respondents contribute and which sealed columns would be opened for them."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.aggregates import Aggregate
from models.crypto import KeyRing
from models.disclosure import Withheld
from models.ledger import LedgerEntry
from models.response import Response
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, Classification

from .counts import Counts, State, state_of
from .disclosures import Disclosure, _decisions, _plan
from .tallies import counted


@dataclass
class Release:
    """What the rule admits of a survey's counts to one audience, and who was counted."""
    aggregate: Aggregate
    #: When the counts were read, and the time bound applied.
    at: datetime
    since: datetime | None
    until: datetime | None
    #: (consent state, responses in it, classes counted for them), in a stable order.
    states: list[tuple[State, int, list[Classification]]] = field(default_factory=list)
    #: {field: {reason: responses}}: what the rule kept out, as an export's entry says it.
    withheld: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def count(self) -> int:
        return self.aggregate.respondents

    def sent(self) -> list[str]:
        """The fields at least one counted answer went into."""
        return [f.name for f in self.aggregate.fields if self.aggregate.tallies[f.name].answered]

    def cohort(self) -> dict[str, Any]:
        """The ledger's record of who was counted: how many, the time bound as applied, the moment of release,
        and each consent state counted, for which classes, with how many responses; and which fields of each
        class went into the figures (what a respondent's record lists as theirs)."""
        sent = set(self.sent())
        return {"count": self.count, "since": self.since and iso_utc_micro(self.since),
                "until": self.until and iso_utc_micro(self.until), "at": iso_utc_micro(self.at),
                "states": [{"consent": dict(zip(CONSENT_CHOICES, state)), "rows": rows,
                            "classes": [c.value for c in classes]} for state, rows, classes in self.states],
                "fields": {c.value: [f.name for f in self.aggregate.fields if f.classification == c and f.name in sent]
                           for c in Classification}}


def iso_utc_micro(value: datetime) -> str:
    """A moment to the microsecond: a release and a submission in the same second are told apart."""
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def release(sessions: sessionmaker, ring: KeyRing, d: Disclosure, since: datetime | None = None,
            until: datetime | None = None) -> Release:
    """The survey's counts over responses submitted in [since, until), as the rule admits them to `d`."""
    counts, at = counted(sessions, ring, d.survey, since, until)
    return admitted(counts, d, at, since, until)


def admitted(counts: Counts, d: Disclosure, at: datetime, since: datetime | None = None,
             until: datetime | None = None) -> Release:
    """Apply each consent state's plan to its counts."""
    fields = tuple((f.name, f.classification) for f in d.survey.stored_fields)
    made = Release(Aggregate(d.survey.stored_fields), at, since, until)
    for state in sorted(counts.states):
        found = counts.states[state]
        if not found.rows:
            continue
        decisions = _decisions(d.audience, state)
        plan = _plan(fields, decisions)
        opened = {"non_pii": True, "pii": plan.open_pii, "spi": plan.open_spi}
        disclosed = set(plan.disclosed)
        made.aggregate.respondents += found.rows
        for (column, name), tally in found.fields.items():
            if name in disclosed and opened[column]:
                made.aggregate.merge(name, tally.answered, tally.counts)
        for name, reason in plan.withheld.items():
            made.withheld[name][reason] += found.rows
        made.states.append((state, found.rows, [c for c in Classification if decisions[c].disclose]))
    return made


def withheld_by_field(made: Release, order: list[str]) -> dict[str, dict[str, int]]:
    return {name: {Withheld(reason).value: n for reason, n in made.withheld[name].items()}
            for name in order if name in made.withheld}


# -- a respondent's record ---------------------------------------------------------------------------------------

def aggregate_releases_for(session: Session, response: Response) -> list[dict[str, Any]]:
    """The aggregate releases of the response's survey made after it was submitted, within each one's time
    bound, that counted the consent state the respondent held at that moment (from their consent events): each
    as {"at", "recipient", "purpose", "action", "kind", "fields"}, where fields are those of the classes counted
    for them (the caller keeps those the respondent answered). One indexed query: (survey, action, at)."""
    survey = session.get(Survey, response.survey_id)
    submitted = response.submitted_at
    rows = session.execute(
        select(LedgerEntry.at, LedgerEntry.recipient, LedgerEntry.purpose, LedgerEntry.cohort)
        .where(LedgerEntry.survey == survey.slug, LedgerEntry.action == "aggregate",
               LedgerEntry.at >= submitted.replace(microsecond=0))
        .order_by(LedgerEntry.at, LedgerEntry.seq))
    history = _consent_history(response)
    found = []
    for at, recipient, purpose, cohort in rows:
        if not cohort:
            continue  # written with a line per respondent: ledger.disclosures_of lists it
        moment = _moment(cohort["at"])
        if moment < submitted or not _inside(submitted, cohort.get("since"), cohort.get("until")):
            continue
        state = _state_at(history, moment)
        counted_for = next((entry["classes"] for entry in cohort["states"]
                            if state_of(entry["consent"]) == state), None)
        if counted_for is None:
            continue
        fields = [name for cls in counted_for for name in cohort["fields"].get(cls, [])]
        found.append({"at": at, "recipient": recipient, "purpose": purpose, "action": "aggregate",
                      "kind": "aggregate", "fields": fields})
    return found


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _inside(submitted: datetime, since: str | None, until: str | None) -> bool:
    return (since is None or _moment(since) <= submitted) and (until is None or submitted < _moment(until))


def _consent_history(response: Response) -> list[tuple[datetime, dict[str, bool]]]:
    """(when, the choices from then on), oldest first: each event sets the choices it names."""
    choices = dict(CONSENT_CHOICES)
    history = []
    for event in response.events:
        choices = {**choices, **{key: bool(value) for key, value in event.changes.items() if key in choices}}
        history.append((event.at, choices))
    return history or [(response.submitted_at, response.consent)]


def _state_at(history: list[tuple[datetime, dict[str, bool]]], moment: datetime) -> State:
    held = history[0][1]
    for at, choices in history:
        if at > moment:
            break
        held = choices
    return state_of(held)
