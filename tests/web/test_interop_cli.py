"""`surveys load` and `surveys export` with other tools' instruments: REDCap dictionaries and XLSForms in, every
format out, round trips, and files that cannot be imported refused with where and why, nothing stored."""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from models.definition.writer import stored_spec
from models.survey import Survey
from surveys import catalogue, db
ROOT = Path(__file__).parents[2]

REDCAP = """\ufeffVariable / Field Name,Form Name,Section Header,Field Type,Field Label,"Choices, Calculations, OR Slider Labels",Field Note,Text Validation Type OR Show Slider Number,Text Validation Min,Text Validation Max,Identifier?,Branching Logic (Show field only if...),Required Field?,Custom Alignment,Question Number (surveys only),Matrix Group Name,Matrix Ranking?,Field Annotation
record_id,intake,,text,Record ID,,,,,,,,,,,,,
name,intake,,text,Your name,,,,,,y,,,,,,,
dob,intake,,text,Date of birth,,,date_ymd,1900-01-01,,,,,,,,,
smoker,intake,,yesno,Do you smoke?,,,,,,,,y,,,,,
packs,intake,,text,Packs a day,,,integer,0,10,,[smoker] = '1',,,,,,@SPI
mood1,mood,Over the last two weeks…,radio,Little interest,"0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day",,,,,,,,,,phq,,
mood2,mood,,radio,Feeling down,"0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day",,,,,,,,,,phq,,
total,mood,,calc,Score,"sum([mood1],[mood2])",,,,,,,,,,,,@SPI
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def count_surveys(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Survey))


def spec_of(app, slug):
    with app.app_context():
        return stored_spec(catalogue.get_survey(db.session(), slug))


def test_a_redcap_dictionary_loads_with_the_options_and_lists_what_was_classified_spi(app, runner, tmp_path):
    result = runner.invoke(args=["surveys", "load", write(tmp_path, "phq.csv", REDCAP), "--slug", "phq-intake",
                                 "--title", "Intake", "--purpose", "care-quality"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "phq-intake"
    [listed] = [line for line in lines if line.startswith("classified spi for want of a tag")]
    defaulted = set(listed.split(": ", 1)[1].split(", "))
    assert {"dob", "smoker", "mood1", "mood2"} <= defaulted and not {"name", "packs", "total"} & defaulted
    spec = spec_of(app, "phq-intake")
    by_name = {f.name: f for f in spec.fields}
    assert "record_id" not in by_name
    assert by_name["name"].classification == "pii" and by_name["total"].classification == "spi"
    assert by_name["packs"].show_if == "smoker == 1" and by_name["mood1"].matrix
    assert [c.value for c in by_name["mood1"].choices] == [0, 1, 2, 3]


def test_a_dictionary_without_slug_title_or_purpose_says_which_option_gives_it(app, runner, tmp_path):
    before = count_surveys(app)
    result = runner.invoke(args=["surveys", "load", write(tmp_path, "phq.csv", REDCAP)])
    assert result.exit_code == 1
    for option in ("--slug", "--title", "--purpose"):
        assert f"give it with {option}" in result.output
    assert "nothing was loaded" in result.output and count_surveys(app) == before


def test_our_own_format_round_trips_through_yaml_and_json(app, runner, tmp_path):
    original = spec_of(app, "wellbeing-demo")
    for suffix in ("yaml", "json"):
        out = tmp_path / f"demo.{suffix}"
        assert runner.invoke(args=["surveys", "export", "wellbeing-demo", str(out)]).exit_code == 0
        text = out.read_text()
        copy = text.replace("wellbeing-demo", f"demo-{suffix}")
        assert runner.invoke(args=["surveys", "load", write(tmp_path, f"copy.{suffix}", copy)]).exit_code == 0
        assert spec_of(app, f"demo-{suffix}") == original.__class__(**{**original.__dict__, "slug": f"demo-{suffix}"})
    assert json.loads((tmp_path / "demo.json").read_text())["sections"][1]["fields"][2]["matrix"] == "phq"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_demo_survey_round_trips_through_redcap_and_xlsform(app, runner, tmp_path, suffix):
    original = spec_of(app, "wellbeing-demo")
    out = tmp_path / f"demo.{suffix}"
    assert runner.invoke(args=["surveys", "export", "wellbeing-demo", str(out)]).exit_code == 0
    options = ["--slug", f"back-{suffix}", "--title", original.title, "--purpose", original.purpose,
               "--purpose-description", original.purpose_description]
    result = runner.invoke(args=["surveys", "load", str(out), *options])
    assert result.exit_code == 0, result.output
    back = spec_of(app, f"back-{suffix}")
    assert back.matrices == original.matrices
    if suffix == "xlsx":
        assert back.fields == original.fields and back.sections == original.sections
    else:
        # A REDCap form has a name but no title and no condition of its own (the page's condition goes into
        # each field's branching logic), and SPEC maps yesno to a coded choice: {1: Yes, 0: No}.
        assert [s.name for s in back.sections] == [s.name for s in original.sections]
        # ... and a section's description is a descriptive field at the top of its form.
        kept = [f for f in back.fields if f.name != "follow_up_description"]
        assert [(f.name, f.classification, f.section, f.matrix, f.role, f.pattern, f.formula) for f in kept] \
            == [(f.name, f.classification, f.section, f.matrix, f.role, f.pattern, f.formula) for f in original.fields]
        by_name = {f.name: f for f in back.fields}
        assert [(c.value, c.label) for c in by_name["smoker"].choices] == [(1, "Yes"), (0, "No")]
        assert by_name["cigarettes"].show_if == "smoker == 1"
        assert by_name["contact_me"].show_if == "phq_total >= 2"
    out2 = tmp_path / f"again.{suffix}"
    assert runner.invoke(args=["surveys", "export", f"back-{suffix}", str(out2)]).exit_code == 0
    assert runner.invoke(args=["surveys", "load", str(out2), *options]).exit_code == 0
    assert spec_of(app, f"back-{suffix}") == back


def pdf_as_xlsx() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def empty_workbook() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def circular_xlsform() -> bytes:
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label", "calculation"], ["integer", "age", "Age", ""],
                ["calculate", "a", "", "${b} + 1"], ["calculate", "b", "", "${a} + 1"]):
        survey.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name, content, words", [
    ("report.xlsx", pdf_as_xlsx(), "not an Excel workbook"),
    ("form.xlsx", empty_workbook(), "survey"),
    ("loop.xlsx", circular_xlsform(), "reads itself through"),
    ("wrong.csv", "name,type,question\nage,integer,How old?\n", "Field Type"),
    ("empty.csv", "", "empty"),
    ("survey.txt", "slug: x\n", "not a format surveys load reads"),
])
def test_a_file_that_cannot_be_imported_is_refused_with_where_and_why(app, runner, tmp_path, name, content, words):
    before = count_surveys(app)
    result = runner.invoke(args=["surveys", "load", write(tmp_path, name, content), "--slug", "x", "--title", "T",
                                 "--purpose", "p"])
    assert result.exit_code == 1, result.output
    assert words in result.output and "nothing was loaded" in result.output
    assert "Traceback" not in result.output and count_surveys(app) == before


def test_a_50_mb_file_is_refused_unread(app, runner, tmp_path):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as out:
        out.truncate(50 * 2**20)
    result = runner.invoke(args=["surveys", "load", str(huge)])
    assert result.exit_code == 1 and "is 50.0 MB; a survey definition is at most 10 MB" in result.output


def test_a_bad_file_through_the_real_command_prints_no_traceback(tmp_path, app):
    path = write(tmp_path, "report.xlsx", pdf_as_xlsx())
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": app.instance_path, "SURVEYS_SECRET_KEY": "s",
           "SURVEYS_DATABASE_URL": app.config["DATABASE_URL"]}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "surveys", "load", path],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "nothing was loaded" in result.stderr


def test_exporting_to_an_unknown_format_or_an_unknown_survey_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(args=["surveys", "export", "wellbeing-demo", str(tmp_path / "out.docx")])
    assert result.exit_code == 1 and "not a format surveys export writes" in result.output
    result = runner.invoke(args=["surveys", "export", "nope", str(tmp_path / "out.yaml")])
    assert result.exit_code == 1 and "no survey 'nope'" in result.output
