"""SPEC's disclosure table, checked cell by cell and at every point of its input space."""
import itertools

import pytest

from models.disclosure import Audience, ConsentState, Withheld, decide
from models.vocabulary import Classification, PurposeRelation, RecipientKind
from tests.conftest import independent_statement

NON_PII, PII, SPI = Classification
INTERNAL, THIRD = RecipientKind.INTERNAL, RecipientKind.THIRD_PARTY
ORIGINAL, OTHER = PurposeRelation.ORIGINAL, PurposeRelation.OTHER

# Each cell of the table as SPEC words it: a predicate over (consent, clearance).
TABLE = {
    (NON_PII, INTERNAL, ORIGINAL): lambda c, k: True,
    (NON_PII, INTERNAL, OTHER): lambda c, k: True,
    (NON_PII, THIRD, ORIGINAL): lambda c, k: True,
    (NON_PII, THIRD, OTHER): lambda c, k: True,
    (PII, INTERNAL, ORIGINAL): lambda c, k: True,
    (PII, INTERNAL, OTHER): lambda c, k: not c.opt_out_other_purposes,
    (PII, THIRD, ORIGINAL): lambda c, k: not c.opt_out_third_party,
    (PII, THIRD, OTHER): lambda c, k: not (c.opt_out_third_party or c.opt_out_other_purposes),
    (SPI, INTERNAL, ORIGINAL): lambda c, k: k,
    # SPEC: "only with spi_disclosure, and not opt_out_other_purposes"; staff also need clearance
    (SPI, INTERNAL, OTHER): lambda c, k: k and c.spi_disclosure and not c.opt_out_other_purposes,
    (SPI, THIRD, ORIGINAL): lambda c, k: c.spi_disclosure and not c.opt_out_third_party,
    (SPI, THIRD, OTHER): lambda c, k: c.spi_disclosure and not c.opt_out_third_party
    and not c.opt_out_other_purposes,
}

CONSENTS = [ConsentState(*bits) for bits in itertools.product([False, True], repeat=3)]
CASES = [(cell, consent, clearance) for cell in TABLE for consent in CONSENTS for clearance in (False, True)]


@pytest.mark.parametrize("cell, consent, clearance", CASES)
def test_every_cell_of_the_table(cell, consent, clearance):
    classification, recipient, purpose = cell
    decision = decide(classification, Audience(recipient, purpose, clearance), consent)
    assert decision.disclose is TABLE[cell](consent, clearance)
    assert (decision.reason is None) is decision.disclose


@pytest.mark.parametrize("cell", TABLE)
def test_a_withdrawn_respondent_appears_in_nothing(cell):
    classification, recipient, purpose = cell
    everything = ConsentState(spi_disclosure=True, withdrawn=True)
    decision = decide(classification, Audience(recipient, purpose, True), everything)
    assert not decision.disclose and decision.reason is Withheld.WITHDRAWN


@pytest.mark.parametrize("classification, audience, consent, reason", [
    (PII, Audience(THIRD, ORIGINAL), ConsentState(opt_out_third_party=True), Withheld.OPTED_OUT_THIRD_PARTY),
    (PII, Audience(INTERNAL, OTHER), ConsentState(opt_out_other_purposes=True), Withheld.OPTED_OUT_OTHER_PURPOSES),
    (SPI, Audience(THIRD, ORIGINAL), ConsentState(), Withheld.NO_SPI_CONSENT),
    (SPI, Audience(INTERNAL, ORIGINAL, False), ConsentState(spi_disclosure=True), Withheld.NO_SPI_CLEARANCE),
])
def test_a_withheld_value_says_why(classification, audience, consent, reason):
    decision = decide(classification, audience, consent)
    assert decision.reason is reason
    assert decision.explanation.startswith("withheld: ")


def test_the_purpose_relation_is_decided_against_the_survey_purpose():
    assert Audience.of(THIRD, "care-quality", "care-quality").purpose is ORIGINAL
    assert Audience.of(THIRD, "care-quality", "marketing").purpose is OTHER
    assert Audience.of(THIRD, "care-quality", "care-quality", spi_clearance=True).spi_clearance is False


# Every input the rule takes: 3 classes x 2 recipient kinds x 2 purpose relations x clearance or not
# x the 16 consent states (three choices, and withdrawn or not).
EVERY_CONSENT = [ConsentState(*bits) for bits in itertools.product([False, True], repeat=4)]
EVERY_INPUT = list(itertools.product(Classification, RecipientKind, PurposeRelation, (False, True), EVERY_CONSENT))


def spec_table(classification, recipient, purpose, consent, clearance) -> bool:
    """SPEC's table cell as worded, after its sentence "A withdrawn respondent appears in nothing"."""
    return not consent.withdrawn and TABLE[classification, recipient, purpose](consent, clearance)


def reasons_that_hold(classification, recipient, purpose, consent, clearance) -> set[Withheld]:
    """Each reason to withhold that is true of this input; withdrawal outranks the rest."""
    if consent.withdrawn:
        return {Withheld.WITHDRAWN}
    if classification is NON_PII:
        return set()
    third, other = recipient is THIRD, purpose is OTHER
    held = {Withheld.OPTED_OUT_THIRD_PARTY: third and consent.opt_out_third_party,
            Withheld.OPTED_OUT_OTHER_PURPOSES: other and consent.opt_out_other_purposes,
            Withheld.NO_SPI_CLEARANCE: classification is SPI and not third and not clearance,
            Withheld.NO_SPI_CONSENT: classification is SPI and (third or other) and not consent.spi_disclosure}
    return {reason for reason, holds in held.items() if holds}


def test_the_input_space_is_every_cell_of_the_table_under_every_consent_and_clearance():
    assert set(TABLE) == set(itertools.product(Classification, RecipientKind, PurposeRelation))
    assert len(set(EVERY_INPUT)) == 3 * 2 * 2 * 2 * 16 == 384


def test_at_every_point_of_the_input_space_the_rule_is_the_table():
    wrong = []
    for classification, recipient, purpose, clearance, consent in EVERY_INPUT:
        point = (classification, recipient, purpose, consent, clearance)
        reasons = reasons_that_hold(*point)
        statements = {"SPEC's table": spec_table(*point), "the column conditions": independent_statement(*point),
                      "no reason to withhold": not reasons}
        assert len(set(statements.values())) == 1, (point, statements)  # three wordings, one table
        decision = decide(classification, Audience(recipient, purpose, clearance), consent)
        # Disclosed as the table says; withheld with a reason that is true of the input, or with none.
        if decision.disclose is not spec_table(*point) or decision.reason not in (reasons or {None}):
            wrong.append((point, decision))
    assert not wrong, "\n".join(map(str, wrong))
