"""Survey texts in several languages: `languages` and the mappings of texts checked with every problem located,
the first language's texts where they always were and the others as translations by key, round trips through
YAML and JSON, the lookup rule with its fallback, and stranding that compares only the first language."""
import json
from types import SimpleNamespace

import pytest

from models.choices import Choice
from models.definition import DefinitionError, parse_definition, stranding_changes
from models.definition.writer import definition_data
from models.interop.loading import export_definition, load_any
from models.translations import first_texts, language_for, languages_of, text_in, texts_in
from models.vocabulary import DEFAULT_LANGUAGE

#: The SPEC's instrument example, every text in English and Spanish.
SPEC_EXAMPLE = """
slug: wellbeing-2026
languages: [en, es]
title: {en: Patient wellbeing survey, es: Encuesta de bienestar}
purpose: care-quality
purpose_description: {en: Improve follow-up care., es: Mejorar el seguimiento.}
sections:
  - name: about_you
    title: {en: About you, es: Sobre usted}
    fields:
      - name: age
        type: integer
        label: {en: Your age, es: Su edad}
        classification: non_pii
  - name: habits
    title: {en: Your habits, es: Sus hábitos}
    description: {en: Optional text at the top of the page., es: Texto opcional al principio de la página.}
    show_if: "age >= 18"
    fields:
      - name: smoker
        type: boolean
        label: {en: "Do you smoke?", es: "¿Fuma?"}
        classification: spi
      - name: cigarettes
        type: integer
        label: {en: Cigarettes a day, es: Cigarrillos al día}
        help: {en: A rough count is fine., es: Basta una cifra aproximada.}
        classification: spi
        show_if: "smoker == true"
      - name: intro_phq
        type: note
        label: {en: The next questions are about the last two weeks.,
                es: Las siguientes preguntas tratan de las dos últimas semanas.}
      - matrix: phq
        label: {en: How often have you been bothered by…, es: ¿Con qué frecuencia le ha molestado…}
        help: {en: One answer a row., es: Una respuesta por fila.}
        classification: spi
        required: true
        choices:
          - {value: 0, label: {en: Not at all, es: Nunca}}
          - {value: 1, label: {en: Several days, es: Varios días}}
          - {value: 2, label: {en: More than half the days, es: Más de la mitad de los días}}
          - {value: 3, label: {en: Nearly every day, es: Casi todos los días}}
        rows:
          - {name: phq1, label: {en: Little interest or pleasure in doing things, es: Poco interés o placer}}
          - {name: phq2, label: {en: "Feeling down, depressed, or hopeless", es: "Decaído, deprimido o sin esperanza"},
             help: {en: Most days., es: La mayoría de los días.}}
      - name: phq_total
        type: calculated
        formula: "sum(phq1, phq2)"
        classification: spi
      - name: postcode
        type: text
        label: {en: Postcode, es: Código postal}
        pattern: "^[0-9]{5}$"
        classification: pii
      - name: clinic
        type: choice
        label: {en: Clinic, es: Clínica}
        appearance: dropdown
        choices: [north, south]
        classification: non_pii
"""


def problems_of(text: str, filename: str = "survey.yaml") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, filename)
    return [str(problem) for problem in caught.value.problems]


def survey(languages: str = "languages: [en, es]\n", title: str = "{en: T, es: T}", label: str = "{en: Q, es: P}",
           choice: str = "{en: One, es: Uno}", extra: str = "") -> str:
    return (f"slug: s1\n{languages}title: {title}\npurpose: p\n{extra}fields:\n"
            f"  - name: q\n    type: choice\n    label: {label}\n    classification: non_pii\n"
            f"    choices:\n      - {{value: 1, label: {choice}}}\n")


# --- the definition

