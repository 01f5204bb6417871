"""Results per question for staff: what the rule admits to the person viewing, for the survey's own purpose,
counted and suppressed exactly as an aggregate release is, and recorded in the ledger as one."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from models.aggregates import COUNTED, DATES, MEASURED, Tally, suppress
from models.choices import options
from models.crypto import KeyRing
from models.disclosure import Withheld
from models.distribution import CountedValues, figure, hour_options, number_options, period_options, quantile
from models.recipient import INTERNAL
from models.survey import Field, Survey
from models.vocabulary import FieldType

from . import releases
from .disclosures import prepare
from .errors import InvalidSubmission
from .recipients import find_recipient
from .recording import record_release

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOOLEAN_LABELS = {"yes": "Yes", "no": "No"}


@dataclass(frozen=True)
class Period:
    """Submission dates, both ends included, either open."""
    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """From the start of the first day to the start of the day after the last, in UTC."""
        since = datetime.combine(self.start, time(), timezone.utc) if self.start else None
        until = (datetime.combine(self.end + timedelta(days=1), time(), timezone.utc)
                 if self.end and self.end < date.max else None)
        return since, until


def period(start: str, end: str) -> Period:
    """From the texts of a from and a to date (YYYY-MM-DD, either empty); InvalidSubmission names the bad one."""
    errors: dict[str, list[str]] = {}
    dates: dict[str, date | None] = {}
    for key, text in (("from", start.strip()), ("to", end.strip())):
        dates[key] = None
        if not text:
            continue
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            dates[key] = date.fromisoformat(text)
        except ValueError:
            errors[key] = [f"Enter the {key} date as a date of the calendar, YYYY-MM-DD (e.g. 2024-05-31)."]
    if not errors and dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"] = ["The to date is before the from date."]
    if errors:
        raise InvalidSubmission("The dates could not be used.", errors)
    return Period(dates["from"], dates["to"])


@dataclass
class Cell:
    label: str
    #: None when suppressed.
    count: int | None


@dataclass
class Question:
    name: str
    label: str
    type: str
    classification: str
    #: How its figures are drawn: "bars" (coded answers), "histogram" (numbers), "periods" (dates), "times"
    #: (times of day), "text" (not charted).
    chart: str
    #: The section and the grid it belongs to, by their titles.
    section: str = ""
    grid: str = ""
    #: None: fewer than k answered (or none), so nothing of it is shown.
    answered: int | None = None
    cells: list[Cell] = field(default_factory=list)
    #: (name, value as text): n, mean, standard deviation, quartiles.
    summary: list[tuple[str, str]] = field(default_factory=list)
    #: Why some or all of its answers were withheld from the viewer.
    withheld: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Results:
    survey: Survey
    period: Period
    k: int
    #: None: fewer than k.
    respondents: int | None
    questions: list[Question]


def survey_results(session: Session, sessions: sessionmaker, ring: KeyRing, survey: Survey, actor: str,
                   spi_clearance: bool, k: int, when: Period) -> Results:
    """Each question's figures over the responses submitted in `when`, as the internal recipient may see them for
    the survey's own purpose (SPI only with the viewer's clearance); SurveyInReview for a draft. Counted from kept
    tallies (surveys/tallies.py): histograms, quartiles and periods come from how many of each value there are."""
    d = prepare(survey, find_recipient(session, INTERNAL), survey.purpose, actor, spi_clearance=spi_clearance)
    made = releases.release(sessions, ring, d, *when.bounds())
    released = made.aggregate.result(survey.slug, k)
    layout = survey.layout or {}
    questions = [_question(f, released["fields"][f.name], made.aggregate.tallies[f.name],
                           sorted({Withheld(reason).explanation for reason in made.withheld.get(f.name, ())}), k,
                           layout) for f in survey.stored_fields]
    results = Results(survey, when, k, released["respondents"], questions)
    record_release(sessions, d, "results", made, _payload(results))
    return results


def _question(f: Field, released: dict, tally: Tally, withheld: list[str], k: int, layout: dict) -> Question:
    ftype = FieldType(f.type)
    chart = ("bars" if ftype in COUNTED else "histogram" if ftype in MEASURED else "periods" if ftype in DATES
             else "times" if ftype is FieldType.TIME else "text")
    q = Question(f.name, f.label, ftype.value, str(f.classification), chart, withheld=withheld,
                 section=_title(layout, "sections", f.section, "title"), grid=_title(layout, "matrices", f.matrix))
    if released["suppressed"]:
        return q
    q.answered = released["answered"]
    if ftype in COUNTED:
        labels = _BOOLEAN_LABELS if ftype is FieldType.BOOLEAN else {str(c.value): c.label for c in options(f)}
        q.cells = [Cell(labels.get(cell, cell), n) for cell, n in released["counts"].items()]
        if ftype is FieldType.MULTI_CHOICE:
            q.note = "Each respondent may choose several: the bars count respondents per option."
    elif ftype in MEASURED:
        _numbers(q, released, CountedValues(tally.counts), k)
    elif ftype in DATES:
        q.cells = _finest(period_options(tally.counts), k)  # counted by month: models.aggregates.tally_keys
    elif ftype is FieldType.TIME:
        q.cells = _finest(hour_options(tally.counts), k)
    return q


def _numbers(q: Question, released: dict, values: CountedValues, k: int) -> None:
    """Summary figures and a histogram; the extremes are left out, as each is one respondent's answer."""
    if len(values) < k:
        q.note = f"Fewer than {k} of the answers are numbers: no figures are shown."
        return
    q.summary = [("n", figure(len(values))), ("Mean", figure(released["mean"])),
                 ("Standard deviation", figure(released["sd"])),
                 *((name, figure(quantile(values, p), 4)) for name, p in QUARTILES)]
    q.cells = _finest(number_options(values), k)
    if not q.cells:
        q.note = "The answers span too wide (or too narrow) a range to draw in bins."


