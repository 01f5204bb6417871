import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.definition import FieldSpec
from models.consent import check_consent, check_consent_change
from models.answering import settle, shows_minor, split_by_class
from models.choices import Choice
from models.instrument import Instrument
from models.submission import AnswerError, clean_value, parse_text
from models.vocabulary import Classification, FieldType, Role


def field(ftype: str, **extra) -> FieldSpec:
    if extra.get("choices"):
        extra["choices"] = tuple(c if isinstance(c, Choice) else Choice(c, str(c)) for c in extra["choices"])
    return FieldSpec(name=extra.pop("name", "q"), label="Q", type=FieldType(ftype),
                     classification=extra.pop("classification", Classification.NON_PII), **extra)


def check_answers(fields, answers):
    settled = settle(Instrument(fields), answers, today=date(2026, 1, 1))
    return settled.answers, settled.errors


CHOICES = ("red", "green", "blue")

ACCEPTED = [
    (field("text"), "  Ann  ", "Ann"),
    (field("textarea"), "line one\nline two", "line one\nline two"),
    (field("email"), "ann@example.org", "ann@example.org"),
    (field("integer", min=0, max=10), 10, 10),
    (field("number", min=0.5), 0.5, 0.5),
    (field("number"), 3, 3),
    (field("date", min="2000-01-01", max="2000-12-31"), "2000-06-15", "2000-06-15"),
    (field("choice", choices=CHOICES), "green", "green"),
    (field("multi_choice", choices=CHOICES), ["blue", "red"], ["red", "blue"]),
    (field("boolean"), False, False),
    (field("text"), "   ", None),
    (field("multi_choice", choices=CHOICES), [], None),
    (field("integer"), None, None),
]


@pytest.mark.parametrize("spec, value, stored", ACCEPTED)
def test_a_fitting_answer_is_cleaned_for_storage(spec, value, stored):
    assert clean_value(spec, value) == stored


REFUSED = [
    (field("text"), 42, "Enter text."),
    (field("text"), "x" * 501, "Use at most 500 characters."),
    (field("email"), "not-an-address", "Enter an email address"),
    (field("email"), "a@b", "Enter an email address"),
    (field("integer"), "3", "Enter a whole number."),
    (field("integer"), 2.0, "Enter a whole number."),
    (field("integer"), True, "Enter a whole number."),
    (field("integer", min=1), 0, "Enter a number of at least 1."),
    (field("integer", max=5), 6, "Enter a number of at most 5."),
    (field("number"), float("inf"), "Enter a number."),
    (field("number"), "1.5", "Enter a number."),
    (field("date"), "2021-02-30", "Enter a real date"),
    (field("date"), "15/06/2000", "Enter a real date"),
    (field("date"), 20000615, "Enter a real date as YYYY-MM-DD."),
    (field("date", max="2000-12-31"), "2001-01-01", "Enter a date of at most 2000-12-31."),
    (field("choice", choices=CHOICES), "purple", "Choose one of the options given: 'red', 'green', 'blue'."),
    (field("choice", choices=CHOICES), ["red"], "Choose one of the options given: 'red', 'green', 'blue'."),
    (field("multi_choice", choices=CHOICES), "red", "Choose from the options given, as a list."),
    (field("multi_choice", choices=CHOICES), ["red", "red"], "Choose each option at most once."),
    (field("multi_choice", choices=CHOICES), ["red", "pink"],
     "Choose only from the options given: 'red', 'green', 'blue'."),
    (field("boolean"), "yes", "Answer yes or no."),
    (field("boolean"), 1, "Answer yes or no."),
]


@pytest.mark.parametrize("spec, value, message", REFUSED)
def test_an_answer_that_does_not_fit_is_refused_with_a_message(spec, value, message):
    with pytest.raises(AnswerError, match=message.replace(".", r"\.").replace("(", r"\(")):
        clean_value(spec, value)


@pytest.mark.parametrize("spec, text, value", [
    (field("integer"), " 42 ", 42),
    (field("number"), "4.5", 4.5),
    (field("number"), "7", 7),
    (field("boolean"), "yes", True),
    (field("boolean"), "no", False),
    (field("date"), "2000-01-02", "2000-01-02"),
    (field("multi_choice", choices=CHOICES), ["red"], ["red"]),
    (field("multi_choice", choices=CHOICES), None, []),
    (field("text"), "", None),
])
def test_form_text_is_parsed_into_typed_values(spec, text, value):
    assert parse_text(spec, text) == value


