import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from models.definition import DefinitionError, load_definition, parse_definition, stranding_changes
from models.vocabulary import Classification, FieldType, Role

DEMO = Path(__file__).parents[2] / "surveys" / "demo_survey.yaml"

MINIMAL = """
slug: s1
title: T
purpose: care-quality
fields:
  - name: q
    type: text
    classification: non_pii
"""


def problems_of(text: str, filename: str = "survey.yaml") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, filename)
    return [str(problem) for problem in caught.value.problems]


def with_field(field_yaml: str) -> str:
    return "slug: s1\ntitle: T\npurpose: p\nfields:\n" + field_yaml


def test_the_demo_survey_parses_and_uses_every_type_and_class():
    spec = load_definition(DEMO)
    assert {field.type for field in spec.fields} == set(FieldType)
    assert {field.classification for field in spec.fields} == set(Classification)


def test_defaults_are_filled_in():
    spec = parse_definition(MINIMAL)
    assert (spec.min_age, spec.retention_days, spec.status.value) == (18, 3650, "open")
    field = spec.fields[0]
    assert (field.label, field.required, field.role, field.choices) == ("Q", False, None, None)


def test_the_spec_example_parses():
    spec = parse_definition("""
slug: wellbeing-2026
title: Patient wellbeing survey
purpose: care-quality
purpose_description: Improve follow-up care for our patients.
min_age: 18
retention_days: 3650
fields:
  - name: full_name
    label: Your full name
    type: text
    classification: pii
    required: false
  - name: birth_date
    type: date
    classification: pii
    role: birth_date
  - name: hiv_status
    type: choice
    choices: [positive, negative, prefer not to say]
    classification: spi
""")
    assert [f.name for f in spec.fields] == ["full_name", "birth_date", "hiv_status"]
    assert spec.fields[1].role is Role.BIRTH_DATE
    assert [(c.value, c.label) for c in spec.fields[2].choices] == [
        ("positive", "positive"), ("negative", "negative"), ("prefer not to say", "prefer not to say")]


@pytest.mark.parametrize("field_yaml, expected", [
    ("  - name: q\n    type: text\n", "fields[0] (q).classification (line 5): is missing"),
    ("  - name: q\n    type: text\n    classification: secret\n",
     "fields[0] (q).classification (line 7): 'secret' is not one of: non_pii, pii, spi"),
    ("  - name: q\n    type: slider\n    classification: pii\n",
     "fields[0] (q).type (line 6): 'slider' is not one of"),
    ("  - name: q\n    type: text\n    classification: pii\n    choices: [a, b]\n",
     "fields[0] (q).choices (line 8): apply only to choice and multi_choice fields, not text"),
    ("  - name: q\n    type: choice\n    classification: pii\n",
     "fields[0] (q).choices (line 5): are missing"),
    ("  - name: q\n    type: choice\n    classification: pii\n    choices: [a, a]\n",
     "fields[0] (q).choices[1] (line 8): 'a' is listed twice"),
    ("  - name: q\n    type: integer\n    classification: pii\n    min: 10\n    max: 1\n",
     "fields[0] (q).min (line 8): 10 is greater than max 1"),
    ("  - name: q\n    type: date\n    classification: pii\n    min: 2020-02-30\n",
     "fields[0] (q).min (line 8): must be a date as YYYY-MM-DD"),
    ("  - name: q\n    type: integer\n    classification: pii\n    max: 1.5\n",
     "fields[0] (q).max (line 8): must be a whole number"),
    ("  - name: q\n    type: text\n    classification: pii\n    max: 3\n",
     "fields[0] (q).max (line 8): applies only to integer, number, date, time and datetime fields, not text"),
    ("  - name: Q-1\n    type: text\n    classification: pii\n",
     "fields[0] (Q-1).name (line 5): 'Q-1' must start with a letter or _"),
    ("  - name: q\n    type: text\n    classification: pii\n    colour: red\n",
     "fields[0] (q).colour (line 8): is not a known key"),
    ("  - name: q\n    type: text\n    classification: pii\n    role: birth_date\n",
     "fields[0] (q).role (line 8): birth_date needs a field of type date"),
    ("  - name: q\n    type: date\n    classification: pii\n    role: age\n",
     "fields[0] (q).role (line 8): age needs a field of type integer or number"),
    ("  - name: q\n    type: text\n    classification: pii\n    required: maybe\n",
     "fields[0] (q).required (line 8): must be true or false"),
    ("  - name: q\n    type: text\n    classification: pii\n  - name: q\n    type: integer\n    classification: pii\n",
     "fields[1] (q).name (line 8): duplicates the name of fields[0]"),
])
def test_each_kind_of_field_problem_is_named_and_located(field_yaml, expected):
    assert any(problem.startswith(expected) for problem in problems_of(with_field(field_yaml))), \
        problems_of(with_field(field_yaml))


