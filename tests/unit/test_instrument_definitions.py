"""The instrument parts of the definition format (sections, grids, coded choices, conditions, scores), their
located problems, what would strand stored answers, and the rules of answering they drive."""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.answering import COMPUTED, NOT_ASKED, settle
from models.choices import Choice
from models.definition import DefinitionError, parse_definition, stranding_changes
from models.instrument import Instrument
from models.vocabulary import Appearance, Classification, FieldType

TODAY = date(2026, 11, 23)

SPEC_EXAMPLE = """
slug: habits
title: Habits
purpose: care-quality
sections:
  - name: about
    title: About you
    fields:
      - {name: age, type: integer, classification: non_pii}
  - name: habits
    title: Your habits
    description: Optional text at the top of the page.
    show_if: "age >= 18"
    fields:
      - name: smoker
        type: boolean
        classification: spi
      - name: cigarettes
        type: integer
        classification: spi
        show_if: "smoker == true"
      - name: intro_phq
        type: note
        label: The next questions are about the last two weeks.
      - matrix: phq
        label: How often have you been bothered by…
        classification: spi
        required: true
        choices:
          - {value: 0, label: Not at all}
          - {value: 1, label: Several days}
          - {value: 2, label: More than half the days}
          - {value: 3, label: Nearly every day}
        rows:
          - {name: phq1, label: Little interest or pleasure in doing things}
          - {name: phq2, label: "Feeling down, depressed, or hopeless"}
      - name: phq_total
        type: calculated
        formula: "sum(phq1, phq2)"
        classification: spi
      - name: postcode
        type: text
        classification: pii
        pattern: "^[0-9]{5}$"
      - name: clinic
        type: choice
        classification: non_pii
        appearance: dropdown
        choices: [north, south]
      - {name: bedtime, type: time, classification: non_pii, min: "20:00"}
      - {name: seen_at, type: datetime, classification: non_pii, max: "2030-01-01T00:00:00+02:00"}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    return [str(problem) for problem in caught.value.problems]


def test_the_spec_example_parses_into_pages_grids_and_typed_codes():
    spec = parse_definition(SPEC_EXAMPLE)
    assert [s.name for s in spec.sections] == ["about", "habits"]
    assert spec.sections[1].show_if == "age >= 18"
    assert [m.name for m in spec.matrices] == ["phq"]
    by_name = {f.name: f for f in spec.fields}
    assert by_name["phq1"].type is FieldType.CHOICE and by_name["phq1"].matrix == "phq"
    assert by_name["phq1"].required and by_name["phq1"].classification is Classification.SPI
    assert by_name["phq1"].choices[0] == Choice(0, "Not at all") and isinstance(by_name["phq1"].choices[0].value, int)
    assert by_name["clinic"].choices == (Choice("north", "north"), Choice("south", "south"))
    assert by_name["clinic"].appearance is Appearance.DROPDOWN
    assert by_name["phq_total"].formula == "sum(phq1, phq2)"
    assert by_name["intro_phq"].type is FieldType.NOTE
    assert by_name["bedtime"].min == "20:00"
    assert by_name["seen_at"].max == "2029-12-31T22:00:00Z"  # bounds of instants are kept in UTC
    assert {f.section for f in spec.fields} == {"about", "habits"}


def body(fields: str, sections: bool = False) -> str:
    head = "slug: s\ntitle: T\npurpose: p\n"
    return head + ("sections:\n" + fields if sections else "fields:\n" + fields)


@pytest.mark.parametrize("fields, expected", [
    ("  - {name: a, type: integer, classification: non_pii, show_if: 'b > 1'}\n"
     "  - {name: b, type: integer, classification: non_pii}\n",
     "fields[0] (a).show_if (line 5): reads 'b', which comes after it"),
    ("  - {name: a, type: integer, classification: non_pii, show_if: 'a > 1'}\n",
     "fields[0] (a).show_if (line 5): reads its own answer"),
    ("  - {name: a, type: integer, classification: non_pii, show_if: 'smokr == true'}\n",
     "fields[0] (a).show_if (line 5): reads 'smokr', which is not a field of this survey"),
    ("  - {name: a, type: integer, classification: non_pii, show_if: 'a >'}\n",
     "fields[0] (a).show_if (line 5): 'a >':"),
    ("  - {name: x, type: calculated, classification: non_pii, formula: 'y + 1'}\n"
     "  - {name: y, type: calculated, classification: non_pii, formula: 'x + 1'}\n",
     "fields[0] (x).formula (line 5): reads itself through x → y → x"),
    ("  - {name: s, type: integer, classification: spi}\n"
     "  - {name: t, type: calculated, classification: pii, formula: 's * 2'}\n",
     "fields[1] (t).classification (line 6): is pii, but it is computed from spi answers, so it is spi"),
    ("  - {name: t, type: calculated, classification: pii}\n",
     "fields[0] (t).formula (line 5): is missing"),
    ("  - {name: t, type: integer, classification: pii, formula: '1'}\n",
     "fields[0] (t).formula (line 5): applies only to calculated fields, not integer"),
    ("  - {name: t, type: text, classification: pii, pattern: '(?=a)'}\n",
     "fields[0] (t).pattern (line 5): is not a regular expression this service can run"),
    ("  - {name: t, type: integer, classification: pii, appearance: dropdown}\n",
     "fields[0] (t).appearance (line 5): applies only to choice fields, not integer"),
    ("  - {name: t, type: choice, classification: pii, appearance: slider, choices: [a]}\n",
     "fields[0] (t).appearance (line 5): 'slider' is not one of: dropdown"),
    ("  - {name: t, type: choice, classification: pii, choices: [1, '1']}\n",
     "fields[0] (t).choices[1] (line 5): '1' is listed twice"),
    ("  - {name: t, type: choice, classification: pii, choices: [{value: 1, label: A}, {value: 2, label: A}]}\n",
     "fields[0] (t).choices[1] (line 5): the label 'A' is used twice"),
    ("  - {name: t, type: choice, classification: pii, choices: [2.5]}\n",
     "fields[0] (t).choices[0] (line 5): must be text (at most 200 characters) or a whole number"),
    ("  - {name: t, type: choice, classification: pii, choices: [{value: true, label: Yes}]}\n",
     "fields[0] (t).choices[0].value (line 5): must be text"),
    ("  - {name: t, type: choice, classification: pii, choices: [{label: Yes, colour: red}]}\n",
     "fields[0] (t).choices[0].colour (line 5): is not a known key"),
    ("  - {name: n, type: note}\n", "fields[0] (n).label (line 5): is missing: a note is the text it shows"),
    ("  - {name: n, type: note, label: Hi, required: true}\n",
     "fields[0] (n).required (line 5): applies only to questions the respondent answers"),
    ("  - {name: n, type: note, label: Hi}\n  - {name: a, type: integer, classification: pii, show_if: 'n > 1'}\n",
     "fields[1] (a).show_if (line 6): reads 'n', which is a note and holds no answer"),
    ("  - {name: a, type: integer, classification: pii, show_if: 'a + 1'}\n",
     "fields[0] (a).show_if (line 5): must be a condition (true or false)"),
    ("  - {name: c, type: choice, classification: pii, choices: [north]}\n"
     "  - {name: a, type: integer, classification: pii, show_if: \"c == 'east'\"}\n",
     "fields[1] (a).show_if (line 6): 'east' is not one of c's choices"),
    ("  - {name: t, type: time, classification: pii, min: '25:00'}\n",
     "fields[0] (t).min (line 5): must be a time as HH:MM"),
    ("  - {name: t, type: datetime, classification: pii, min: '2026-01-01T00:00'}\n",
     "fields[0] (t).min (line 5): must be a date and time with its time zone"),
    ("  - matrix: m\n    label: L\n    classification: spi\n    choices: [a, b]\n    rows: []\n",
     "fields[0] (m).rows (line 9): must be a non-empty list of rows"),
    ("  - matrix: m\n    classification: spi\n    choices: [a]\n    rows: [{name: r1, label: R}]\n",
     "fields[0] (m).label"),
    ("  - matrix: m\n    label: L\n    classification: spi\n    choices: [a]\n    rows: [{name: m, label: R}]\n",
     "duplicates the name of"),
])
def test_each_instrument_problem_is_named_and_located(fields, expected):
    problems = problems_of(body(fields))
    assert any(problem.startswith(expected) or expected in problem for problem in problems), problems


def test_sections_and_fields_cannot_both_be_given_and_sections_are_checked_like_fields():
    assert any(p.startswith("sections (line 4): and fields cannot both be given")
               for p in problems_of("slug: s\ntitle: T\npurpose: p\nsections: []\nfields: []\n"))
    problems = problems_of(body(
        "  - name: one\n    fields:\n      - {name: a, type: integer, classification: pii}\n"
        "  - name: two\n    show_if: 'b > 1'\n    fields:\n      - {name: b, type: integer, classification: pii}\n"
        "  - name: one\n    fields:\n      - {name: c, type: integer, classification: pii}\n", sections=True))
    assert any(p.startswith("sections[1] (two).show_if (line 9): reads 'b', which comes after it") for p in problems)
    assert any("sections[2] (one).name" in p and "duplicates another section's name" in p for p in problems)


def test_every_problem_is_reported_at_once():
    problems = problems_of(body(
        "  - {name: a, type: integer, classification: pii, show_if: 'zz > 1'}\n"
        "  - {name: b, type: calculated, classification: non_pii, formula: 'a * 2'}\n"
        "  - {name: c, type: text, classification: pii, pattern: '(?<=x)'}\n"))
    assert len(problems) >= 2 and any("pattern" in p for p in problems)


def test_a_score_that_reads_the_rows_of_a_grid_with_a_problem_gets_the_grids_problem_not_a_crash():
    assert problems_of(body(
        "  - {matrix: m, label: L, help: 5, classification: spi, choices: [a], rows: [{name: r1, label: R}]}\n"
        "  - {name: total, type: calculated, classification: spi, formula: 'count(r1)'}\n")) == [
        "fields[0] (m).help (line 5): must be non-empty text"]


class Stored:
    def __init__(self, name, type, classification, choices=None, formula=None, matrix=None):
        self.name, self.type, self.classification = name, type, classification
        self.choices, self.formula, self.matrix = choices, formula, matrix


def test_stranding_extends_to_codes_grids_and_scores():
    new = parse_definition(body(
        "  - {name: q, type: choice, classification: spi, choices: [{value: 1, label: Yes}, {value: 0, label: No}]}\n"
        "  - matrix: m\n    label: L\n    classification: spi\n    choices: [a, b]\n"
        "    rows: [{name: r, label: R}]\n"
        "  - {name: s, type: calculated, classification: spi, formula: \"if(r == 'a', 1, 0)\"}\n")).fields
    old = [Stored("q", "choice", "spi", [{"value": 0, "label": "Yes"}, {"value": 2, "label": "Maybe"}]),
           Stored("r", "text", "spi"), Stored("s", "calculated", "spi", formula="1"),
           Stored("gone_note", "note", "non_pii")]
    assert stranding_changes(old, new) == [
        "field 'q' would recode 'Yes' from 0 to 1",
        "field 'q' would drop choices [2]",
        "field 'r' would change type from text to choice (as a row of matrix 'm')",
        "field 's' would change its formula, so stored scores would no longer follow it",
    ]
    same = [Stored("q", "choice", "spi", [{"value": 1, "label": "Yes (reworded)"}])]
    assert stranding_changes(same, new) == []  # a reworded label strands nothing


# -- the rules of answering ------------------------------------------------------------------------

RULES = parse_definition(body(
    "  - {name: smoker, type: boolean, classification: spi}\n"
    "  - {name: count, type: integer, classification: spi, required: true, show_if: 'smoker == true'}\n"
    "  - {name: a, type: integer, classification: non_pii}\n"
    "  - {name: b, type: integer, classification: non_pii}\n"
    "  - {name: total, type: calculated, classification: non_pii, formula: 'sum(a, b)'}\n"
    "  - {name: big, type: boolean, classification: non_pii, show_if: 'total > 10'}\n"))
INSTRUMENT = Instrument(RULES.fields)


def test_a_hidden_question_is_refused_or_discarded_and_required_only_when_shown():
    assert settle(INSTRUMENT, {"smoker": False, "count": 3}, today=TODAY).errors == {"count": [NOT_ASKED]}
    kept = settle(INSTRUMENT, {"smoker": False, "count": 3}, today=TODAY, refuse_hidden=False)
    assert kept.answers == {"smoker": False} and kept.discarded == ["count"] and not kept.errors
    assert settle(INSTRUMENT, {"smoker": True}, today=TODAY).errors == {"count": ["This question needs an answer."]}
    assert settle(INSTRUMENT, {}, today=TODAY).errors == {}
    assert settle(INSTRUMENT, {"total": 3}, today=TODAY).errors == {"total": [COMPUTED]}


def test_scores_are_computed_and_conditions_read_them():
    assert settle(INSTRUMENT, {"a": 4, "b": 8, "big": True}, today=TODAY).answers == {
        "a": 4, "b": 8, "total": 12, "big": True}
    assert settle(INSTRUMENT, {"a": 4, "big": True}, today=TODAY).errors == {"big": [NOT_ASKED]}


answers_strategy = st.fixed_dictionaries({}, optional={
    "smoker": st.booleans(), "count": st.integers(-5, 5), "a": st.integers(-20, 20), "b": st.integers(-20, 20),
    "big": st.booleans()})


@settings(max_examples=200, deadline=None)
@given(answers_strategy)
def test_what_is_stored_is_only_ever_what_was_asked(given_answers):
    settled = settle(INSTRUMENT, given_answers, today=TODAY, refuse_hidden=False)
    resolved = INSTRUMENT.resolve(settled.answers, TODAY)
    assert set(settled.answers) <= resolved.shown
    assert not ({"count"} & set(settled.answers)) or settled.answers["smoker"] is True
    total = sum(v for k, v in given_answers.items() if k in ("a", "b")) if {"a", "b"} & set(given_answers) else None
    assert settled.answers.get("total") == total
    if settled.answers.get("smoker") is True and "count" not in given_answers:
        assert settled.errors == {"count": ["This question needs an answer."]}