def test_the_spec_example_in_english_and_spanish_keeps_english_in_place_and_spanish_by_key():
    spec = parse_definition(SPEC_EXAMPLE)
    assert spec.languages == ("en", "es") and list(spec.translations) == ["es"]
    fields = {f.name: f for f in spec.fields}
    assert (spec.title, fields["age"].label, fields["cigarettes"].help) == (
        "Patient wellbeing survey", "Your age", "A rough count is fine.")
    assert fields["phq1"].choices[0] == Choice(0, "Not at all")
    es = spec.translations["es"]
    assert es["title"] == "Encuesta de bienestar" and es["purpose_description"] == "Mejorar el seguimiento."
    assert es["section.habits.title"] == "Sus hábitos"
    assert es["section.habits.description"] == "Texto opcional al principio de la página."
    assert es["matrix.phq.label"] == "¿Con qué frecuencia le ha molestado…" and es["matrix.phq.help"] == \
        "Una respuesta por fila."
    assert es["field.phq2.label"] == "Decaído, deprimido o sin esperanza" and es["field.phq2.help"] == \
        "La mayoría de los días."
    assert es["field.cigarettes.help"] == "Basta una cifra aproximada."
    assert es["field.intro_phq.label"].startswith("Las siguientes")
    assert es["choice.phq.3"] == "Casi todos los días"  # a grid's rows share its list, translated once
    assert "choice.clinic.north" not in es  # plain choices are their own labels in every language


def test_without_languages_texts_are_plain_and_the_survey_is_in_the_default_language():
    spec = parse_definition(survey(languages="", title="T", label="Q", choice="One"))
    assert (spec.languages, spec.translations) == ((), {})
    assert languages_of(spec) == (DEFAULT_LANGUAGE,)
    assert text_in(spec, "field.q.label", "es") == "Q"


def test_one_listed_language_takes_plain_texts_or_mappings():
    spec = parse_definition(survey(languages="languages: [es]\n", title="Encuesta", label="{es: Pregunta}",
                                   choice="Uno"))
    assert (spec.languages, spec.translations, spec.title, spec.fields[0].label) == (
        ("es",), {}, "Encuesta", "Pregunta")


def test_a_right_to_left_language_is_accepted_like_any_other():
    spec = parse_definition(survey(languages="languages: [ar, en]\n", title="{ar: استطلاع, en: Survey}",
                                   label="{ar: 'ما عمرك؟', en: 'Your age?'}", choice="{ar: واحد, en: One}"))
    assert spec.languages == ("ar", "en") and spec.title == "استطلاع" and spec.fields[0].choices[0].label == "واحد"
    assert spec.translations == {"en": {"title": "Survey", "field.q.label": "Your age?", "choice.q.1": "One"}}


def test_a_text_the_same_in_another_language_is_found_by_falling_back():
    spec = parse_definition(survey(title="{en: OK, es: OK}"))
    assert "title" not in spec.translations["es"] and text_in(spec, "title", "es") == "OK"


@pytest.mark.parametrize("kwargs, expected", [
    (dict(label="{en: Q}"), ["fields[0] (q).label (line 8): has no text in es"]),
    (dict(choice="{en: One, es: Uno, fr: Un}"),
     ["fields[0] (q).choices[0].label.fr (line 11): is not one of this survey's languages (en, es)"]),
    (dict(title="T"), ["title (line 3): gives one text; this survey's languages en, es need one each"]),
    (dict(choice="One"),
     ["fields[0] (q).choices[0].label (line 11): gives one text; this survey's languages en, es need one each"]),
    (dict(label="Q"), ["fields[0] (q).label (line 8): gives one text; this survey's languages en, es need one each"]),
    (dict(languages="", title="{en: T}", label="Q", choice="One"),
     ["title (line 2): gives a text per language, but the survey names no languages: list them first, "
      "as languages: [en, es]"]),
    (dict(languages="", title="T", label="{en: Q}", choice="One"),
     ["fields[0] (q).label (line 7): gives a text per language, but the survey names no languages: list them "
      "first, as languages: [en, es]"]),
    (dict(title="{en: T, es: }"), ["title.es (line 3): is missing"]),
    (dict(label="{en: '', es: P}"), ["fields[0] (q).label.en (line 8): must be non-empty text"]),
    (dict(title="{en: T, es: T, en: U}"), ["title.en (line 3): is given twice"]),
    (dict(languages="languages: [EN, es, es, e]\n", title="T", label="Q", choice="One"),
     ["languages[0] (line 2): 'EN' is not a language tag: two or three lower-case letters, then any subtags "
      "(en, es, pt-BR)", "languages[2] (line 2): 'es' is listed twice",
      "languages[3] (line 2): 'e' is not a language tag: two or three lower-case letters, then any subtags "
      "(en, es, pt-BR)"]),
    (dict(languages="languages: []\n", title="T", label="Q", choice="One"),
     ["languages (line 2): must be a list of 1 to 20 language tags, the first the default (like [en, es])"]),
    (dict(languages="languages: en\n", title="T", label="Q", choice="One"),
     ["languages (line 2): must be a list of 1 to 20 language tags, the first the default (like [en, es])"]),
    (dict(languages=f"languages: [{', '.join(f'l{chr(97 + i // 26)}{chr(97 + i % 26)}' for i in range(21))}]\n",
          title="T", label="Q", choice="One"),
     ["languages (line 2): must be a list of 1 to 20 language tags, the first the default (like [en, es])"]),
    (dict(extra="description: {en: D}\npurpose_description: P\n"),
     ["purpose_description (line 6): gives one text; this survey's languages en, es need one each",
      "description (line 5): has no text in es"]),
])
def test_each_language_problem_is_named_and_located(kwargs, expected):
    assert problems_of(survey(**kwargs)) == expected