@pytest.mark.parametrize("survey_yaml, expected", [
    ("slug: Bad Slug\ntitle: T\npurpose: p\nfields: [{name: q, type: text, classification: pii}]",
     "slug (line 1): 'Bad Slug' may hold only lower-case letters, digits and hyphens"),
    ("title: T\npurpose: p\nfields: [{name: q, type: text, classification: pii}]", "slug (line 1): is missing"),
    ("slug: s\ntitle: T\npurpose: p\nfields: []", "fields (line 4): must be a non-empty list"),
    ("slug: s\ntitle: T\npurpose: p\n", "fields (line 1): is missing"),
    ("slug: s\ntitle: T\npurpose: p\nmin_age: 16\nfields: [{name: q, type: text, classification: pii}]",
     "min_age (line 4): must be a whole number from 18 to 120 (the service does not collect data from minors)"),
    ("slug: s\ntitle: T\npurpose: p\nretention_days: 0\nfields: [{name: q, type: text, classification: pii}]",
     "retention_days (line 4): must be a whole number from 1 to 36500"),
    ("slug: s\nslug: t\ntitle: T\npurpose: p\nfields: [{name: q, type: text, classification: pii}]",
     "slug (line 2): is given twice"),
    ("slug: s\ntitle: T\npurpose: p\nowner: me\nfields: [{name: q, type: text, classification: pii}]",
     "owner (line 4): is not a known key"),
    ("- just\n- a list\n", "file: must be a mapping"),
    ("slug: [unclosed\n", "file (line 2): not valid YAML"),
])
def test_each_kind_of_survey_problem_is_named_and_located(survey_yaml, expected):
    assert any(problem.startswith(expected) for problem in problems_of(survey_yaml)), problems_of(survey_yaml)


def test_every_problem_is_reported_at_once():
    found = problems_of("""
slug: BAD
title: T
purpose: p
fields:
  - name: a
    type: text
  - name: b
    type: nope
    classification: pii
  - name: a
    type: choice
    classification: spi
""")
    assert len(found) >= 4
    assert any("slug" in p for p in found)
    assert any("fields[0] (a).classification" in p for p in found)
    assert any("fields[1] (b).type" in p for p in found)
    assert any("fields[2] (a).choices" in p for p in found)


def test_yes_and_no_stay_text_in_choices():
    spec = parse_definition(with_field("  - name: q\n    type: choice\n    classification: pii\n"
                                       "    choices: [yes, no, on, off]\n"))
    assert [c.value for c in spec.fields[0].choices] == ["yes", "no", "on", "off"]


def test_json_definitions_are_read_and_checked(tmp_path):
    good = tmp_path / "s.json"
    good.write_text(json.dumps({"slug": "j", "title": "J", "purpose": "p",
                                "fields": [{"name": "q", "type": "boolean", "classification": "spi"}]}))
    assert load_definition(good).fields[0].type is FieldType.BOOLEAN
    bad = tmp_path / "b.json"
    bad.write_text('{"slug": "j", "slug": "k", "title": "J", "purpose": "p", "fields": [{"name": "q"}]}')
    with pytest.raises(DefinitionError) as caught:
        load_definition(bad)
    text = str(caught.value)
    assert "slug: is given twice" in text and "fields[0] (q).type: is missing" in text


WHOLE_RANGE = "must be a whole number from -9007199254740991 to 9007199254740991"


def number_field(ftype: str, bound: str) -> str:
    return with_field(f"  - name: q\n    type: {ftype}\n    classification: pii\n    max: {bound}\n")


@pytest.mark.parametrize("ftype, bound, expected", [
    ("integer", "9007199254740992", WHOLE_RANGE),
    ("integer", "-" + "9" * 400, WHOLE_RANGE),
    ("integer", "9" * 5000, WHOLE_RANGE),   # past int()'s 4300 digits: read as text, refused where it stands
    ("number", "9007199254740992", WHOLE_RANGE),
    ("number", "9" * 5000, WHOLE_RANGE),
    ("number", ".inf", "must be a finite number"),
    ("number", "-.inf", "must be a finite number"),
    ("number", ".nan", "must be a finite number"),
    ("number", "1.0e+400", "must be a finite number"),
])
def test_a_bound_that_is_not_finite_or_past_the_exact_double_limit_is_a_located_problem(ftype, bound, expected):
    assert problems_of(number_field(ftype, bound)) == [f"fields[0] (q).max (line 8): {expected}"]


@pytest.mark.parametrize("ftype, bound, value", [
    ("integer", "9007199254740991", 2**53 - 1),
    ("integer", "-9007199254740991", -(2**53 - 1)),
    ("number", "1.7976931348623157e+308", 1.7976931348623157e308),
])
def test_bounds_up_to_the_limits_are_kept(ftype, bound, value):
    assert parse_definition(number_field(ftype, bound)).fields[0].max == value


