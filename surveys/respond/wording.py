"""How a respondent's own record reads: their answers, their choices about sharing and the disclosures that
included them, in their words and language rather than the service's names for things."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext

from models.choices import label_of

from . import bp


@bp.app_template_filter("answer_text")
def answer_text(value, field) -> str:
    """An answer as the respondent gave it: labels for coded choices, yes or no."""
    if value is True or value is False:
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(label_of(field, item) for item in value)
    return label_of(field, value) if field.choices else str(value)


@bp.app_template_filter("event_source")
def event_source(source: str) -> str:
    """How a consent event came, in the reader's words: the words stored are the service's own."""
    return {"form": gettext("on this website"), "api": gettext("through the API")}.get(source, source)


@bp.app_template_filter("choice_name")
def choice_name(key: str) -> str:
    """A choice about sharing as a statement that its yes or no answers. Each keeps the direction of the choice as
    stored (an opt-out is yes when set), so the record and the form above it never seem to say opposite things."""
    names = {"opt_out_third_party": gettext("Personal information kept from third parties"),
             "opt_out_other_purposes": gettext("Personal information used only for this survey"),
             "spi_disclosure": gettext("Sensitive answers may be shared")}
    return names.get(key, key.replace("_", " "))


@bp.app_template_filter("stored_note")
def stored_note(note: str) -> str:
    """A note stored with a consent event, in the reader's language when the catalogues know it (the notes are
    marked where they are written); otherwise as stored."""
    return gettext(note) if note else note


@bp.app_template_filter("disclosure_action")
def disclosure_action(action: str) -> str:
    """How a disclosure went out, as the ledger names it (export, api_page, aggregate), in the reader's words."""
    return {"export": gettext("in a data export"), "api_page": gettext("through their access to our API"),
            "aggregate": gettext("counted in summary figures")}.get(action, action)


@dataclass(frozen=True)
class Sent:
    """What went out the same way (an export, API pages, summary figures) with the same answers, and each time
    it did."""
    action: str
    #: The questions that went out, by their labels in the reader's language, in the survey's order.
    labels: tuple[str, ...]
    dates: tuple[datetime, ...]


@dataclass(frozen=True)
class DisclosureGroup:
    #: As the ledger names it: "internal" (the survey's own staff) or a third party's registered name.
    recipient: str
    purpose: str
    #: The purpose is the survey's own, the one the answers were collected for.
    original: bool
    sent: tuple[Sent, ...]


def disclosure_groups(disclosures: list[dict[str, Any]], texts: Any) -> list[DisclosureGroup]:
    """The disclosures that included a respondent, one group per recipient and purpose, and in each the answers
    that went out with every date they did (a recipient reading the API daily is one entry, not hundreds), all in
    the order they were first made. `texts`: the survey in the reader's language (SurveySnapshot.localized), whose
    labels name the questions; a field the survey no longer has keeps the name the ledger has for it."""
    order = {field.name: position for position, field in enumerate(texts.fields)}
    labels = {field.name: field.label or field.name for field in texts.fields}
    groups: dict[tuple[str, str], dict[tuple[str, tuple[str, ...]], list[datetime]]] = {}
    for disclosure in disclosures:
        names = sorted(disclosure["fields"], key=lambda name: order.get(name, len(order)))
        what = (disclosure["action"], tuple(labels.get(name, name) for name in names))
        groups.setdefault((disclosure["recipient"], disclosure["purpose"]), {}).setdefault(what, []).append(
            disclosure["at"])
    return [DisclosureGroup(recipient, purpose, purpose == texts.purpose,
                            tuple(Sent(action, shown, tuple(dates)) for (action, shown), dates in sent.items()))
            for (recipient, purpose), sent in groups.items()]
