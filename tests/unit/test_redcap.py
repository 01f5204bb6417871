"""REDCap data dictionaries in and out: every field type and validation, both heading styles and encodings, logic
translated exactly or refused where it is, classification failing closed, --skip-unsupported, and round trips."""
import csv
import io
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from models.choices import Choice
from models.definition import DefinitionError, check_definition, load_definition, parse_definition
from models.expressions import evaluate, parse, to_source
from models.interop.common import MAX_BYTES
from models.interop.redcap import read_redcap
from models.interop.redcap_logic import LogicError, Operand, from_redcap
from models.interop.redcap_logic_out import to_redcap
from models.interop.redcap_out import write_redcap
from models.interop.redcap_types import COLUMNS, PATTERNS
from models.submission import compiled_pattern
from models.vocabulary import Appearance, Classification, FieldType

DATA = Path(__file__).parent.parent / "data" / "redcap"
FILLED = {"slug": "s", "title": "T", "purpose": "p"}  # what the command fills in from its options
LOGIC = "Branching Logic (Show field only if...)"
KEYS = ("name", "form", "header", "type", "label", "choices", "note", "validation", "min", "max", "identifier",
        "logic", "required", "align", "qnum", "matrix", "ranking", "annotation")


def read(name: str, **options):
    return read_redcap((DATA / name).read_bytes(), name, **options)


def checked(imported):
    return check_definition(imported.data | FILLED)


def by_name(spec) -> dict:
    return {f.name: f for f in spec.fields}


