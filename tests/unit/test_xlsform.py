"""XLSForms in and out: every supported type and alias, groups as pages, choice lists, XPath translated exactly or
refused with its place, unsupported rows refused or left out, classification failing closed, languages, settings,
broken files, and round trips through the export that give the same survey back."""
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models.choices import Choice
from models.definition import DefinitionError, check_definition, load_definition, parse_definition
from models.expressions import parse, to_source
from models.expressions.tree import SAFE_INTEGER
from models.interop.common import MAX_BYTES, Located, LocatedList
from models.interop.idioms import fold
from models.interop.xlsform import read_xlsform
from models.interop.xlsform_out import write_xlsform
from models.interop.xpath import Answer, XPathError
from models.interop.xpath_in import read_xpath
from models.interop.xpath_out import write_xpath
from models.vocabulary import Appearance, Classification, FieldType
from tests.unit.test_languages_definition import SPEC_EXAMPLE as SPEC_IN_TWO_LANGUAGES

DEMO = Path(__file__).parents[2] / "surveys" / "demo_survey.yaml"
HEAD = ["type", "name", "label", "hint", "required", "relevant", "constraint", "calculation", "appearance",
        "classification", "parameters"]
SETTINGS = [["form_title", "form_id"], ["A form", "a_form"]]
YES_NO = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]


def workbook(survey, choices=None, settings_rows=SETTINGS, **sheets) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "survey"
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings_rows), *sheets.items()):
        sheet = book[title] if title in book.sheetnames else book.create_sheet(title) if rows is not None else None
        for row in rows or ():
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(type_, name, label="", **cells):
    return [type_, name, label] + [cells.get(column, "") for column in HEAD[3:]]


def imported(rows, choices=YES_NO, **options):
    return read_xlsform(workbook([HEAD, *rows], choices), "form.xlsx", **options)


def spec_of(result):
    return check_definition(result.data | {"purpose": "p"})


def fields_of(rows, choices=YES_NO, **options):
    return {field.name: field for field in spec_of(imported(rows, choices, **options)).fields}


def problems(rows=None, choices=YES_NO, *, raw=None, **options) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        result = read_xlsform(raw if raw is not None else workbook([HEAD, *rows], choices), "form.xlsx", **options)
        spec_of(result)
    return [str(problem) for problem in caught.value.problems]


# --- types, aliases, choices

def test_every_supported_type_becomes_ours():
    choices = YES_NO + [["fruit", "apple", "Apple"], ["fruit", "pear", "Pear"]]
    fields = fields_of([
        row("text", "t", "Text"), row("text", "long", "Long", appearance="multiline"), row("integer", "i", "I"),
        row("decimal", "d", "D"), row("date", "day", "Day"), row("time", "at", "At"), row("dateTime", "when", "When"),
        row("select_one yn", "one", "One", appearance="minimal"), row("select_multiple fruit", "many", "Many"),
        row("note", "n", "A note"), row("calculate", "c", calculation="count-selected(${many})"),
        row("range", "r", "R", parameters="start=1 end=5"),
        row("range", "half", "H", parameters="start=0 end=2 step=0.5"),
        row("acknowledge", "ok", "I have read this")], choices)
    assert {name: field.type for name, field in fields.items()} == {
        "t": FieldType.TEXT, "long": FieldType.TEXTAREA, "i": FieldType.INTEGER, "d": FieldType.NUMBER,
        "day": FieldType.DATE, "at": FieldType.TIME, "when": FieldType.DATETIME, "one": FieldType.CHOICE,
        "many": FieldType.MULTI_CHOICE, "n": FieldType.NOTE, "c": FieldType.CALCULATED, "r": FieldType.INTEGER,
        "half": FieldType.NUMBER, "ok": FieldType.CHOICE}
    assert fields["one"].appearance is Appearance.DROPDOWN and fields["many"].appearance is None
    assert fields["one"].choices == (Choice("yes", "Yes"), Choice("no", "No"))
    assert (fields["r"].min, fields["r"].max, fields["half"].max) == (1, 5, 2)
    assert fields["ok"].choices == (Choice("OK", "OK"),) and fields["c"].formula == "count(many)"
    assert fields["n"].label == "A note" and fields["n"].classification is Classification.NON_PII


@pytest.mark.parametrize("written, expected", [
    ("select one yn", FieldType.CHOICE), ("select1 yn", FieldType.CHOICE), ("Select_One yn", FieldType.CHOICE),
    ("select multiple yn", FieldType.MULTI_CHOICE), ("select all that apply yn", FieldType.MULTI_CHOICE),
    ("select_multiple yn or_other", FieldType.MULTI_CHOICE), ("int", FieldType.INTEGER), ("Integer", FieldType.INTEGER),
    ("string", FieldType.TEXT), ("datetime", FieldType.DATETIME), ("DECIMAL", FieldType.NUMBER)])
def test_type_aliases(written, expected):
    assert fields_of([row(written, "q", "Q")])["q"].type is expected


def test_sheet_names_and_headings_in_any_case_and_their_aliases():
    book = openpyxl.Workbook()
    book.active.title = "Survey"
    for line in [["Type", "NAME", "Caption", "Relevance"], ["integer", "a", "A"], ["integer", "b", "B", "${a} > 1"]]:
        book.active.append(line)
    settings_sheet = book.create_sheet("SETTINGS ")
    for line in [["Form_Title", "form_id"], ["T", "t"]]:
        settings_sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    spec = spec_of(read_xlsform(out.getvalue(), "x.xlsx"))
    assert spec.title == "T" and spec.fields[1].show_if == "a > 1" and spec.fields[1].label == "B"


def test_or_other_adds_no_option_and_says_so():
    result = imported([row("select_one yn or_other", "q", "Q")])
    assert spec_of(result).fields[0].choices == (Choice("yes", "Yes"), Choice("no", "No"))
    assert any("or_other (row 2)" in note for note in result.notes)


def test_acknowledge_is_a_choice_of_ok_and_the_notes_say_so():
    result = imported([row("acknowledge", "ok", "Understood"), row("integer", "n", "N", relevant="${ok} = 'OK'")])
    assert spec_of(result).fields[1].show_if == "ok == 'OK'"
    assert any(note.startswith("acknowledge (row 2)") for note in result.notes)


@pytest.mark.parametrize("names, values", [
    (["1", "2", "10"], (1, 2, 10)), (["-1", "0"], (-1, 0)), (["1", "a"], ("1", "a")), (["01", "2"], ("01", "2"))])
