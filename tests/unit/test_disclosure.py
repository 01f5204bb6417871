"""SPEC's disclosure table, checked cell by cell and as a property."""
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@given(st.sampled_from(Classification), st.sampled_from(RecipientKind), st.sampled_from(PurposeRelation),
       st.builds(ConsentState, st.booleans(), st.booleans(), st.booleans(), st.booleans()), st.booleans())
def test_no_disclosure_the_table_forbids(classification, recipient, purpose, consent, clearance):
    decision = decide(classification, Audience(recipient, purpose, clearance), consent)
    assert decision.disclose == independent_statement(classification, recipient, purpose, consent, clearance)
