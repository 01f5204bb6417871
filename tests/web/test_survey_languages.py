"""A survey in several languages through the app: stored and read back as it was given, the respondents' copies
in each language with their fallback, the third-party listing and the codebook in the first language, a change of
translations to a survey with answers, and the definition commands."""
import io

import openpyxl
import pytest

from models.definition import parse_definition
from models.definition.writer import stored_spec
from models.translations import text_in, texts_in
from surveys import catalogue, db
from tests.conftest import bearer, csv_rows
from tests.unit.test_languages_definition import SPEC_EXAMPLE

CONSENT = {"participate": True, "age_confirmed": True}


@pytest.fixture
def bilingual(make_survey):
    return make_survey(SPEC_EXAMPLE)


def test_the_survey_is_stored_with_its_languages_and_reads_back_the_same(app, bilingual):
    with app.app_context():
        survey = catalogue.get_survey(db.session(), bilingual)
        assert survey.languages == ["en", "es"] and survey.translations["es"]["field.age.label"] == "Su edad"
        assert stored_spec(survey) == parse_definition(SPEC_EXAMPLE)
        assert text_in(survey, "section.habits.title", "es") == "Sus hábitos"
        assert texts_in(survey, "fr")["choice.phq.0"] == "Not at all"


def test_the_respondents_copy_comes_in_each_language_with_the_first_where_one_has_no_text(app, bilingual):
    with app.app_context():
        first = catalogue.respondent_survey(db.session(), bilingual)
        spanish = first.localized("es")
        assert first.languages == ("en", "es") and spanish.languages == ("en", "es")
        assert (first.title, spanish.title) == ("Patient wellbeing survey", "Encuesta de bienestar")
        fields = {f.name: f for f in spanish.fields}
        assert (fields["age"].label, fields["cigarettes"].help) == ("Su edad", "Basta una cifra aproximada.")
        assert [c.label for c in fields["phq1"].choices][:2] == ["Nunca", "Varios días"]
        assert fields["clinic"].choices[0].label == "north"  # the same in every language: the first's text
        assert fields["phq_total"].label == "Phq total"  # defaulted, so in no language: the first's, never nothing
        assert spanish.layout["sections"][1]["title"] == "Sus hábitos"
        assert spanish.layout["matrices"][0]["label"] == "¿Con qué frecuencia le ha molestado…"
        assert spanish.instrument is first.instrument  # conditions and formulas are language-free
        # Built once per version and language, and any copy leads to the others.
        assert first.localized("es") is spanish and first.localized("es-MX") is spanish
        assert spanish.localized("en") is first and first.localized("en") is first
        assert first.localized("fr") is first and first.localized(None) is first
        assert catalogue.respondent_survey(db.session(), bilingual).localized("es") is spanish


def test_a_new_version_gets_new_copies(app, bilingual, make_survey):
    with app.app_context():
        before = catalogue.respondent_survey(db.session(), bilingual).localized("es")
    make_survey(SPEC_EXAMPLE.replace("es: Su edad", "es: Edad"))
    with app.app_context():
        after = catalogue.respondent_survey(db.session(), bilingual).localized("es")
    assert {f.name: f.label for f in after.fields}["age"] == "Edad" and before is not after


def test_a_survey_without_languages_is_its_own_copy_in_any_language(app, make_survey):
    slug = make_survey("slug: plain\ntitle: T\npurpose: p\nfields:\n  - {name: q, type: text, classification: pii}\n")
    with app.app_context():
        copy = catalogue.respondent_survey(db.session(), slug)
        assert copy.languages == () and copy.localized("es") is copy


def test_the_listing_gives_the_languages_and_the_first_languages_labels(client, bilingual, make_survey,
                                                                         make_recipient):
    token = make_recipient("Acme", surveys=(bilingual, "wellbeing-demo"))
    listed = {s["slug"]: s for s in client.get("/api/v1/surveys", headers=bearer(token)).get_json()["data"]}
    survey = listed[bilingual]
    assert survey["languages"] == ["en", "es"] and survey["title"] == "Patient wellbeing survey"
    fields = {f["name"]: f for f in survey["fields"]}
    assert fields["age"]["label"] == "Your age" and fields["phq1"]["choices"][0] == {"value": 0, "label": "Not at all"}
    assert listed["wellbeing-demo"]["languages"] == ["en"]


def test_the_codebook_keeps_the_first_language(client, bilingual, login):
    login("admin", spi=True)
    by_field = {row["field"]: row for row in csv_rows(client.get(f"/researcher/export/codebook/{bilingual}")
                                                      .get_data())}
    assert by_field["age"]["label"] == "Your age"
    assert by_field["phq1"]["choices"].startswith("0=Not at all; 1=Several days")


def test_new_translations_are_taken_once_the_survey_has_answers(app, client, bilingual, make_survey):
    answers = {"age": 30, "smoker": False, "phq1": 1, "phq2": 0, "clinic": "north"}
    created = client.post(f"/api/v1/surveys/{bilingual}/responses", json={"answers": answers, "consent": CONSENT})
    assert created.status_code == 201, created.get_json()
    make_survey(SPEC_EXAMPLE.replace("es: Nunca", "es: Ninguna vez").replace("es: Su edad", "es: '¿Qué edad tiene?'"))
    with app.app_context():
        survey = catalogue.get_survey(db.session(), bilingual)
        assert survey.translations["es"]["choice.phq.0"] == "Ninguna vez"


def test_the_definition_commands_carry_the_languages(app, runner, bilingual, tmp_path):
    xlsx, yaml_file, csv_file = tmp_path / "s.xlsx", tmp_path / "s.yaml", tmp_path / "s.csv"
    for path in (xlsx, yaml_file):
        result = runner.invoke(args=["surveys", "export", bilingual, str(path)])
        assert result.exit_code == 0 and "note:" not in result.output, result.output
    header = next(openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))["survey"].iter_rows(values_only=True))
    assert "label::Spanish (es)" in header
    exported = runner.invoke(args=["surveys", "export", bilingual, str(csv_file)])
    assert exported.exit_code == 0 and "note: a REDCap data dictionary holds one language: its texts are in en, " \
        "and those in es are left out" in exported.output
    loaded = runner.invoke(args=["surveys", "load", str(xlsx), "--slug", "again", "--purpose", "care-quality",
                                 "--title", "Again"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        again = stored_spec(catalogue.get_survey(db.session(), "again"))
    original = parse_definition(SPEC_EXAMPLE)
    assert again.languages == original.languages and again.fields == original.fields
    assert again.title == "Again" and "title" not in again.translations["es"]
    assert {k: v for k, v in again.translations["es"].items() if k != "title"} == \
        {k: v for k, v in original.translations["es"].items() if k != "title"}