@pytest.mark.parametrize("spec, text", [(field("integer"), "4.5"), (field("integer"), "four"),
                                        (field("number"), "nan"), (field("boolean"), "maybe")])
def test_form_text_that_is_not_of_the_type_is_refused(spec, text):
    with pytest.raises(AnswerError):
        parse_text(spec, text)


def test_check_answers_reports_every_problem_by_field():
    fields = [field("text", name="name", required=True), field("integer", name="age"),
              field("choice", name="colour", choices=CHOICES)]
    clean, errors = check_answers(fields, {"age": "x", "colour": "red", "extra": 1})
    assert clean == {"colour": "red"}
    assert errors == {"extra": ["This survey has no such question."], "name": ["This question needs an answer."],
                      "age": ["Enter a whole number."]}


def test_check_answers_wants_an_object():
    assert check_answers([field("text")], ["a"])[1] == {
        "answers": ["Send the answers as an object keyed by field name."]}


def test_answers_are_split_by_classification():
    fields = [field("text", name="a"), field("text", name="b", classification=Classification.PII),
              field("text", name="c", classification=Classification.SPI)]
    parts = split_by_class(fields, {"a": "1", "b": "2", "c": "3"})
    assert parts == {Classification.NON_PII: {"a": "1"}, Classification.PII: {"b": "2"},
                     Classification.SPI: {"c": "3"}}


BIRTH = field("date", name="born", role=Role.BIRTH_DATE)
AGE = field("integer", name="age", role=Role.AGE)
TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("answers, minor", [
    ({"born": "2008-11-23"}, False),   # eighteenth birthday today
    ({"born": "2008-11-24"}, True),    # tomorrow
    ({"born": "1950-01-01"}, False),
    ({"age": 17}, True),
    ({"age": 18}, False),
    ({}, False),
])
def test_role_fields_feed_the_age_gate(answers, minor):
    assert shows_minor([BIRTH, AGE], answers, 18, TODAY) is minor


def test_consent_defaults_and_the_gpc_signal():
    consent, errors = check_consent({"participate": True, "age_confirmed": True})
    assert not errors and consent.choices == {
        "opt_out_third_party": False, "opt_out_other_purposes": False, "spi_disclosure": False}
    consent, _ = check_consent({"participate": True, "age_confirmed": True}, gpc=True)
    assert consent.opt_out_third_party is True
    consent, _ = check_consent({"participate": True, "age_confirmed": True, "opt_out_third_party": False}, gpc=True)
    assert consent.opt_out_third_party is True  # 11 CCR §7025(c): the signal stands against the body's false
    consent, _ = check_consent({"participate": True, "age_confirmed": True, "opt_out_third_party": False,
                                "spi_disclosure": True}, gpc=True)
    assert consent.choices == {"opt_out_third_party": True, "opt_out_other_purposes": False, "spi_disclosure": True}


@pytest.mark.parametrize("raw, key", [
    ({"participate": False, "age_confirmed": True}, "participate"),
    ({"age_confirmed": True}, "participate"),
    ({"participate": "yes", "age_confirmed": True}, "participate"),
    ({"participate": True, "age_confirmed": True, "spi_disclosure": 1}, "spi_disclosure"),
    ({"participate": True, "age_confirmed": True, "sell_my_data": True}, "sell_my_data"),
    ("yes", "consent"),
])
def test_consent_that_does_not_fit_is_refused(raw, key):
    consent, errors = check_consent(raw)
    assert consent is None and key in errors


def test_only_the_three_choices_can_change_later():
    assert check_consent_change({"spi_disclosure": True}) == ({"spi_disclosure": True}, {})
    assert "participate" in check_consent_change({"participate": False})[1]
    assert "spi_disclosure" in check_consent_change({"spi_disclosure": "true"})[1]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FieldType), json_values)
def test_any_json_value_is_either_cleaned_or_refused_with_a_message(ftype, value):
    spec = field(ftype.value, choices=CHOICES if ftype.has_choices else None)
    try:
        cleaned = clean_value(spec, value)
    except AnswerError as exc:
        assert str(exc)
    else:
        assert cleaned is None or clean_value(spec, cleaned) == cleaned  # cleaning is idempotent