def dictionary(*rows: dict) -> bytes:
    """A data dictionary with REDCap's headings; its first row is the record id."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading for _, heading in COLUMNS])
    for row in ({"name": "record_id", "form": "f", "type": "text", "label": "ID"},) + rows:
        writer.writerow([row.get(key, "") for key in KEYS])
    return out.getvalue().encode()


def field(name: str, type: str = "text", **cells) -> dict:
    return {"name": name, "form": "f", "type": type, "label": name.capitalize(), **cells}


def problems(raw: bytes, **options) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        read_redcap(raw, "d.csv", **options)
    return [str(problem) for problem in caught.value.problems]


def test_every_field_type_and_validation_becomes_ours():
    imported = read("all_types.csv")
    spec = checked(imported)
    fields = by_name(spec)
    assert "record_id" not in fields  # REDCap's record id is not a question
    assert [s.name for s in spec.sections] == ["intake", "contact", "health"]
    assert [s.title for s in spec.sections] == ["Intake", "Contact", "Health"]
    types = {name: f.type.value for name, f in fields.items()}
    assert types["email"] == "email" and types["comments"] == "textarea" and types["intro_phq"] == "note"
    assert {types[n] for n in ("dob", "visit_date", "ymd_date")} == {"date"}
    assert {types[n] for n in ("appt", "appt_mdy", "appt_dmy", "appt_s", "appt_s_mdy", "appt_s_dmy")} == {"datetime"}
    assert types["bedtime"] == "time" and types["children"] == types["legacy_int"] == "integer"
    assert {types[n] for n in ("weight", "height", "w1", "w2", "w3", "w4", "wc", "wc1", "wc2", "wc3", "wc4")} == {
        "number"}
    assert fields["dob"].min == "1900-01-01" and fields["dob"].max == "2010-12-31"  # M-D-Y bounds made ISO
    assert fields["visit_date"].min == "1999-12-31"
    assert fields["appt"].min == "2020-01-01T08:00:00Z" and fields["appt_mdy"].min == "2019-12-31T23:00:00Z"
    assert fields["appt_s"].min == "2020-01-01T08:00:30Z"
    assert (fields["bedtime"].min, fields["bedtime"].max) == ("18:00", "23:59")
    assert (fields["weight"].min, fields["weight"].max, fields["children"].max) == (2.5, 300, 20)
    patterns = {f.pattern for f in fields.values() if f.pattern}
    assert patterns == set(PATTERNS.values())
    assert fields["sex"].choices[2] == Choice(3, "Another, or prefer not to say")  # a label may hold commas
    assert fields["clinic"].appearance is Appearance.DROPDOWN and fields["clinic"].choices[0] == Choice("n", "North")
    assert fields["smoker"].choices == (Choice(1, "Yes"), Choice(0, "No"))
    assert fields["consent"].choices == (Choice(1, "True"), Choice(0, "False"))
    assert (fields["mood"].type, fields["mood"].min, fields["mood"].max) == (FieldType.INTEGER, 0, 100)
    assert (fields["pain"].min, fields["pain"].max) == (0, 10)
    assert fields["pain"].help == "Move the slider. (None … Worst imaginable)"
    assert fields["meds"].type is FieldType.MULTI_CHOICE and fields["meds"].choices[-1] == Choice(99, "None of these")
    assert fields["full_name_header"].type is FieldType.NOTE and fields["full_name_header"].label == "About you"
    assert [m.name for m in spec.matrices] == ["phq"]
    assert spec.matrices[0].label == "Over the last two weeks, how often have you been bothered by…"
    assert [f.name for f in spec.fields if f.matrix == "phq"] == ["phq1", "phq2", "phq3"]
    assert fields["phq1"].required and not fields["phq3"].required
    assert fields["phq_total"].formula == "sum(phq1, phq2, phq3)"
    assert fields["bmi"].formula == "round(weight / (height / 100) ^ 2, 1)"
    assert fields["age"].formula == "years(dob)"
    assert any("@HIDDEN-SURVEY" in note and note.startswith("dob:") for note in imported.notes)
    assert any(note.startswith("w1, w2, w3, w4, wc,") for note in imported.notes)
    assert any("read as UTC" in note for note in imported.notes)


@pytest.mark.parametrize("validation, expected", [
    ("date_ymd", "date"), ("date_mdy", "date"), ("date_dmy", "date"), ("datetime_ymd", "datetime"),
    ("datetime_mdy", "datetime"), ("datetime_dmy", "datetime"), ("datetime_seconds_ymd", "datetime"),
    ("datetime_seconds_mdy", "datetime"), ("datetime_seconds_dmy", "datetime"), ("time", "time"),
    ("integer", "integer"), ("number", "number"), ("number_1dp", "number"), ("number_2dp", "number"),
    ("number_3dp", "number"), ("number_4dp", "number"), ("number_comma_decimal", "number"),
    ("number_1dp_comma_decimal", "number"), ("number_2dp_comma_decimal", "number"),
    ("number_3dp_comma_decimal", "number"), ("number_4dp_comma_decimal", "number"), ("email", "email"),
    *((name, "text") for name in PATTERNS),
])
def test_each_validation_redcap_lists_has_its_type(validation, expected):
    spec = checked(read_redcap(dictionary(field("q", validation=validation, annotation="@NON-PII")), "d.csv"))
    assert spec.fields[0].type.value == expected
    assert spec.fields[0].pattern == PATTERNS.get(validation)


@pytest.mark.parametrize("validation, good, bad", [
    ("alpha_only", "Abc", "ab1"), ("phone", "(615) 322-2222 ext 12", "123-456-7890"),
    ("phone_australia", "(02) 1234 5678", "01 1234 5678"), ("phone_uk", "+44 20 7946 0958", "020 79"),
    ("zipcode", "37212-1234", "3721"), ("postalcode_australia", "2000", "20000"),
    ("postalcode_canada", "k1a 0b1", "D1A 0B1"), ("postalcode_french", "75001", "99001"),
    ("postalcode_germany", "10115", "00115"), ("postalcode_uk", "SW1A 1AA", "sw1a 1aa"),
    ("ssn", "123-45-6789", "123456789"), ("mrn_10d", "0123456789", "123"), ("mrn_generic", "AB-12_c", "AB 12"),
    ("vmrn", "12345", "123"),
])
def test_validation_patterns_accept_what_redcap_accepts(validation, good, bad):
    pattern = compiled_pattern(PATTERNS[validation])
    assert pattern.fullmatch(good) and not pattern.fullmatch(bad)


@pytest.mark.parametrize("validation, why", [
    ("time_hh_mm_ss", "a time with seconds"), ("time_mm_ss", "minutes and seconds"), ("phone_fr", "does not know")])
def test_a_time_our_hh_mm_cannot_hold_or_an_unknown_validation_is_a_problem(validation, why):
    [found] = problems(dictionary(field("q", validation=validation)))
    assert found.startswith("field q (row 3, column Text Validation Type OR Show Slider Number): cannot be imported")
    assert why in found


def test_the_apis_headings_a_bom_and_labels_in_any_script_are_read():
    spec = checked(read("api_headings_bom.csv"))
    fields = by_name(spec)
    assert fields["edad"].label == "您的年龄是多少？" and fields["groesse"].label == "Größe (cm)"
    assert fields["fuma"].choices == (Choice(1, "Sí"), Choice(0, "Não"), Choice(9, "わからない"))
    assert fields["nombre"].help == "Nom et prénom — 名前"
    assert fields["study_id_header"].label == "Identificación"  # the record id's header stays, the field does not
    assert fields["cigarros"].show_if == "fuma == 1"
    assert fields["comentario"].show_if == "edad >= 65 or answered(fuma)"


def test_a_cp1252_file_with_curly_quotes_is_read_and_the_user_told():
    imported = read("cp1252.csv")
    fields = by_name(checked(imported))
    assert fields["cafe"].label == "Café or thé? “Yes” means café"
    assert fields["brand"].choices[1] == Choice(2, "Lavazza’s best")
    assert fields["cups"].show_if == "cafe == 1" and fields["brand"].show_if == "cups > 2"
    assert imported.notes[0].startswith("read as Windows-1252 (cp1252)")
    assert "cups, brand: its logic has curly quotes" in imported.notes[1]


LOGIC_EXPECTED = {
    "l_eq_double": "sex == 1", "l_eq_single": "sex == 1", "l_eq_bare": "sex == 1", "l_ne": "not sex == 1",
    "l_ne_bang": "not clinic == 'n'", "l_text": "clinic == 's'",
    "l_and_or": "a > 1 and b <= 3 or a < -2 and b >= 10", "l_box": "2 in meds",
    "l_box_not": "not 3 in meds and not 1 in meds", "l_blank": "not answered(nickname)",
    "l_answered": "answered(nickname)", "l_unequal": "b != 4", "l_date": "dob < '2000-01-01'",
    "l_years": "years(dob) >= 18", "l_time": "bedtime >= '09:30'",
    "l_fields": "a == b or not answered(a) and not answered(b)",
    "l_fields_ne": "not a == b and (answered(a) or answered(b))",
    "l_arith": "a * 2 + b / 4 - 1 > 3 and a ^ 2 < 100", "l_comment": "b >= 18",
    "l_calc": "c_sum > 10 and c_count >= 2",
    "c_sum": "sum(a, b, 2)", "c_min_max": "max(a, b) - min(a, b)", "c_mean": "mean(a, b)", "c_abs": "abs(a - b)",
    "c_round": "round(a / 3, 2) + round(b, 0)", "c_if": "if(sex == 1, a * 2, null)", "c_power": "a ^ 2 + 2 ^ -1",
    "c_neg": "-a + -(2 * b)", "c_count": "count(meds)", "c_ticked": "if(1 in meds, 1, 0) * 10 + if(3 in meds, 1, 0)",
    "c_age": "years(dob)", "c_chain": "c_sum * 2",
}


def test_branching_logic_and_calc_formulas_of_every_supported_form():
    fields = by_name(checked(read("logic.csv")))
    assert {name: fields[name].show_if or fields[name].formula for name in LOGIC_EXPECTED} == LOGIC_EXPECTED


@pytest.mark.parametrize("logic, values, shown", [
    ("[sex] <> '1'", {}, True),  # REDCap shows it for a blank sex: "" is not "1"
    ("[sex] <> '1'", {"sex": 1}, False),
    ("[b] <> '' and [b] <> 4", {}, False),
    ("[a] = [b]", {}, True),  # two blanks are equal in REDCap
    ("[a] = [b]", {"a": 1}, False),
    ("[a] <> [b]", {}, False),
    ("[meds(2)] = '0'", {}, True),  # an unticked checkbox is "0", never blank
    ("[meds(2)] = '0'", {"meds": [2]}, False),
    ("[nickname] = ''", {"nickname": None}, True),
])
def test_translated_logic_reads_a_blank_as_redcap_does(logic, values, shown):
    operands = {"sex": Operand("number"), "a": Operand("number"), "b": Operand("number"),
                "nickname": Operand("text"), "meds": Operand("checkbox", (1, 2, 3))}
    assert evaluate(parse(from_redcap(logic, operands)), values, date(2026, 1, 1)) is shown


def test_logic_that_cannot_be_translated_exactly_is_a_problem_at_its_cell_even_when_skipping():
    found = problems((DATA / "logic_problems.csv").read_bytes(), skip_unsupported=True)
    assert len(found) == 19 and all(f"column {LOGIC})" in problem for problem in found)
    expected = {"p_event": "[baseline_arm_1][x]: a field of another event", "p_smart": "[record-name]: a smart",
                "p_modifier": "[box:checked]: a smart variable or a piping modifier",
                "p_instance": "[x][2]: a field of another event or instance", "p_tag": "an action tag",
                "p_roundup": "uses roundup(", "p_sqrt": "uses sqrt([x])", "p_datediff": "only datediff([date],",
                "p_function": "frobnicate(), which is not a function", "p_whole_box": "the checkbox [box] whole",
                "p_unknown": "[nowhere], which is not a field", "p_record": "[record_id], the record id",
                "p_datetime": "no time zone", "p_box_blank": "an option is never blank",
                "p_chain": "chains comparisons",
                "p_syntax": "expects ')' but finds the end", "p_not": "REDCap has no 'not'",
                "p_text_number": "the text 'many' where a number is needed",
                "p_upload": "[upload], which is left out (a file upload)"}
    for name, text in expected.items():
        assert any(p.startswith(f"field {name} (row ") and text in p for p in found), name


def test_what_cannot_be_imported_is_a_problem_at_its_cell():
    found = problems((DATA / "unsupported.csv").read_bytes())
    assert found[:3] == ["field consent_form (row 4, column Field Type): cannot be imported: a file upload",
                         "field signature (row 5, column Field Type): cannot be imported: a signature",
                         "field lookup (row 6, column Field Type): cannot be imported: an sql field (choices from a "
                         "database query)"]
    assert "field future (row 11, column Text Validation Max): cannot be imported: Text Validation Max is " \
           "'today', a bound that moves each day" in found
    assert any(p.startswith("field label_calc (row 12, column Field Annotation)") and "@CALCTEXT" in p for p in found)
    assert any(p.startswith("field rank1 (row 13, column Matrix Ranking?)") for p in found)
    assert found[-1] == ("field root (row 15, column Choices, Calculations, OR Slider Labels): calc formula uses "
                         "sqrt([rank1]), which has no exact equivalent here")
    assert len(found) == 12


def test_skip_unsupported_leaves_them_out_lists_them_and_keeps_the_logic_of_the_rest():
    imported = read("unsupported.csv", skip_unsupported=True)
    fields = by_name(checked(imported))
    assert list(fields) == ["name", "rank1_header", "kept"]  # the header of a grid left out stays, as a note
    assert fields["kept"].show_if == "answered(name)"
    assert imported.skipped[0] == "consent_form (row 4): a file upload"
    assert imported.skipped[-1].startswith("from_root (row 16): its formula reads [root], which is left out")
    assert len(imported.skipped) == 13


def test_classification_tags_win_then_identifier_else_spi_listed():
    imported = read("classification.csv")
    classes = {name: f.classification.value for name, f in by_name(checked(imported)).items()}
    assert classes == {"t_pii": "pii", "t_spi": "spi", "t_non": "non_pii", "t_lower": "non_pii", "t_among": "non_pii",
                       "t_over_identifier": "non_pii", "t_identifier": "pii", "t_both": "spi", "t_longer": "spi",
                       "t_none": "spi", "t_calc": "spi"}
    assert imported.defaulted_spi == ["t_longer", "t_none", "t_calc"]


def test_a_score_tagged_less_strict_than_what_it_reads_is_refused_at_its_annotation():
    raw = dictionary(field("a", validation="integer", identifier="y"),
                     field("s", "calc", choices="[a] * 2", annotation="@NON-PII"))
    with pytest.raises(DefinitionError) as caught:
        checked(read_redcap(raw, "d.csv"))
    [problem] = caught.value.problems
    assert problem.line == "row 4, column Field Annotation" and "computed from pii answers" in problem.message


def test_the_checkers_problems_point_into_the_file():
    raw = dictionary(field("Bad_Name"), field("c", "radio", choices="1, A | 2, A"), field("n", "descriptive", label=""))
    with pytest.raises(DefinitionError) as caught:
        checked(read_redcap(raw, "d.csv"))
    lines = {problem.line for problem in caught.value.problems}
    assert lines == {"row 3, column Variable / Field Name", "row 4, column Choices, Calculations, OR Slider Labels",
                     "row 5, column Variable / Field Name"}


def test_matrix_groups_redcap_would_refuse_are_problems():
    assert problems((DATA / "bad_matrix.csv").read_bytes()) == [
        "field g2 (row 4, column Choices, Calculations, OR Slider Labels): has other choices than g1, the first row "
        "of its matrix group grp",
        "field g3 (row 5, column Section Header): has a Section Header inside its matrix group grp: only the first "
        "row's heads the grid",
        "matrix group grp (row 7, column Matrix Group Name): is split by other fields: a group's rows follow each "
        "other",
        "matrix group mixed (row 8, column Field Type): mixes or holds dropdown, radio fields: a matrix holds radio "
        "buttons or checkboxes"]


def test_a_grid_of_checkboxes_becomes_separate_multiple_choice_questions():
    raw = dictionary(field("c1", "checkbox", choices="1, Red | 2, Blue", matrix="ticks", header="Colours"),
                     field("c2", "checkbox", choices="1, Red | 2, Blue", matrix="ticks"))
    imported = read_redcap(raw, "d.csv")
    spec = checked(imported)
    assert [(f.name, f.type.value) for f in spec.fields] == [("c1_header", "note"), ("c1", "multi_choice"),
                                                             ("c2", "multi_choice")]
    assert not spec.matrices and "grid of checkboxes" in imported.notes[0]


@pytest.mark.parametrize("rows, expected", [
    ((field("q", "radio", choices="1 Yes | 2, No"),),
     "field q (row 3, column Choices, Calculations, OR Slider Labels): has the choice '1 Yes', which is not "
     "'code, label'"),
    ((field("q", "radio"),), "field q (row 3, column Choices, Calculations, OR Slider Labels): has no choices"),
    ((field("q", validation="integer", min="ten"),),
     "field q (row 3, column Text Validation Min): has the Text Validation Min 'ten', which is not a whole number"),
    ((field("q", validation="date_ymd", max="2020-02-30"),),
     "field q (row 3, column Text Validation Max): has the Text Validation Max '2020-02-30', which is not a date"),
    ((field("q", required="maybe"),),
     "field q (row 3, column Required Field?): Required Field? is 'maybe': REDCap writes y or nothing"),
    ((field("a"), {**field("b"), "form": "g"}, field("c")),
     "field c (row 5, column Form Name): is in the form f, which came before: REDCap keeps a form's fields together"),
    ((field("q", ""),), "field q (row 3, column Field Type): cannot be imported: no Field Type"),
])
def test_rows_redcap_would_refuse_are_problems_at_their_cells(rows, expected):
    assert expected in problems(dictionary(*rows))


def test_choice_codes_are_whole_numbers_only_when_every_code_is_one():
    raw = dictionary(field("a", "radio", choices="1, One | 2, Two"), field("b", "radio", choices="01, One | 2, Two"),
                     field("c", "dropdown", choices="1, One | x, Ex"),
                     field("d", "checkbox", choices="-9, Unknown | 1, A"))
    fields = by_name(checked(read_redcap(raw, "d.csv")))
    assert [c.value for c in fields["a"].choices] == [1, 2] and [c.value for c in fields["b"].choices] == ["01", "2"]
    assert [c.value for c in fields["c"].choices] == ["1", "x"] and [c.value for c in fields["d"].choices] == [-9, 1]


@pytest.mark.parametrize("raw, expected", [
    ((DATA / "empty.csv").read_bytes(), "file: is empty"), (b" \r\n ,, \r\n", "file: is empty"),
    ((DATA / "wrong_columns.csv").read_bytes(), "file (row 1): is not a REDCap data dictionary: its first row has "
     "none of REDCap's column headings; missing the columns Variable / Field Name (field_name), Form Name (form_name), "
     "Field Type (field_type), Field Label (field_label)"),
    (b"field_name,form_name,field_type\r\nrecord_id,f,text\r\n", "missing the columns Field Label (field_label)"),
    ((DATA / "binary.csv").read_bytes(), "file: is not a CSV text file: it holds NUL bytes"),
    (b"field_name,form_name,field_type,field_label,field_label\r\n", "has the column Field Label (field_label) twice"),
    (b"field_name,form_name,field_type,field_label\r\nrecord_id,f,text,ID\r\n", "has no fields besides the record id"),
    (b"field_name,form_name,field_type,field_label\r\nrecord_id,f,text,ID\r\nq,f,text,Q,extra\r\n",
     "file (row 3): has 5 cells, more than the 4 headings"),
    (b"\x81\x8d\x8f\x90\x9d\xff\xfe", "file: is not text in UTF-8 or Windows-1252"),
    (b'field_name,form_name\r\n"unclosed,f\r\n', "file: is not a CSV file REDCap could read"),
])
def test_files_that_are_not_data_dictionaries_are_refused_plainly(raw, expected):
    assert any(expected in problem for problem in problems(raw))


def test_a_file_past_the_size_limit_is_refused_unread():
    assert problems(b" " * (MAX_BYTES + 1)) == [f"file: is {MAX_BYTES + 1} bytes; a data dictionary of at most "
                                                f"{MAX_BYTES} is read"]


def test_semicolons_between_cells_are_read_and_said():
    imported = read_redcap(b"field_name;form_name;field_type;field_label\r\nid;f;text;ID\r\nq;f;notes;Q\r\n", "d.csv")
    assert checked(imported).fields[0].type is FieldType.TEXTAREA and "semicolons" in imported.notes[0]


@pytest.mark.parametrize("name, skip", [("all_types.csv", False), ("api_headings_bom.csv", False),
                                        ("cp1252.csv", False), ("logic.csv", False), ("classification.csv", False),
                                        ("unsupported.csv", True)])
def test_read_write_read_gives_the_same_survey(name, skip):
    spec = checked(read(name, skip_unsupported=skip))
    written = write_redcap(spec)
    assert checked(read_redcap(written.encode(), "again.csv")) == spec
    assert write_redcap(checked(read_redcap(written.encode(), "again.csv"))) == written


def test_a_survey_leaves_as_a_dictionary_with_redcaps_headings_tags_and_logic():
    demo = load_definition(Path(__file__).parents[2] / "surveys" / "demo_survey.yaml")
    rows = list(csv.DictReader(io.StringIO(write_redcap(demo))))
    assert list(rows[0]) == [heading for _, heading in COLUMNS]
    cells = {row["Variable / Field Name"]: row for row in rows}
    assert rows[0]["Variable / Field Name"] == "record_id" and rows[0]["Form Name"] == "about_you"
    assert cells["full_name"]["Field Annotation"] == "@PII" and cells["full_name"]["Identifier?"] == "y"
    assert cells["clinic"]["Field Type"] == "dropdown" and cells["intro_phq"]["Field Type"] == "descriptive"
    assert cells["phq1"]["Matrix Group Name"] == "phq" and cells["phq1"]["Section Header"].startswith("Over the last")
    assert cells["bedtime"]["Text Validation Type OR Show Slider Number"] == "time"
    assert cells["last_visit"]["Text Validation Type OR Show Slider Number"] == "datetime_ymd"
    assert cells["cigarettes"][LOGIC] == "[smoker] = 1" and cells["smoker"]["Field Type"] == "yesno"
    assert cells["contact_me"][LOGIC] == "[phq_total] >= 2"  # its page's condition, on each field of the page
    assert "^[0-9]{5}$" in cells["postcode"]["Field Annotation"]
    back = by_name(checked(read_redcap(write_redcap(demo).encode(), "demo.csv")))
    assert {n: f.classification for n, f in back.items() if f.type is not FieldType.NOTE} == {
        f.name: f.classification for f in demo.fields if f.type is not FieldType.NOTE}


def test_what_a_dictionary_cannot_hold_is_refused_on_the_way_out():
    spec = parse_definition("slug: s\ntitle: T\npurpose: p\nfields:\n"
                            "  - {name: a, type: choice, classification: spi, choices: ['x | y', z]}\n"
                            "  - {name: b, type: integer, classification: spi}\n"
                            "  - {name: c, type: integer, classification: spi, show_if: 'b + 1 != 3'}\n")
    with pytest.raises(DefinitionError) as caught:
        write_redcap(spec)
    assert [str(p) for p in caught.value.problems] == [
        "field a: has the choice 'x | y' ('x | y'), which holds '|': a REDCap data dictionary cannot",
        "field c: its show_if compares [b] + 1 != 3: REDCap's <> is also true when it is blank, which it cannot test "
        "here; write not (… == …) if that is meant"]


@pytest.mark.parametrize("ours, theirs", [
    ("x != 1", '[x] <> "" and [x] <> 1'), ("not x == 1", "[x] <> 1"), ("not answered(t)", '[t] = ""'),
    ("2 in m and not 3 in m", "[m(2)] = '1' and [m(3)] = '0'"), ("count(m) > 1", "sum([m(1)], [m(2)], [m(3)]) > 1"),
    ("not (x < 3 or t == 'a')", "[x] = \"\" or [x] >= 3) and [t] <> 'a'"), ("years(d) >= 18", None),
])
def test_our_logic_is_written_with_the_meaning_it_has_here(ours, theirs):
    written = to_redcap(ours, SPECS)
    assert theirs is None or theirs in written
    assert parse(from_redcap(written, OPERANDS)).tree == parse(ours).tree or ours.startswith("not (")


def big_dictionary(count: int) -> bytes:
    kinds = [("text", {}), ("text", {"validation": "integer", "min": "0", "max": "99"}),
             ("radio", {"choices": "1, Yes | 2, No | 3, Maybe"}), ("checkbox", {"choices": "1, A | 2, B | 3, C"}),
             ("yesno", {}), ("text", {"validation": "date_ymd"}), ("notes", {}), ("descriptive", {}),
             ("dropdown", {"choices": "a, A | b, B"})]
    rows = []
    for index in range(count):
        kind, cells = kinds[index % len(kinds)]
        row = field(f"q{index}", kind, form=f"form_{index // 25}", annotation="@NON-PII", **cells)
        if index % 9 == 2 and index > 9:
            row["logic"] = f"[q{index - 9}] = '1' or [q{index - 8}(2)] = '1'"
        rows.append(row)
    rows.append(field("score", "calc", form=f"form_{count // 25}", choices="sum([q1], [q10], [q19])",
                      annotation="@NON-PII"))
    return dictionary(*rows)


def test_a_500_field_dictionary_imports_and_checks():
    raw = big_dictionary(499)
    started = time.perf_counter()
    imported = read_redcap(raw, "big.csv")
    print(f"\n500-field REDCap import: {time.perf_counter() - started:.3f} s")
    assert sum(len(s["fields"]) for s in imported.data["sections"]) == 500
    assert len(checked(imported).fields) == 500
    with pytest.raises(DefinitionError) as caught:  # a thousand fields is the most a survey may have
        checked(read_redcap(big_dictionary(1000), "d.csv"))
    assert [str(p) for p in caught.value.problems] == ["fields: has 1001 fields in all; at most 1000 are allowed"]


# -- properties --------------------------------------------------------------------------------------------------

SPECS = {"n": SimpleNamespace(type=FieldType.INTEGER, choices=None), "x": SimpleNamespace(type=FieldType.NUMBER,
         choices=None), "t": SimpleNamespace(type=FieldType.TEXT, choices=None),
         "c": SimpleNamespace(type=FieldType.CHOICE, choices=(Choice(0, "a"), Choice(1, "b"), Choice(2, "c"))),
         "s": SimpleNamespace(type=FieldType.CHOICE, choices=(Choice("a", "A"), Choice("b", "B"))),
         "m": SimpleNamespace(type=FieldType.MULTI_CHOICE, choices=(Choice(1, "a"), Choice(2, "b"), Choice(3, "c"))),
         "d": SimpleNamespace(type=FieldType.DATE, choices=None)}
OPERANDS = {"n": Operand("number"), "x": Operand("number"), "t": Operand("text"), "c": Operand("number"),
            "s": Operand("text"), "m": Operand("checkbox", (1, 2, 3)), "d": Operand("date")}

literals = st.integers(0, 10**6).map(lambda v: ("lit", v)) | st.sampled_from([0.5, 1.25, 0.001]).map(
    lambda v: ("lit", v))
numbers = st.recursive(
    literals | st.sampled_from([("name", "n"), ("name", "x"), ("call", "count", (("name", "m"),)),
                                ("call", "years", (("name", "d"),))]),
    lambda inner: st.one_of(
        st.tuples(st.just("op"), st.sampled_from(["+", "-", "*", "/", "^"]), inner, inner),
        inner.map(lambda v: ("neg", v)),
        st.tuples(st.just("call"), st.sampled_from(["sum", "min", "max", "mean"]), st.lists(inner, min_size=1,
                                                                                          max_size=3).map(tuple)),
        inner.map(lambda v: ("call", "abs", (v,))),
        st.tuples(inner, st.integers(0, 4)).map(lambda p: ("call", "round", (p[0], ("lit", p[1]))))),
    max_leaves=6)
texts = st.text(st.characters(codec="utf-8", exclude_characters='"\x00'), min_size=1, max_size=8)
equalities = st.one_of(
    st.tuples(st.just("op"), st.just("=="), numbers, literals),
    st.tuples(st.sampled_from([0, 1, 2]), st.just(0)).map(lambda p: ("op", "==", ("name", "c"), ("lit", p[0]))),
    st.sampled_from(["a", "b"]).map(lambda v: ("op", "==", ("name", "s"), ("lit", v))),
    texts.map(lambda v: ("op", "==", ("name", "t"), ("lit", v))),
    st.sampled_from([1, 2, 3]).map(lambda v: ("op", "in", ("lit", v), ("name", "m"))),
    st.sampled_from("ntxcsd").map(lambda n: ("call", "answered", (("name", n),))))
conditions = st.recursive(
    st.one_of(equalities, equalities.map(lambda e: ("not", e)),
              st.tuples(st.just("op"), st.sampled_from(["<", "<=", ">", ">="]), numbers, literals),
              st.tuples(st.sampled_from(["n", "x", "c"]), literals).map(lambda p: ("op", "!=", ("name", p[0]), p[1])),
              st.sampled_from(["1999-12-31", "2020-02-29"]).map(lambda v: ("op", "<", ("name", "d"), ("lit", v)))),
    lambda inner: st.tuples(st.just("op"), st.sampled_from(["and", "or"]), inner, inner), max_leaves=5)


def _reads_as_unequal(tree: tuple) -> bool:
    """answered(x) and not (x == 1) is written as REDCap says x != 1, and so comes back as x != 1."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node[0] == "op" and node[1] == "and" and node[2][:2] == ("call", "answered") and node[3][0] == "not":
            return True
        stack += [child for child in node[1:] if isinstance(child, tuple)]
        stack += [arg for arg in (node[2] if node[0] == "call" else ())]
    return False