def test_a_list_is_of_numbers_when_every_name_is_one(names, values):
    choices = [["list_name", "name", "label"]] + [["l", name, f"label {name}"] for name in names]
    field = fields_of([row("select_one l", "q", "Q")], choices)["q"]
    assert tuple(choice.value for choice in field.choices) == values


def test_values_in_logic_take_the_type_of_the_list():
    choices = [["list_name", "name", "label"], ["n", "1", "One"], ["n", "2", "Two"], ["m", "a", "A"], ["m", "b", "B"]]
    fields = fields_of([row("select_one n", "num", "N"), row("select_multiple m", "multi", "M"),
                        row("integer", "x", "X", relevant="${num} = '2' or selected(${multi}, 'b')"),
                        row("integer", "y", "Y", relevant="selected(${num}, 1)")], choices)
    assert fields["x"].show_if == "num == 2 or 'b' in multi" and fields["y"].show_if == "num == 1"


def test_a_missing_list_and_a_list_without_names_are_problems():
    found = problems([row("select_one nowhere", "q", "Q"), row("select_one", "r", "R")])
    assert "field q (survey sheet, row 2, column type): uses the list 'nowhere', which is not on the choices sheet" \
        in found
    assert any("field r (survey sheet, row 3, column type)" in problem for problem in found)


# --- groups

def test_top_level_groups_are_sections_and_questions_between_them_pages_of_their_own():
    spec = spec_of(imported([
        row("integer", "first", "First"), row("begin group", "about", "About you", hint="Intro text"),
        row("integer", "age", "Age"), row("end group", ""), row("integer", "last", "Last"),
        row("begin_group", "more", "More", relevant="${age} > 18"), row("integer", "x", "X"), row("end_group", "")]))
    assert [(s.name, s.title, s.description, s.show_if) for s in spec.sections] == [
        ("part_1", "Part 1", "", None), ("about", "About you", "Intro text", None), ("part_3", "Part 3", "", None),
        ("more", "More", "", "age > 18")]
    assert [field.section for field in spec.fields] == ["part_1", "about", "part_3", "more"]


def test_nested_groups_flatten_into_their_page_joining_their_conditions():
    fields = fields_of([
        row("begin group", "page", "Page", relevant="1 = 1"), row("integer", "age", "Age"),
        row("begin group", "adult", "", relevant="${age} >= 18"),
        row("begin group", "older", "", relevant="${age} > 60"),
        row("integer", "pension", "Pension", relevant="${age} < 100"), row("end group", ""),
        row("integer", "job", "Job"), row("end group", ""), row("end group", "")])
    assert fields["pension"].show_if == "age >= 18 and age > 60 and age < 100"
    assert fields["job"].show_if == "age >= 18" and fields["job"].section == "page"


def test_a_form_without_groups_is_a_flat_list_of_fields():
    result = imported([row("integer", "a", "A"), row("text", "b", "B")])
    assert "fields" in result.data and "sections" not in result.data
    assert spec_of(result).sections == ()


def test_grids_become_matrices():
    choices = [["list_name", "name", "label"], ["scale", "0", "Never"], ["scale", "1", "Often"]]
    spec = spec_of(imported([
        row("begin group", "mood", "How often…", appearance="table-list", relevant="1 = 1"),
        row("select_one scale", "m1", "Down", required="yes", classification="pii"),
        row("select_one scale", "m2", "Tired"), row("end group", ""),
        row("begin group", "grid", "Grid", appearance="field-list"),
        row("select_one scale", "header", "", appearance="label"),
        row("select_one scale", "g1", "One", appearance="list-nolabel"), row("end group", "")], choices))
    assert [(m.name, m.label, m.show_if) for m in spec.matrices] == [("mood", "How often…", "1 == 1"),
                                                                      ("grid", "Grid", None)]
    rows = {field.name: field for field in spec.fields}
    assert set(rows) == {"m1", "m2", "g1"} and rows["m1"].matrix == "mood" and rows["g1"].matrix == "grid"
    assert rows["m1"].required and rows["m1"].classification is Classification.PII
    assert rows["m2"].classification is Classification.SPI and rows["m1"].choices == (Choice(0, "Never"),
                                                                                      Choice(1, "Often"))


def test_a_table_list_of_different_lists_is_a_plain_group():
    fields = fields_of([row("begin group", "page", "Page"), row("begin group", "g", "G", appearance="table-list",
                                                                 relevant="1 = 1"),
                        row("select_one yn", "a", "A"), row("select_one other", "b", "B"), row("end group", ""),
                        row("end group", "")], YES_NO + [["other", "x", "X"]])
    assert fields["a"].matrix is None and fields["b"].show_if == "1 == 1"


@pytest.mark.parametrize("rows, message", [
    ([row("end group", "")], "'end group' ends a group that was never begun"),
    ([row("begin group", "g", "G"), row("integer", "a", "A")], "is begun here and never ended with 'end group'"),
    ([row("begin repeat", "r", "R"), row("end group", "")], "'end group' ends a group that was never begun"),
    ([row("multiple choice", "a", "A")], "'multiple choice' is not an XLSForm question type"),
    ([["", "a", "A"]], "has no type"),
    ([row("integer", "", "A")], "is a question with no name"),
])
def test_a_broken_structure_is_a_located_problem(rows, message):
    assert any(message in problem and "survey sheet, row" in problem for problem in problems(rows))


# --- logic

