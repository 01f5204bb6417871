"""Aggregate releases: counts of a survey's responses admitted by the rule, consent state by consent state, and the
cohort a release records instead of a line per respondent.

The rule is applied exactly as disclosed_rows applies it, from the same plans: each consent state's plan says
which fields its respondents contribute and which sealed columns would be opened for them."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from models.aggregates import Aggregate
from models.crypto import KeyRing
from models.disclosure import Withheld
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, Classification, SurveyStatus

from .counts import Counts, State
from .disclosures import Disclosure, _decisions, _plan
from .tallies import counted, warm


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
        """The ledger's record of who was counted: how many, the time bound as applied, the moment of release;
        each consent state counted (keyed by its choices in `consent` order, 1 for true), with how many responses
        and for which classes; and which fields of each class went into the figures. The classes and the fields
        are apart from the counts so that a respondent's record can read them without the rest (releases of one
        audience share them: surveys/respondent_releases.py)."""
        sent = set(self.sent())
        return {"count": self.count, "since": self.since and iso_utc_micro(self.since),
                "until": self.until and iso_utc_micro(self.until), "at": iso_utc_micro(self.at),
                "consent": list(CONSENT_CHOICES),
                "rows": {state_key(state): rows for state, rows, _ in self.states},
                "admitted": {state_key(state): [c.value for c in classes] for state, _, classes in self.states},
                "fields": {c.value: [f.name for f in self.aggregate.fields if f.classification == c and f.name in sent]
                           for c in Classification}}


def state_key(state: State) -> str:
    return "".join("1" if flag else "0" for flag in state)


def iso_utc_micro(value: datetime) -> str:
    """A moment to the microsecond (a release and a submission in the same second are told apart), always as
    wide, so that moments compare as text: a respondent's record compares them in the database."""
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


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


def keep_warm(sessions: sessionmaker, ring: KeyRing) -> int:
    """Count and keep every survey's stale tallies now, so that the next aggregate finds them: the job runner does
    this every few minutes. Without it, the first aggregate after a bulk load, or after a version that adds or
    retypes a field, counts every response itself. Done on a schedule, never on a submission: what a reader of the
    database sees is that a block was counted again, which its rows already show. Returns how many responses were
    counted afresh."""
    with sessions() as session:
        surveys = [survey for survey in session.scalars(select(Survey)) if survey.status != SurveyStatus.DRAFT]
        return sum(warm(sessions, ring, survey) for survey in surveys)