@settings(max_examples=300, deadline=None)
@given(st.one_of(conditions, numbers, st.tuples(conditions, numbers, numbers | st.just(("lit", None))).map(
    lambda p: ("call", "if", p))))
def test_our_logic_written_for_redcap_reads_back_as_the_same_tree(tree):
    assume(not _reads_as_unequal(tree))
    source = to_source(tree)
    assume(len(source) < 1500)
    ours = parse(source).tree
    assert parse(from_redcap(to_redcap(source, SPECS), OPERANDS)).tree == ours


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_raise_nothing_but_definition_error(raw):
    try:
        read_redcap(raw, "random.csv", skip_unsupported=bool(raw[:1] and raw[0] % 2))
    except DefinitionError:
        pass


snippets = st.sampled_from(["", "1, A | 2, B", "a, A|b", "[q0] = '1'", "[q1(2)] = '0' or", "sum([q0],[q1])", "today",
                            "date_ymd", "integer", "number_2dp", "@PII", "@SPI @CALCTEXT(x)", "y", "2020-01-01", "-5",
                            "[q2] <> ''", "if([q0]=1,2,'')", "((", "datediff([q2],'today','y')", "grp", "time",
                            "phone"])
cells = st.one_of(snippets, st.text(max_size=12))
random_rows = st.lists(st.fixed_dictionaries({
    "name": st.sampled_from(["q0", "q1", "q2", "q3", "Q4", ""]), "form": st.sampled_from(["f", "g", "", "1x"]),
    "type": st.sampled_from(["text", "notes", "radio", "dropdown", "checkbox", "yesno", "truefalse", "slider", "calc",
                             "descriptive", "file", "sql", "bogus", ""]),
    "label": cells, "choices": cells, "validation": cells, "min": cells, "max": cells, "identifier": cells,
    "logic": cells, "required": cells, "matrix": st.sampled_from(["", "", "grp", "other"]), "ranking": cells,
    "annotation": cells, "header": cells}), max_size=8)