XPATHS = [
    ("${a} > 3", "a > 3"), ("${a} >= 3 and ${a} <= 5", "a >= 3 and a <= 5"), ("${a} < 1 or ${a} > 9", "a < 1 or a > 9"),
    ("not(${a} = 2)", "not a == 2"), ("${a} != 2", "not a == 2"), ("${a} = 2", "a == 2"),
    ("${t} != ''", "answered(t)"), ("${t} = ''", "not answered(t)"), ("'' = ${t}", "not answered(t)"),
    ("string-length(${t}) > 0", "answered(t)"), ("string-length(${t}) = 0", "not answered(t)"),
    ("selected(${m}, 'x')", "'x' in m"), ("count-selected(${m}) >= 2", "count(m) >= 2"),
    ("${m} = 'x'", "count(m) == 1 and 'x' in m"), ("${one} = 'yes'", "one == 'yes'"),
    ("selected(${one}, 'no')", "one == 'no'"), ("${a} + 2 * 3 - 1 > 0", "a + 2 * 3 - 1 > 0"),
    ("${a} div 2 > 1", "a / 2 > 1"), ("-${a} < 0", "-a < 0"), ("pow(${a}, 2) > 4", "a ^ 2 > 4"),
    ("if(${a} > 1, 1, 0) = 1", "if(a > 1, 1, 0) == 1"), ("round(${a} div 3, 1) = 1", "round(a / 3, 1) == 1"),
    ("round(${a}) = 1", "round(a, 0) == 1"), ("abs(${a}) > 1", "abs(a) > 1"), ("${d} < today()", "d < today()"),
    ("${d} >= date('2020-01-01')", "d >= '2020-01-01'"), ("coalesce(${a}, 0) > 1", "if(answered(a), a, 0) > 1"),
    ("true() and not(false())", "true and not false"), ("${t} = concat('it', \"'\", 's')", "t == 'it\\'s'"),
    ("(${a} > 1 or ${a} < -1) and ${t} = \"x\"", "(a > 1 or a < -1) and t == 'x'"),
    ("max(${a}, 1) > 2", "if(answered(a) and answered(1), max(a, 1), null) > 2"),
]


@pytest.mark.parametrize("xpath, ours", XPATHS)
def test_xpath_is_translated_exactly(xpath, ours):
    choices = YES_NO + [["ms", "x", "X"], ["ms", "y", "Y"]]
    fields = fields_of([row("integer", "a", "A"), row("text", "t", "T"), row("select_multiple ms", "m", "M"),
                        row("select_one yn", "one", "One"), row("date", "d", "D"),
                        row("integer", "q", "Q", relevant=xpath)], choices)
    assert fields["q"].show_if == ours


@pytest.mark.parametrize("calculation, formula", [
    ("${a} + ${b}", "a + b"),
    ("coalesce(${a}, 0) + coalesce(${b}, 0)", "if(answered(a), a, 0) + if(answered(b), b, 0)"),
    ("if(${a} = '' and ${b} = '', '', coalesce(${a}, 0) + coalesce(${b}, 0))", "sum(a, b)"),
    ("${a} * 1.5", "a * 1.5"), ("if(${a} > 3, 'high', 'low')", "if(a > 3, 'high', 'low')")])
def test_calculations_become_formulas(calculation, formula):
    fields = fields_of([row("integer", "a", "A"), row("integer", "b", "B"),
                        row("calculate", "c", calculation=calculation)])
    assert fields["c"].formula == formula and fields["c"].type is FieldType.CALCULATED


@pytest.mark.parametrize("xpath, message", [
    ("${a} mod 2 = 0", "uses mod"), ("int(${a}) > 1", "uses int()"), ("sum(${a}) > 1", "uses sum()"),
    ("${a}", "uses ${a} alone as a condition"), ("/data/a > 1", "names a question by the path '/data/a'"),
    ("${nope} > 1", "reads ${nope}, which is not a question of this form"), (". > 1", "uses '.'"),
    ("${a} > ‘1’", "write straight quotes"), ("${a} >", "ends too early"), ("regex(${t}, 'x')", "uses regex()"),
    ("jr:choice-name(${a}, '${a}') = 'x'", "uses jr:choice-name()"), ("format-date(today(), '%Y') = '2020'",
                                                                       "uses format-date()"),
    ("string-length(${t}) > 3", "string-length()"), ("${a} = true()", "compare it with 'true' instead"),
    ("concat(${t}, 'x') = 'y'", "concat() to join text"), ("${a} | ${t}", "'|'"), ("${a} > 1 and ${}", "${}"),
    ("count(${a}) > 1", "uses count()"), ("${m} = 'x y'", "several options at once"), ("now() > 1", "uses now()"),
])
def test_untranslatable_xpath_is_a_problem_naming_the_field_and_the_construct(xpath, message):
    choices = YES_NO + [["ms", "x", "X"], ["ms", "y", "Y"]]
    found = problems([row("integer", "a", "A"), row("text", "t", "T"), row("select_multiple ms", "m", "M"),
                      row("integer", "q", "Q", relevant=xpath)], choices)
    assert len(found) == 1
    assert found[0].startswith(f"field q (survey sheet, row 5, column relevant): relevant {xpath!r}")
    assert message in found[0]


def test_a_circular_calculation_is_reported_with_its_place():
    found = problems([row("calculate", "a", calculation="${b} + 1"), row("calculate", "b", calculation="${a} + 1")])
    assert found == ["fields[0] (a).formula (survey sheet, row 2, column calculation): reads itself through a → b → a"]


def test_a_condition_reading_a_later_answer_points_at_its_cell():
    found = problems([row("integer", "a", "A", relevant="${b} > 1"), row("integer", "b", "B")])
    assert found == ["fields[0] (a).show_if (survey sheet, row 2, column relevant): reads 'b', which comes after it: "
                     "a condition may read only answers given before it"]


def test_a_calculation_on_a_question_and_a_conditional_required_are_problems():
    found = problems([row("integer", "a", "A", calculation="1 + 1"), row("integer", "b", "B", required="${a} > 1")])
    assert any("field a (survey sheet, row 2, column calculation): has a calculation" in p for p in found)
    assert any("field b (survey sheet, row 3, column required): required '${a} > 1' depends on answers" in p
               for p in found)


@pytest.mark.parametrize("type_, constraint, expected", [
    ("integer", ". >= 0 and . <= 120", (0, 120, None)), ("integer", ". > 5", (6, None, None)),
    ("integer", "0 <= . and . < 10.5", (0, 10, None)), ("decimal", ". >= -1.5 and . <= 2", (-1.5, 2, None)),
    ("date", ". >= date('1900-01-01') and . < '2000-01-01'", ("1900-01-01", "1999-12-31", None)),
    ("text", "regex(., '^[0-9]{5}$')", (None, None, "^[0-9]{5}$")),
    ("text", "regex(., '[A-Z]+')", (None, None, "[\\s\\S]*(?:[A-Z]+)[\\s\\S]*")),
    ("range", ". >= 3", (3, 10, None))])
def test_constraints_become_bounds_or_a_pattern(type_, constraint, expected):
    field = fields_of([row(type_, "q", "Q", constraint=constraint)])["q"]
    assert (field.min, field.max, field.pattern) == expected