QUARTILES = (("Lower quartile", 0.25), ("Median", 0.5), ("Upper quartile", 0.75))
#: A histogram is drawn in the finest bins that leave at least this share of the answers in cells shown.
SHOWN = 0.9


def _finest(options: list[list[tuple[str, int]]], k: int) -> list[Cell]:
    """The finest way to draw (bins, periods) whose cells, once suppressed, still show SHOWN of the answers; where
    none does, the one that shows most."""
    best: tuple[int, list[Cell]] | None = None
    for option in options:
        cells = _suppressed(option, k)
        shown = sum(cell.count or 0 for cell in cells)
        if shown >= SHOWN * sum(n for _, n in option):
            return cells
        if best is None or shown > best[0]:
            best = (shown, cells)
    return best[1] if best else []


def _suppressed(counts: list[tuple[str, int]], k: int) -> list[Cell]:
    """Cells that add up to the published number answered: suppressed as an aggregate's choices are."""
    hidden = suppress({str(index): n for index, (_, n) in enumerate(counts)}, k)
    return [Cell(label, None if str(index) in hidden else n) for index, (label, n) in enumerate(counts)]


def _title(layout: dict, kind: str, name: str | None, key: str = "label") -> str:
    """A section's title or a grid's label; its name where it has none, so its heading is never empty."""
    if not name:
        return ""
    return next((entry.get(key) or name for entry in layout.get(kind) or () if entry.get("name") == name), name)


def _payload(results: Results) -> bytes:
    """What the page shows, as strict JSON: the digest the ledger keeps of this release."""
    when = results.period
    return json.dumps({"survey": results.survey.slug, "purpose": results.survey.purpose, "k": results.k,
                       "from": when.start and when.start.isoformat(), "to": when.end and when.end.isoformat(),
                       "respondents": results.respondents, "questions": [asdict(q) for q in results.questions]},
                      ensure_ascii=False, allow_nan=False).encode()