@settings(max_examples=300, deadline=None)
@given(random_rows, st.booleans())
def test_random_dictionaries_raise_nothing_but_definition_error(rows, skip):
    try:
        spec = checked(read_redcap(dictionary(*rows), "random.csv", skip_unsupported=skip))
        write_redcap(spec)
    except DefinitionError:
        pass


CHOICES = ["1, A | 2, B", "a, Apple | b, Banana, ripe", "-1, Minus one | 0, Zero | 10, Ten"]
VALIDATIONS = ["", "integer", "number", "number_2dp", "date_ymd", "date_dmy", "datetime_mdy", "time", "email",
               "zipcode"]


@st.composite
def dictionaries(draw) -> bytes:
    """Dictionaries a REDCap user could write: every type, classes, headers, logic reading the fields before."""
    rows, form = [], "f1"
    for index in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["text", "notes", "radio", "dropdown", "checkbox", "yesno", "truefalse", "slider",
                                     "calc", "descriptive"]))
        form = f"f{int(form[1:]) + 1}" if draw(st.integers(0, 4)) == 0 else form
        row = field(f"q{index}", kind, form=form, label=draw(st.text(st.characters(codec="utf-8",
                    exclude_characters="\x00"), max_size=20)) or "Q", header=draw(st.sampled_from(["", "Part two é"])),
                    annotation=draw(st.sampled_from(["", "@PII", "@SPI", "@NON-PII", "@non-pii @HIDDEN"])),
                    identifier=draw(st.sampled_from(["", "y"])), required=draw(st.sampled_from(["", "y"])))
        if kind == "text":
            row["validation"] = draw(st.sampled_from(VALIDATIONS))
        if kind in ("radio", "dropdown", "checkbox"):
            row["choices"] = draw(st.sampled_from(CHOICES))
        if kind == "calc":
            row["choices"] = "2 * 3 + 1"
        if kind == "slider":
            row["choices"] = draw(st.sampled_from(["", "Low | High", "Low | Middle | High"]))
        earlier = [r for r in rows if r["type"] not in ("descriptive",)]
        if earlier and kind != "descriptive" and draw(st.booleans()):
            other = draw(st.sampled_from(earlier))
            code = other.get("choices", "").split(",")[0]  # a checkbox is read option by option
            box = other["type"] == "checkbox"
            row["logic"] = f"[{other['name']}({code})] = '0'" if box else f"[{other['name']}] <> ''"
        rows.append(row)
    return dictionary(*rows)