@pytest.mark.parametrize("type_, constraint, message", [
    ("decimal", ". > 2", "leaves out the bound itself"), ("integer", ". != 3", "uses != on the answer"),
    ("integer", ". >= ${other}", "with something other than a number"), ("select_one yn", ". != 'no'", "uses !="),
    ("integer", ". > 1 or . < -1", "is not a bound or a pattern"), ("text", ". > 3", "not a number or a date"),
    ("time", ". > '08:00'", "not a number or a date")])
def test_other_constraints_are_problems(type_, constraint, message):
    found = problems([row(type_, "q", "Q", constraint=constraint)])
    assert found[0].startswith("field q (survey sheet, row 2, column constraint): constraint") and message in found[0]


def test_a_pattern_re2_cannot_run_is_the_checkers_problem_at_the_constraint():
    found = problems([row("text", "q", "Q", constraint="regex(., '^(?=x).*$')")])
    assert found[0].startswith("fields[0] (q).pattern (survey sheet, row 2, column constraint): is not a regular")


# --- what is not a question, and what cannot be imported

@pytest.mark.parametrize("metadata", ["start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
                                      "username", "email", "audit", "start-geopoint", "background-audio"])
def test_metadata_rows_are_skipped_silently(metadata):
    result = imported([row(metadata, f"meta_{metadata.replace('-', '_')}"), row("integer", "a", "A")])
    assert [field.name for field in spec_of(result).fields] == ["a"]
    assert result.skipped == [] and result.defaulted_spi == ["a"]


def test_metadata_read_by_a_kept_field_is_still_a_problem():
    found = problems([row("today", "day"), row("date", "d", "D", relevant="${d} < ${day}")])
    assert found == ["field d (survey sheet, row 3, column relevant): relevant '${d} < ${day}' reads ${day}, which is "
                     "left out (today, which the device records by itself)"]


UNSUPPORTED = ["geopoint", "geotrace", "geoshape", "image", "audio", "video", "file", "barcode",
               "select_one_from_file places.csv", "select_multiple_from_file places.csv", "rank yn", "trigger"]


@pytest.mark.parametrize("written", UNSUPPORTED)
def test_an_unsupported_type_is_a_located_problem(written):
    found = problems([row("integer", "a", "A"), row(written, "thing", "Thing")])
    assert len(found) == 1 and found[0].startswith(f"field thing (survey sheet, row 3, column type): is {written!r}")
    assert found[0].endswith("which cannot be imported (--skip-unsupported leaves it out)")


@pytest.mark.parametrize("written", UNSUPPORTED)
def test_an_unsupported_type_is_left_out_and_listed_when_asked(written):
    result = imported([row("integer", "a", "A"), row(written, "thing", "Thing")], skip_unsupported=True)
    assert [field.name for field in spec_of(result).fields] == ["a"]
    assert result.skipped == [f"thing (survey sheet, row 3): {written}"]


def test_a_choice_filter_cannot_be_imported():
    rows = [row("select_one yn", "a", "A"), row("select_one yn", "b", "B") + ["${a} = 'yes'"]]
    raw = workbook([HEAD + ["choice_filter"], *rows], YES_NO)
    assert problems(raw=raw) == ["field b (survey sheet, row 3, column choice_filter): is filtered by a choice_filter "
                                 "(choices that depend on earlier answers), which cannot be imported "
                                 "(--skip-unsupported leaves it out)"]
    assert read_xlsform(raw, "f.xlsx", skip_unsupported=True).skipped == ["b (survey sheet, row 3): choice_filter"]


def test_a_repeat_and_everything_in_it_is_left_out_when_asked():
    rows = [row("integer", "a", "A"), row("begin repeat", "household", "Members"), row("text", "member", "Name"),
            row("begin group", "inner", ""), row("integer", "age", "Age"), row("end group", ""),
            row("end repeat", ""), row("integer", "b", "B")]
    assert problems(rows) == ["field household (survey sheet, row 3, column type): is a repeat (begin repeat … end "
                              "repeat), which cannot be imported (--skip-unsupported leaves it out)"]
    result = imported(rows, skip_unsupported=True)
    assert [field.name for field in spec_of(result).fields] == ["a", "b"]
    assert result.skipped == ["household (survey sheet, row 3): repeat",
                              "member (survey sheet, row 4): inside the repeat household",
                              "age (survey sheet, row 6): inside the repeat household"]


def test_the_logic_of_a_kept_field_is_never_dropped():
    rows = [row("geopoint", "where", "Where"), row("integer", "a", "A", relevant="${where} != ''")]
    assert problems(rows, skip_unsupported=True) == [
        "field a (survey sheet, row 3, column relevant): relevant \"${where} != ''\" reads ${where}, which is left out "
        "(geopoint, which cannot be imported)"]


def test_a_group_left_empty_is_dropped_and_noted():
    result = imported([row("begin group", "maps", "Maps"), row("geopoint", "where", "Where"), row("end group", ""),
                       row("begin group", "rest", "Rest"), row("integer", "a", "A"), row("end group", "")],
                      skip_unsupported=True)
    assert [section.name for section in spec_of(result).sections] == ["rest"]
    assert "groups with nothing left to ask (row 2) were left out" in result.notes


# --- classification, languages, settings

def test_the_classification_column_wins_and_every_other_field_is_spi_and_listed():
    result = imported([row("integer", "a", "A", classification="non_pii"), row("text", "b", "B", classification="PII"),
                       row("text", "c", "C"), row("note", "n", "Note"), row("calculate", "s", calculation="${a} + 1")])
    classes = {field.name: field.classification for field in spec_of(result).fields}
    assert classes == {"a": Classification.NON_PII, "b": Classification.PII, "c": Classification.SPI,
                       "n": Classification.NON_PII, "s": Classification.SPI}
    assert result.defaulted_spi == ["c", "s"]


def test_an_unknown_class_is_the_checkers_problem_at_its_cell():
    assert problems([row("integer", "a", "A", classification="secret")]) == [
        "fields[0] (a).classification (survey sheet, row 2, column classification): 'secret' is not one of: "
        "non_pii, pii, spi"]


def test_a_score_less_protected_than_its_inputs_points_at_its_class():
    found = problems([row("integer", "a", "A"),
                      row("calculate", "s", calculation="${a} * 2", classification="non_pii")])
    assert found[0].startswith("fields[1] (s).classification (survey sheet, row 3, column classification): is non_pii")


