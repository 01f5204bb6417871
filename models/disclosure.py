"""THE disclosure rule: SPEC's table as one pure function.

Every answer that leaves the system — export, API page, aggregate — is admitted
here or not at all. When in doubt, withhold.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from .vocabulary import Classification, PurposeRelation, RecipientKind


class Withheld(enum.StrEnum):
    """Why a value stays in."""
    WITHDRAWN = "withdrawn"
    NO_SPI_CLEARANCE = "no_spi_clearance"
    NO_SPI_CONSENT = "no_spi_consent"
    OPTED_OUT_THIRD_PARTY = "opted_out_third_party"
    OPTED_OUT_OTHER_PURPOSES = "opted_out_other_purposes"

    @property
    def explanation(self) -> str:
        return EXPLANATIONS[self]


EXPLANATIONS = {
    Withheld.WITHDRAWN: "withheld: the respondent withdrew from the survey",
    Withheld.NO_SPI_CLEARANCE: "withheld: sensitive answers go only to staff with SPI clearance",
    Withheld.NO_SPI_CONSENT: "withheld: the respondent did not consent to disclosure of sensitive answers",
    Withheld.OPTED_OUT_THIRD_PARTY: "withheld: the respondent opted out of third-party disclosure",
    Withheld.OPTED_OUT_OTHER_PURPOSES: "withheld: the respondent opted out of use for other purposes",
}


@dataclass(frozen=True)
class ConsentState:
    opt_out_third_party: bool = False
    opt_out_other_purposes: bool = False
    spi_disclosure: bool = False
    withdrawn: bool = False


@dataclass(frozen=True)
class Audience:
    """Who receives, and for what: the recipient's kind, how the purpose relates to the
    survey's own, and (for internal staff) whether the person asking holds SPI clearance."""
    recipient: RecipientKind
    purpose: PurposeRelation
    spi_clearance: bool = False

    @classmethod
    def of(cls, recipient: RecipientKind, survey_purpose: str, requested_purpose: str,
           spi_clearance: bool = False) -> Audience:
        relation = PurposeRelation.ORIGINAL if requested_purpose == survey_purpose else PurposeRelation.OTHER
        return cls(recipient, relation, spi_clearance and recipient is RecipientKind.INTERNAL)


@dataclass(frozen=True)
class Decision:
    disclose: bool
    reason: Withheld | None = None

    @property
    def explanation(self) -> str:
        return "disclosed" if self.disclose else self.reason.explanation


DISCLOSE = Decision(True)


def decide(classification: Classification, audience: Audience, consent: ConsentState) -> Decision:
    """May this respondent's value of this class go to this audience?

    SPEC's table, with one reading made strict: internal staff see SPI only with
    SPI clearance, for the original purpose and for any other.
    """
    if consent.withdrawn:
        return Decision(False, Withheld.WITHDRAWN)
    if classification is Classification.NON_PII:
        return DISCLOSE
    third_party = audience.recipient is RecipientKind.THIRD_PARTY
    other_purpose = audience.purpose is PurposeRelation.OTHER
    if classification is Classification.SPI:
        if not third_party and not audience.spi_clearance:
            return Decision(False, Withheld.NO_SPI_CLEARANCE)
        if (third_party or other_purpose) and not consent.spi_disclosure:
            return Decision(False, Withheld.NO_SPI_CONSENT)
    if third_party and consent.opt_out_third_party:
        return Decision(False, Withheld.OPTED_OUT_THIRD_PARTY)
    if other_purpose and consent.opt_out_other_purposes:
        return Decision(False, Withheld.OPTED_OUT_OTHER_PURPOSES)
    return DISCLOSE


def decide_classes(audience: Audience, consent: ConsentState) -> dict[Classification, Decision]:
    """The decision for each class at once: what a row-by-row exporter needs."""
    return {cls: decide(cls, audience, consent) for cls in Classification}