@settings(max_examples=200, deadline=None)
@given(dictionaries())
def test_random_dictionaries_read_write_read_to_the_same_survey(raw):
    try:
        spec = checked(read_redcap(raw, "random.csv"))
    except DefinitionError:
        return  # a field the checker refuses (a label too long, say) is its own test's concern
    assert checked(read_redcap(write_redcap(spec).encode(), "again.csv")) == spec


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["[q0]", "[m(1)]", "[m]", "'1'", '""', "1.5", "=", "<>", "<", "and", "OR", "(", ")",
                                 ",", "+", "-", "*", "/", "^", "sum(", "if(", "round(", "datediff(", "'today'", "'y'",
                                 "@x", "[a-b]", "[q0][q1]", "#", "\n", "!", "‘", "[", "]"])) | st.text(max_size=30))
def test_random_redcap_logic_raises_nothing_but_logic_error(parts):
    text = " ".join(parts) if isinstance(parts, list) else parts
    try:
        from_redcap(text, {"q0": Operand("number"), "q1": Operand("text"), "m": Operand("checkbox", (1, 2))})
    except LogicError:
        pass


def test_classes_are_never_less_strict_than_the_dictionary_says():
    # fail closed: whatever the tags, a field is at least as strict as its strictest tag, and untagged ones are spi
    for f in checked(read("classification.csv")).fields:
        assert f.classification is not Classification.NON_PII or f.name in {"t_non", "t_lower", "t_among",
                                                                             "t_over_identifier"}