BILINGUAL = ["type", "name", "label::English (en)", "label::Español (es)", "hint::English (en)", "hint::Español (es)"]


@pytest.mark.parametrize("head, default, languages", [
    (BILINGUAL, "Español (es)", ("es", "en")),
    (BILINGUAL, "es", ("es", "en")),
    (BILINGUAL, None, ("en", "es")),
    (["type", "name", "label", "label::es", "hint", "hint::es"], "English", ("en", "es")),
    (["type", "name", "label::en", "label::es", "hint::en", "hint::es"], "fr", ("en", "es")),
    (["type", "name", "label::English", "label::Spanish", "hint::English", "hint::Spanish"], None, ("en", "es")),
])
def test_label_and_hint_columns_become_the_surveys_languages_the_default_first(head, default, languages):
    choices = [["list_name", "name", head[2], head[3]], ["yn", "yes", "Yes", "Sí"]]
    settings_rows = [["form_id", "default_language"], ["f", default]] if default else [["form_id"], ["f"]]
    raw = workbook([head, ["integer", "age", "Age", "Edad", "Years", "Años"], ["select_one yn", "ok", "OK?", "¿OK?"]],
                   choices, settings_rows)
    result = read_xlsform(raw, "f.xlsx")
    spec = spec_of(result)
    texts = {"en": ("Age", "Years", "Yes", "OK?"), "es": ("Edad", "Años", "Sí", "¿OK?")}
    first, other = languages
    assert spec.languages == languages
    assert (spec.fields[0].label, spec.fields[0].help, spec.fields[1].choices[0].label, spec.fields[1].label) == \
        texts[first]
    keys = ["field.age.label", "field.age.help", "choice.ok.yes", "field.ok.label"]
    assert spec.translations == {other: dict(zip(keys, texts[other], strict=True))}
    assert not any("set aside" in note for note in result.notes)
    assert any(note == "default_language 'fr' has no labels, so English (en) is the first language"
               for note in result.notes) is (default == "fr")


def test_the_label_column_without_a_named_language_is_taken_to_be_english_and_noted():
    raw = workbook([["type", "name", "label", "label::Français (fr)"], ["integer", "a", "Age", "Âge"]], None)
    result = read_xlsform(raw, "f.xlsx")
    spec = spec_of(result)
    assert (spec.languages, spec.fields[0].label, spec.translations) == (("en", "fr"), "Age",
                                                                        {"fr": {"field.a.label": "Âge"}})
    assert "the label column names no language, so it is taken to be English (en); settings' default_language says " \
           "which it is" in result.notes


def test_one_language_column_gives_a_survey_in_that_language():
    raw = workbook([["type", "name", "label::العربية (ar)"], ["integer", "a", "العمر"]], None,
                   [["form_id", "form_title"], ["f", "استطلاع"]])
    spec = spec_of(read_xlsform(raw, "f.xlsx"))
    assert (spec.languages, spec.title, spec.fields[0].label, spec.translations) == (("ar",), "استطلاع", "العمر", {})


def test_a_language_heading_or_default_language_that_cannot_be_told_is_a_located_problem():
    raw = workbook([["type", "name", "label::English (en)", "label::Klingon", "hint::tlh (Klingon!)"],
                    ["integer", "a", "Age", "nIteb", ""]], None, [["form_id", "default_language"], ["f", "Elvish"]])
    assert problems(raw=raw) == [
        "survey sheet (survey sheet, row 1, column label::Klingon): names a language this import cannot tell: write "
        "it as Name (code), like Español (es)",
        "survey sheet (survey sheet, row 1, column hint::tlh (Klingon!)): names a language this import cannot tell: "
        "write it as Name (code), like Español (es)",
        "settings (settings sheet, row 2, column default_language): default_language 'Elvish' names a language this "
        "import cannot tell: write it as Name (code), like Español (es)"]


def test_a_text_missing_in_a_language_shows_the_first_languages_and_is_noted():
    raw = workbook([BILINGUAL, ["integer", "a", "Age", "", "", "Años"], ["integer", "b", "", "Peso", "", ""]],
                   [["list_name", "name", "label::English (en)", "label::Español (es)"]])
    result = read_xlsform(raw, "f.xlsx")
    spec = spec_of(result)
    assert [f.label for f in spec.fields] == ["Age", "Peso"] and spec.fields[0].help == "Años"
    assert spec.translations == {"es": {}}  # what shows the same text in both is no translation
    assert "texts with nothing in Spanish (es) show the English (en) text there (survey sheet, row 2)" in result.notes
    assert "texts with nothing in English (en) show the Spanish (es) text there (survey sheet, rows 2, 3)" in \
        result.notes


def test_settings_texts_are_in_every_language():
    raw = workbook([BILINGUAL, ["integer", "a", "Age", "Edad", "", ""]], None,
                   [["form_id", "form_title", "form_title::Español (es)", "description"],
                    ["f", "Wellbeing", "Bienestar", "Same in both"]])
    spec = spec_of(read_xlsform(raw, "f.xlsx"))
    assert (spec.title, spec.description) == ("Wellbeing", "Same in both")
    assert spec.translations["es"] == {"title": "Bienestar", "field.a.label": "Edad"}
    untitled = spec_of(read_xlsform(workbook([BILINGUAL, ["integer", "a", "Age", "Edad", "", ""]], None,
                                             [["form_id"], ["f"]]), "f.xlsx"))
    assert untitled.title == "f" and "title" not in untitled.translations["es"]


def test_a_cell_empty_in_the_language_used_takes_another_languages_text():
    raw = workbook([["type", "name", "label", "label::es"], ["select_one yn", "a", "", "¿Sí?"]],
                   [["list_name", "name", "label::English (en)"], ["yn", "yes", "Yes"]])
    field = spec_of(read_xlsform(raw, "f.xlsx")).fields[0]
    assert (field.label, field.choices) == ("¿Sí?", (Choice("yes", "Yes"),))


@pytest.mark.parametrize("form_id, slug, noted", [
    ("household-2026", "household-2026", False), ("Household_Survey 2026", "household-survey-2026", True),
    ("Enquête (v2)!", "enqute-v2", True), (2026, "2026", False)])