def test_language_problems_in_sections_grids_and_rows_are_located():
    text = SPEC_EXAMPLE.replace("title: {en: Your habits, es: Sus hábitos}", "title: Your habits") \
        .replace("help: {en: One answer a row., es: Una respuesta por fila.}", "help: {en: One answer a row.}") \
        .replace("{name: phq1, label: {en: Little interest or pleasure in doing things, es: Poco interés o placer}}",
                 "{name: phq1, label: {en: Little interest, de: Wenig Interesse, es: Poco interés}}") \
        .replace("description: {en: Optional text at the top of the page., es: Texto opcional al principio de la "
                 "página.}", "description: {es: Texto opcional.}")
    assert problems_of(text) == [
        "sections[1] (habits).title (line 16): gives one text; this survey's languages en, es need one each",
        "sections[1] (habits).description (line 17): has no text in en",
        "sections[1] (habits).fields[3] (phq).help (line 36): has no text in es",
        "sections[1] (habits).fields[3] (phq).rows[0] (phq1).label.de (line 45): is not one of this survey's "
        "languages (en, es)"]


def test_texts_the_checker_defaults_need_no_translation():
    spec = parse_definition("slug: s\nlanguages: [en, es]\ntitle: {en: T, es: T}\npurpose: p\nsections:\n"
                            "  - name: first_page\n    fields:\n"
                            "      - {name: q, type: choice, classification: pii, choices: [a, {value: 2}]}\n")
    field = spec.fields[0]
    assert (spec.sections[0].title, field.label, field.choices) == ("First page", "Q", (Choice("a", "a"),
                                                                                       Choice(2, "2")))
    assert spec.translations == {"es": {}}


def test_json_takes_mappings_too():
    data = {"slug": "s", "languages": ["en", "es"], "title": {"en": "T", "es": "E"}, "purpose": "p",
            "fields": [{"name": "q", "type": "text", "classification": "pii", "label": {"en": "Q", "es": "P"}}]}
    spec = parse_definition(json.dumps(data), "s.json")
    assert spec.translations == {"es": {"title": "E", "field.q.label": "P"}}
    data["fields"][0]["label"] = {"en": "Q"}
    assert problems_of(json.dumps(data), "s.json") == ["fields[0] (q).label: has no text in es"]


# --- round trips

@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_survey_in_two_languages_round_trips_through_our_format(suffix):
    spec = parse_definition(SPEC_EXAMPLE)
    written = export_definition(spec, suffix).decode()
    assert parse_definition(written, f"s{suffix}") == spec
    data = definition_data(spec)
    assert list(data)[:3] == ["slug", "languages", "title"] and data["languages"] == ["en", "es"]
    assert data["sections"][0]["fields"][0]["label"] == {"en": "Your age", "es": "Su edad"}