# -- numbers stay exact and finite ----------------------------------------------

SAFE = 2**53 - 1
WITHIN = "between -9007199254740991 and 9007199254740991."


@pytest.mark.parametrize("ftype", ["integer", "number"])
@pytest.mark.parametrize("value", [SAFE, -SAFE, 0])
def test_whole_numbers_up_to_the_largest_exact_double_are_accepted(ftype, value):
    assert clean_value(field(ftype), value) == value


@pytest.mark.parametrize("ftype, shown", [("integer", "a whole number"), ("number", "a number")])
@pytest.mark.parametrize("value", [SAFE + 1, -SAFE - 1, 10**400, -(10**400)])
def test_whole_numbers_one_past_the_largest_exact_double_or_far_past_are_refused(ftype, shown, value):
    with pytest.raises(AnswerError) as refused:
        clean_value(field(ftype), value)
    assert str(refused.value) == f"Enter {shown} {WITHIN}"


def test_the_limit_message_gives_the_range_the_field_really_takes():
    with pytest.raises(AnswerError, match=r"^Enter a whole number between 0 and 9007199254740991\.$"):
        clean_value(field("integer", min=0), 2**60)
    with pytest.raises(AnswerError, match=r"^Enter a number of at most 10\.$"):  # the field's own bound first
        clean_value(field("integer", max=10), 10**400)


@pytest.mark.parametrize("value", [json.loads("NaN"), json.loads("Infinity"), json.loads("-Infinity"),
                                   json.loads("1e400"), json.loads("-1e400")])
def test_a_number_json_reads_as_nan_or_infinite_is_refused(value):
    with pytest.raises(AnswerError, match=r"^Enter a number\.$"):
        clean_value(field("number"), value)


@pytest.mark.parametrize("value", [1.7976931348623157e308, -1.7976931348623157e308, 1e308, 5e-324, 1e16])
def test_every_finite_float_is_a_number(value):
    assert clean_value(field("number"), value) == value


@pytest.mark.parametrize("spec, text, value", [
    (field("integer"), "9007199254740991", SAFE),
    (field("integer"), "-9007199254740991", -SAFE),
    (field("integer"), "+7", 7),
    (field("integer"), "-" + "0" * 5000 + "42", -42),  # leading zeros are not digits of the value
    (field("number"), "1.7976931348623157e308", 1.7976931348623157e308),
    (field("number"), "1e300", 1e300),
])
def test_form_text_up_to_the_limits_is_read_exactly(spec, text, value):
    assert parse_text(spec, text) == value


@pytest.mark.parametrize("spec, text, message", [
    (field("integer"), "9007199254740992", f"Enter a whole number {WITHIN}"),
    (field("integer"), "9" * 5000, f"Enter a whole number {WITHIN}"),   # past int()'s 4300 digits
    (field("integer"), "-" + "9" * 400, f"Enter a whole number {WITHIN}"),
    (field("number"), "9" * 5000, f"Enter a number {WITHIN}"),
    (field("number"), "1e999", "Enter a number."),                       # float() gives inf
    (field("number"), "-1e999", "Enter a number."),
    (field("number"), "Infinity", "Enter a number."),
    (field("number"), "9" * 400 + ".5", "Enter a number."),
])
def test_form_text_past_the_limits_is_refused_with_a_message(spec, text, message):
    with pytest.raises(AnswerError) as refused:
        check_value_from_text(spec, text)
    assert str(refused.value) == message


def check_value_from_text(spec, text):
    return clean_value(spec, parse_text(spec, text))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["integer", "number"]), st.sampled_from(["", "+", "-"]),
       st.text(alphabet="0123456789", min_size=1, max_size=6000))
def test_whole_number_text_of_any_length_is_taken_exactly_when_within_the_limit(ftype, sign, digits):
    significant = digits.lstrip("0") or "0"
    within = len(significant) <= 16 and int(significant) <= SAFE
    try:
        value = check_value_from_text(field(ftype), sign + digits)
    except AnswerError as exc:
        assert not within and WITHIN in str(exc)
    else:
        assert within and value == int(sign + significant)