def test_the_slug_comes_from_form_id_adapted_to_our_pattern(form_id, slug, noted):
    raw = workbook([HEAD, row("integer", "a", "A")], None, [["form_title", "form_id"], ["Title", form_id]])
    result = read_xlsform(raw, "f.xlsx")
    assert (spec_of(result).slug, spec_of(result).title) == (slug, "Title")
    assert any("became the slug" in note for note in result.notes) is noted


def test_without_settings_the_file_name_gives_the_slug_and_the_title():
    result = read_xlsform(workbook([HEAD, row("integer", "a", "A")], None, None), "My Survey.xlsx")
    assert (spec_of(result).slug, spec_of(result).title) == ("my-survey", "My Survey")
    assert len([note for note in result.notes if "the settings sheet gives no" in note]) == 2
    assert "purpose" not in result.data


def test_unread_columns_and_renamed_names_are_noted():
    raw = workbook([HEAD + ["default", "constraint_message"], row("integer", "Age-1", "A") + ["3", "Too old"]], None)
    result = read_xlsform(raw, "f.xlsx")
    assert spec_of(result).fields[0].name == "age_1"
    assert "names changed to lower case, with _ for - and .: Age-1 → age_1" in result.notes
    assert "columns set aside: default (row 2); constraint_message (row 2)" in result.notes


def test_imported_data_is_located_for_the_checker():
    result = imported([row("begin group", "g", "G"), row("select_one yn", "a", "A", relevant="1 = 1"),
                       row("end group", "")])
    section = result.data["sections"][0]
    field = section["fields"][0]
    assert isinstance(result.data, Located) and isinstance(section["fields"], LocatedList)
    assert result.data.lines["slug"] == "settings sheet, row 2, column form_id"
    assert (field.line, field.lines["show_if"]) == ("survey sheet, row 3", "survey sheet, row 3, column relevant")
    assert field["choices"][1].lines["value"] == "choices sheet, row 3, column name"


# --- files that are not XLSForms

def _xlsx_without_survey() -> bytes:
    return workbook([["type", "name"]], None, None)


@pytest.mark.parametrize("raw, message", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "file: is a PDF document, not an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "file: is an old Excel 97-2003 .xls file"),
    (b"", "file: is not an Excel workbook (.xlsx) that can be read"),
    (b"type,name,label\ntext,a,A\n", "file: is not an Excel workbook (.xlsx) that can be read"),
])
def test_a_file_that_is_not_a_workbook_is_one_clear_problem(raw, message):
    found = problems(raw=raw)
    assert len(found) == 1 and found[0].startswith(message)


def test_a_workbook_without_a_survey_sheet_or_with_an_empty_one():
    empty = openpyxl.Workbook()
    out = io.BytesIO()
    empty.save(out)
    assert problems(raw=out.getvalue()) == ["file: has no sheet named survey, where an XLSForm lists its questions "
                                            "(sheets: Sheet)"]
    assert problems(raw=workbook([], None, None)) == [
        "survey sheet (survey sheet): is empty: it needs a row of headings (type, name, label) and a row for each "
        "question"]


def test_a_survey_sheet_without_a_type_column_says_so():
    assert problems(raw=workbook([["Household survey"], ["name", "label"], ["a", "A"]], None)) == [
        "survey sheet (survey sheet, row 1): has no type column: its first row must name the columns (type, name, "
        "label…)"]


def test_a_calculation_with_no_name_is_left_out_and_noted():
    result = imported([row("calculate", "", calculation="1 + 1"), row("integer", "a", "A")])
    assert [field.name for field in spec_of(result).fields] == ["a"]
    assert "calculations with no name (row 2) were left out: nothing could read them" in result.notes


def test_a_zip_that_is_not_a_workbook_and_a_cut_off_workbook():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("hello.txt", "not a workbook")
    assert problems(raw=archive.getvalue())[0].startswith("file: is not an Excel workbook (.xlsx) that can be read")
    whole = workbook([HEAD, row("integer", "a", "A")])
    assert problems(raw=whole[: len(whole) // 2])[0].startswith("file: is not an Excel workbook")


def test_a_workbook_zipped_in_a_way_zipfile_cannot_open_is_a_problem():
    raw = bytearray(WHOLE_BOOK)
    for header, method_at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # each member's compression method
        for found in re.finditer(re.escape(header), bytes(raw)):
            raw[found.start() + method_at:found.start() + method_at + 2] = (99).to_bytes(2, "little")
    assert problems(raw=bytes(raw))[0].startswith("file: is not an Excel workbook (.xlsx) that can be read")


def test_a_file_past_the_limit_is_refused_unread():
    assert problems(raw=b"PK" + bytes(MAX_BYTES)) == ["file: is larger than 10 MB, too large to be a survey definition"]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_are_a_problem_never_a_crash(raw):
    with pytest.raises(DefinitionError):
        read_xlsform(raw, "random.xlsx")


WHOLE_BOOK = workbook([HEAD, row("integer", "a", "A")])


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(WHOLE_BOOK) - 1), st.integers(1, 255))
def test_a_damaged_workbook_is_a_problem_or_still_read_never_a_crash(offset, flip):
    damaged = bytearray(WHOLE_BOOK)
    damaged[offset] ^= flip
    try:
        spec_of(read_xlsform(bytes(damaged), "damaged.xlsx"))
    except DefinitionError as exc:
        assert exc.problems


# --- the export, and round trips

def round_trip(spec):
    """Written out, then read back with the purpose filled in as the command fills it."""
    result = read_xlsform(write_xlsform(spec), f"{spec.slug}.xlsx")
    return check_definition(result.data | {"purpose": spec.purpose})


def test_the_demo_survey_comes_back_unchanged():
    demo = load_definition(DEMO)
    assert round_trip(demo) == demo