def test_defaulted_and_repeated_texts_are_written_in_every_language_and_read_back_the_same():
    spec = parse_definition("slug: s\nlanguages: [en, es, ar]\ntitle: {en: T, es: T, ar: ت}\npurpose: p\n"
                            "sections:\n  - name: page\n    fields:\n"
                            "      - {name: q, type: choice, classification: pii, choices: [{value: 1}]}\n")
    data = definition_data(spec)
    assert data["sections"][0]["title"] == {"en": "Page", "es": "Page", "ar": "Page"}
    assert data["sections"][0]["fields"][0]["choices"] == [{"value": 1, "label": {"en": "1", "es": "1", "ar": "1"}}]
    assert parse_definition(export_definition(spec, ".yaml").decode()) == spec


def test_a_survey_without_languages_is_written_as_before():
    spec = parse_definition(survey(languages="", title="T", label="Q", choice="One"))
    data = definition_data(spec)
    assert "languages" not in data and data["title"] == "T" and data["fields"][0]["label"] == "Q"
    assert data["fields"][0]["choices"] == [{"value": 1, "label": "One"}]


# --- the lookup rule

def test_text_in_finds_each_language_and_falls_back_to_the_first():
    spec = parse_definition(SPEC_EXAMPLE)
    assert text_in(spec, "field.age.label", "es") == "Su edad"
    assert text_in(spec, "field.age.label", "en") == "Your age"
    assert text_in(spec, "field.age.label", "es-MX") == "Su edad"  # the nearest language the survey has
    assert text_in(spec, "field.age.label", "fr") == "Your age"
    assert text_in(spec, "field.age.label", None) == "Your age"
    assert text_in(spec, "choice.phq.1", "es") == "Varios días"
    assert text_in(spec, "field.postcode.help", "es") == ""  # no text in any language: nothing, never an error
    texts = texts_in(spec, "es")
    assert texts["section.about_you.title"] == "Sobre usted" and texts["choice.clinic.north"] == "north"
    assert set(texts) == set(first_texts(spec))
    assert language_for(spec, "pt") == "en"


# --- stranding

def test_stranding_compares_the_first_language_only():
    before = parse_definition(SPEC_EXAMPLE)
    retranslated = parse_definition(SPEC_EXAMPLE.replace("es: Nunca", "es: Ninguno").replace("es: Su edad",
                                                                                              "es: Edad"))
    assert retranslated.translations != before.translations
    stored = [SimpleNamespace(name=f.name, type=f.type.value, classification=f.classification.value,
                              choices=[c.as_json() for c in f.choices] if f.choices else None, formula=f.formula,
                              matrix=f.matrix) for f in before.fields]
    assert stranding_changes(stored, retranslated.fields) == []
    # A Spanish label given to another value is no recoding: only the first language's labels are compared.
    swapped = parse_definition(SPEC_EXAMPLE.replace("es: Nunca", "es: _").replace("es: Varios días", "es: Nunca")
                               .replace("es: _", "es: Varios días"))
    assert swapped.translations["es"]["choice.phq.0"] == "Varios días"
    assert stranding_changes(stored, swapped.fields) == []


# --- other formats

def test_a_command_line_text_stands_for_every_language(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SPEC_EXAMPLE, encoding="utf-8")
    spec = load_any(path, {"title": "Wellbeing", "purpose_description": "Care"}).spec
    assert (spec.title, spec.purpose_description) == ("Wellbeing", "Care")
    assert "title" not in spec.translations["es"] and "purpose_description" not in spec.translations["es"]


def test_a_redcap_dictionary_takes_the_first_language_and_says_what_it_left_out():
    spec = parse_definition(SPEC_EXAMPLE)
    notes: list[str] = []
    written = export_definition(spec, ".csv", notes).decode()
    assert notes == ["a REDCap data dictionary holds one language: its texts are in en, and those in es are left out"]
    assert "Your age" in written and "0, Not at all" in written and "Su edad" not in written and "Nunca" not in written
    plain: list[str] = []
    export_definition(parse_definition(survey(languages="", title="T", label="Q", choice="One")), ".csv", plain)
    assert plain == []