@pytest.mark.parametrize("bound, expected", [("1e400", "must be a finite number"), ("NaN", "must be a finite number"),
                                             ("9" * 5000, WHOLE_RANGE)])
def test_json_bounds_that_are_not_finite_or_too_long_are_problems_too(bound, expected):
    text = ('{"slug": "j", "title": "J", "purpose": "p", "fields": [{"name": "q", "type": "number", '
            f'"classification": "pii", "min": {bound}}}]}}')
    assert problems_of(text, "s.json") == [f"fields[0] (q).min: {expected}"]


def test_a_huge_whole_number_elsewhere_is_an_ordinary_problem_not_a_crash():
    found = problems_of("slug: s\ntitle: T\npurpose: p\nmin_age: " + "9" * 5000 +
                        "\nfields: [{name: q, type: text, classification: pii}]")
    assert found == ["min_age (line 4): must be a whole number from 18 to 120"]


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path):
    with pytest.raises(DefinitionError, match="cannot be read"):
        load_definition(tmp_path / "absent.yaml")


class Stored:
    def __init__(self, name, type, classification, choices=None):
        self.name, self.type, self.classification, self.choices = name, type, classification, choices


def test_changes_that_would_strand_stored_answers_are_listed():
    new = parse_definition(with_field(
        "  - name: a\n    type: text\n    classification: spi\n"
        "  - name: b\n    type: integer\n    classification: pii\n"
        "  - name: c\n    type: choice\n    choices: [x]\n    classification: pii\n"
        "  - name: added\n    type: text\n    classification: pii\n")).fields
    old = [Stored("a", "text", "pii"), Stored("b", "text", "pii"), Stored("c", "choice", "pii", ["x", "y"]),
           Stored("gone", "text", "pii")]
    changes = stranding_changes(old, new)
    assert changes == [
        "field 'a' would change classification from pii to spi",
        "field 'b' would change type from text to integer",
        "field 'c' would drop choices ['y']",
        "field 'gone' would be removed",
    ]
    assert stranding_changes([Stored("a", "text", "spi")], new) == []


# -- properties ------------------------------------------------------------

names = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)
field_strategy = st.builds(
    lambda name, ftype, cls, required: {
        "name": name, "type": ftype.value, "classification": cls.value, "required": required,
        **({"choices": ["one", "two", "yes"]} if ftype.has_choices else {}),
    },
    names, st.sampled_from([t for t in FieldType if t.is_asked]), st.sampled_from(Classification), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(field_strategy, min_size=1, max_size=8, unique_by=lambda f: f["name"]),
       st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True))
def test_any_valid_definition_round_trips_through_yaml(fields, slug):
    text = yaml.safe_dump({"slug": slug, "title": "T", "purpose": "p", "fields": fields})
    spec = parse_definition(text)
    assert spec.slug == slug
    assert [(f.name, f.type.value, f.classification.value, f.required) for f in spec.fields] == [
        (f["name"], f["type"], f["classification"], f["required"]) for f in fields]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["slug", "title", "purpose", "fields", "min_age", "x"]), json_values)
       | json_values)
def test_arbitrary_input_gives_a_definition_or_problems_never_a_crash(data):
    try:
        parse_definition(json.dumps(data), "fuzz.json")
    except DefinitionError as exc:
        assert exc.problems and all(problem.message for problem in exc.problems)


@pytest.mark.parametrize("text, filename, where", [
    ('slug: a\ntitle: "Hi \\ud800"\npurpose: p\nfields: []\n', "s.yaml", "title (line 2): contains characters that "
                                                                        "cannot be encoded as UTF-8"),
    ('slug: a\ntitle: t\npurpose: p\nfields:\n  - name: x\n    label: "a\\0b"\n    type: text\n'
     '    classification: pii\n', "s.yaml", "fields[0].label (line 6): contains a NUL character"),
    ('{"slug": "a", "title": "t", "purpose": "p", "fields": [{"name": "x", "type": "choice", '
     '"classification": "pii", "choices": ["ok", "\\udfff"]}]}', "s.json", "fields[0].choices[1]: contains characters"),
    ('{"slug": "a", "title": "t", "purpose": "p", "fields": [], "\\ud800": 1}', "s.json", "\\ud800: contains"),
    ("[" * 100_000, "s.json", "file: is nested too deeply"),
    ("[" * 100_000, "s.yaml", "file: is nested too deeply"),
])
def test_text_no_export_could_encode_and_absurd_nesting_are_located_problems(text, filename, where):
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, filename)
    assert any(str(problem).startswith(where) for problem in caught.value.problems), caught.value.problems