EVERYTHING = """
slug: everything
title: "Every type, and the logic between them"
purpose: research
purpose_description: To test the export.
description: "A description with 'quotes' and \\"double quotes\\"."
min_age: 21
retention_days: 365
fields:
  - {name: mail, label: Email, type: email, classification: pii}
  - {name: story, label: Your story, type: textarea, classification: spi, help: As long as you like.}
  - {name: code, label: Code, type: text, pattern: "[A-Z]{2}[0-9]+", classification: non_pii}
  - {name: age, label: Age, type: integer, role: age, min: 21, max: 120, classification: pii, required: true}
  - {name: temp, label: Temperature, type: number, min: -40.5, max: 45, classification: non_pii}
  - {name: smoker, label: "Smoke?", type: boolean, classification: spi}
  - {name: digits, label: Digits, type: choice, choices: ["1", "2"], classification: non_pii}
  - name: quoted
    label: Quoted
    type: multi_choice
    classification: non_pii
    choices: ["it's", 'say "hi"', "both ' and \\"", "two  spaces", "two_spaces"]
  - {name: adult, type: calculated, formula: "age >= 18", classification: pii}
  - {name: half, type: calculated, formula: "mean(age, temp)", classification: pii}
  - {name: grown, label: Grown up, type: note, show_if: "adult == true and smoker != true"}
  - {name: why, label: "Why?", type: text, classification: spi, show_if: '''it\\''s'' in quoted or not answered(code)'}
  - {name: when, label: When, type: datetime, classification: non_pii, show_if: "digits != '2' and count(quoted) > 1"}
  - {name: score, type: calculated, classification: spi, formula: "if(smoker == true, round(age / 3, 1), null)"}
"""


def test_a_survey_of_every_type_comes_back_unchanged():
    spec = parse_definition(EVERYTHING)
    assert round_trip(spec) == spec


def test_an_imported_xlsform_written_out_and_read_again_is_the_same_survey():
    choices = YES_NO + [["scale", "0", "Never"], ["scale", "1", "Often"], ["ms", "x", "X"], ["ms", "y", "Y"]]
    spec = spec_of(imported([
        row("integer", "age", "Age", constraint=". >= 18 and . <= 120", classification="pii", hint="In years"),
        row("begin group", "habits", "Habits", relevant="${age} >= 18", hint="About habits"),
        row("select_one yn", "smokes", "Smoke?", appearance="minimal", required="yes"),
        row("begin group", "detail", "", relevant="${smokes} = 'yes'"),
        row("integer", "cigs", "How many?", relevant="${age} > 20"), row("end group", ""),
        row("select_multiple ms", "m", "M"),
        row("calculate", "total", calculation="coalesce(${cigs}, 0) + count-selected(${m})"),
        row("calculate", "most", calculation="max(${cigs}, ${age})"),
        row("end group", ""),
        row("begin group", "mood", "Mood", appearance="table-list", relevant="${smokes} != 'no'"),
        row("select_one scale", "m1", "Down"), row("select_one scale", "m2", "Tired", required="yes"),
        row("end group", ""),
        row("date", "seen", "Seen", constraint=". > date('2020-01-01')"),
        row("text", "zip", "Zip", constraint="regex(., '[0-9]{5}')"),
        row("note", "bye", "Bye", relevant="string-length(${zip}) > 0 and selected(${m}, 'x')")], choices))
    assert round_trip(spec) == spec
    assert {f.name: f.formula for f in spec.fields if f.formula} == {
        "total": "if(answered(cigs), cigs, 0) + count(m)",
        "most": "if(answered(cigs) and answered(age), max(cigs, age), null)"}


def test_the_export_is_an_xlsform_with_its_three_sheets():
    demo = load_definition(DEMO)
    book = openpyxl.load_workbook(io.BytesIO(write_xlsform(demo)))
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey = list(book["survey"].iter_rows(values_only=True))
    assert survey[0][:3] == ("type", "name", "label") and "classification" in survey[0]
    assert survey[1][:3] == ("begin group", "about_you", "About you")
    settings_rows = list(book["settings"].iter_rows(values_only=True))
    assert dict(zip(settings_rows[0], settings_rows[1], strict=True))["form_id"] == "wellbeing-demo"
    phq = [line for line in survey if line[1] == "phq"][0]
    assert phq[0] == "begin group" and "table-list" in phq


def test_a_survey_in_two_languages_comes_back_unchanged_with_a_column_per_language():
    spec = parse_definition(SPEC_IN_TWO_LANGUAGES)
    assert round_trip(spec) == spec
    book = openpyxl.load_workbook(io.BytesIO(write_xlsform(spec)))
    survey = list(book["survey"].iter_rows(values_only=True))
    assert survey[0][:6] == ("type", "name", "label::English (en)", "label::Spanish (es)", "hint::English (en)",
                             "hint::Spanish (es)")
    assert survey[1][:4] == ("begin group", "about_you", "About you", "Sobre usted")
    assert list(book["choices"].iter_rows(values_only=True))[0][:4] == ("list_name", "name", "label::English (en)",
                                                                         "label::Spanish (es)")
    settings_rows = list(book["settings"].iter_rows(values_only=True))
    settings_of = dict(zip(settings_rows[0], settings_rows[1], strict=True))
    assert (settings_of["default_language"], settings_of["form_title::Spanish (es)"]) == ("English (en)",
                                                                                           "Encuesta de bienestar")


def test_a_survey_in_arabic_first_comes_back_unchanged():
    spec = parse_definition("slug: s\nlanguages: [ar, en]\ntitle: {ar: استطلاع, en: Survey}\npurpose: p\nfields:\n"
                            "  - {name: q, type: choice, classification: pii, label: {ar: 'ما عمرك؟', en: 'Age?'},\n"
                            "     choices: [{value: 1, label: {ar: واحد, en: One}}, {value: 2}]}\n"
                            "  - {name: ok, type: boolean, classification: pii, label: {ar: موافق, en: OK}}\n")
    assert round_trip(spec) == spec
    header = next(openpyxl.load_workbook(io.BytesIO(write_xlsform(spec)))["survey"].iter_rows(values_only=True))
    assert header[2:4] == ("label::Arabic (ar)", "label::English (en)")


def test_a_label_that_looks_like_a_formula_stays_text():
    spec = parse_definition("slug: s\ntitle: T\npurpose: p\nfields:\n"
                            "  - {name: q, label: '=1+1', type: text, classification: pii}\n")
    assert round_trip(spec).fields[0].label == "=1+1"


@pytest.mark.parametrize("field, message", [
    ("{name: m, type: calculated, classification: pii, formula: 'max(a, b)'}",
     "field m: formula 'max(a, b)' cannot be written as XPath: max() skips unanswered questions here"),
    ("{name: m, type: calculated, classification: pii, formula: 'years(d)'}", "years() has no XPath counterpart"),
    ("{name: m, type: calculated, classification: pii, formula: 'sum(a * 2, b)'}", "sum() of something other than"),
    ("{name: m, type: text, classification: pii, show_if: 'a + b != 3'}", "compares 'a + b' with !="),
    ("{name: m, type: time, classification: pii, min: '08:00'}", "bounds on a time answer have no reliable XPath"),
])
def test_the_export_refuses_what_xpath_cannot_say_exactly(field, message):
    spec = parse_definition("slug: s\ntitle: T\npurpose: p\nfields:\n"
                            "  - {name: a, type: integer, classification: pii}\n"
                            "  - {name: b, type: integer, classification: pii}\n"
                            "  - {name: d, type: date, classification: pii}\n"
                            f"  - {field}\n")
    with pytest.raises(DefinitionError) as caught:
        write_xlsform(spec)
    assert len(caught.value.problems) == 1 and message in str(caught.value.problems[0])


# --- the XPath translator, both ways

ANSWERS = {"n1": Answer("n1", "number"), "n2": Answer("n2", "number"), "t1": Answer("t1", "text"),
           "d1": Answer("d1", "date"), "c1": Answer("c1", "choice", {"0": 0, "1": 1, "2": 2}),
           "c2": Answer("c2", "choice", {"a": "a", "b_c": "b c"}), "m1": Answer("m1", "multi", {"x": "x", "y": "y"}),
           "b1": Answer("b1", "boolean", {"true": True, "false": False})}
numbers = st.one_of(st.integers(0, SAFE_INTEGER),
                    st.floats(0, 1e15, allow_nan=False).filter(lambda value: not value.is_integer()))
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6)
numeric_names = st.sampled_from([("name", "n1"), ("name", "n2")])
simple = st.one_of(numbers.map(lambda value: ("lit", value)), numeric_names, st.just(("call", "today", ())),
                   st.just(("call", "count", (("name", "m1"),))))


def _values(children):
    return st.one_of(
        st.tuples(st.just("op"), st.sampled_from(["+", "-", "*", "/", "^"]), children, children),
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("call"), st.just("round"), st.tuples(children, st.integers(0, 3).map(lambda n: ("lit", n)))),
        st.tuples(st.just("call"), st.just("abs"), st.tuples(children)),
        st.tuples(st.just("call"), st.sampled_from(["sum", "mean"]), st.lists(numeric_names, min_size=1, max_size=3)
                  .map(tuple)))


values = st.recursive(simple, _values, max_leaves=6)
coded = st.sampled_from([("c1", 0), ("c1", 2), ("c2", "a"), ("c2", "b c"), ("b1", True), ("b1", False)])
comparisons = st.one_of(
    st.tuples(st.just("op"), st.sampled_from(["==", "<", "<=", ">", ">="]), values, values),
    st.builds(lambda op, pair, flip: ("op", op, *((("lit", pair[1]), ("name", pair[0]))[::-1 if flip else 1])),
              st.sampled_from(["==", "!="]), coded, st.booleans()),
    st.builds(lambda name, value: ("op", "!=", name, value), numeric_names,
              st.one_of(numbers.map(lambda value: ("lit", value)), numeric_names)),
    st.builds(lambda text: ("op", "==", ("name", "t1"), ("lit", text)), texts),
    st.builds(lambda text: ("op", "<", ("name", "d1"), ("lit", text)), texts),
    st.sampled_from(["x", "y"]).map(lambda code: ("op", "in", ("lit", code), ("name", "m1"))),
    st.sampled_from(["t1", "c2", "m1", "n1"]).map(lambda name: ("call", "answered", (("name", name),))))
conditions = st.recursive(comparisons, lambda children: st.one_of(
    st.tuples(st.just("op"), st.sampled_from(["and", "or"]), children, children),
    st.tuples(st.just("not"), children)), max_leaves=6)
formulas = st.one_of(values, st.tuples(st.just("call"), st.just("if"),
                                       st.tuples(conditions, values, st.one_of(values, st.just(("lit", None))))))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.one_of(conditions.map(lambda tree: (tree, True)), formulas.map(lambda tree: (tree, False))))
def test_our_trees_written_as_xpath_read_back_as_the_same_tree(case):
    tree, condition = case
    assume(fold(tree) == tree)  # a tree that already is one of the export's idioms reads back as what it means
    xpath = write_xpath(tree, ANSWERS, condition=condition)
    assert read_xpath(xpath, ANSWERS, condition=condition) == tree, xpath
    assert parse(to_source(tree)).tree == tree  # and it is a tree our own parser makes


@pytest.mark.parametrize("source, xpath", [
    ("n1 != 3", "${n1} != 3 and ${n1} != ''"), ("not answered(t1)", "${t1} = ''"),
    ("c2 == 'b c'", "${c2} = 'b_c'"), ("b1", "${b1} = 'true'"), ("'x' in m1", "selected(${m1}, 'x')"),
    ("sum(n1, n2)", "if(${n1} = '' and ${n2} = '', '', coalesce(${n1}, 0) + coalesce(${n2}, 0))"),
    ("n1 ^ 2 / (n2 - 1)", "pow(${n1}, 2) div (${n2} - 1)"),
    ("t1 == 'it\\'s \"x\"'", "${t1} = concat('it', \"'\", 's \"x\"')")])
def test_the_xpath_written_reads_as_odk_authors_write_it(source, xpath):
    condition = source != "sum(n1, n2)" and "^" not in source
    assert write_xpath(parse(source).tree, ANSWERS, condition=condition) == xpath


XPATH_PIECES = ["${a}", "${m}", ".", "..", "/x", "(", ")", ",", "'x'", '"y"', "''", "1", "2.5", "-", "+", "*", "div",
                "mod", "=", "!=", "<", ">=", "and", "or", "not(", "if(", "selected(", "count-selected(", "max(",
                "string-length(", "coalesce(", "concat(", "date(", "regex(", "true()", "|", "today()", "$", "}", "‘",
                "9" * 400, "9" * 5000, "0.0000000001"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(XPATH_PIECES), min_size=1, max_size=12).map("".join), st.booleans())
def test_any_xpath_text_is_translated_or_refused_never_a_crash(text, condition):
    answers = {"a": Answer("a", "number"), "m": Answer("m", "multi", {"x": "x"})}
    try:
        tree = read_xpath(text, answers, condition=condition)
    except XPathError as exc:
        assert exc.message
    else:
        assert parse(to_source(tree)).tree == tree


def test_xpath_nested_past_our_own_limit_is_refused():
    found = problems([row("integer", "a", "A"),
                      row("integer", "q", "Q", relevant=" + ".join(["${a}"] * 300) + " > 0")])
    assert found[0].endswith("is nested too deeply")
