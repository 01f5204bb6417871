"""Survey texts on the respondent pages in the reader's language: the definition's own translations beside the
service's catalogues, the response kept as answered in that language, a right-to-left survey set right to left."""

import pytest

from tests.conftest import answer, csrf_token, shown_code

BILINGUAL = """
slug: bilingual
title: {en: Sleep check, es: Control del sueño}
purpose: care-quality
languages: [en, es]
fields:
  - name: hours
    label: {en: "How many hours do you sleep?", es: "¿Cuántas horas duerme?"}
    type: integer
    classification: non_pii
  - name: rested
    label: {en: "Do you wake up rested?", es: "¿Se despierta descansado?"}
    type: choice
    classification: spi
    choices:
      - {value: 1, label: {en: Usually, es: Casi siempre}}
      - {value: 0, label: {en: Rarely, es: Pocas veces}}
"""

ARABIC = """
slug: arabic
title: {ar: استبيان النوم, en: Sleep survey}
purpose: care-quality
languages: [ar, en]
fields:
  - {name: hours, label: {ar: "كم ساعة تنام؟", en: "How many hours do you sleep?"}, type: integer,
     classification: non_pii}
"""


@pytest.fixture
def bilingual(make_survey):
    make_survey(BILINGUAL)
    make_survey(ARABIC)


def start(client, slug, **headers):
    page = client.get(f"/s/{slug}", headers=headers)
    client.post(f"/s/{slug}", headers=headers,
                data={"csrf_token": csrf_token(page.data), "participate": "y", "age_confirmed": "y"})
    return page


def test_a_spanish_reader_gets_the_survey_s_spanish_texts_and_the_response_is_kept_as_spanish(client, bilingual):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9,en;q=0.5"  # as a browser sends on every request
    consent = start(client, "bilingual")
    assert "Control del sueño" in consent.get_data(as_text=True) and '<html lang="es"' in consent.get_data(
        as_text=True)
    page = client.get("/s/bilingual/questions").get_data(as_text=True)
    assert "¿Cuántas horas duerme?" in page and "Casi siempre" in page and "Sleep check" not in page
    sent = answer(client, "bilingual", q_hours="7", q_rested="1")
    receipt = shown_code(client.get(sent.headers["Location"]).get_data(as_text=True))
    record = client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()
    assert record["language"] == "es" and record["answers"] == {"hours": 7, "rested": 1}
    me = client.get("/me")
    client.post("/me", data={"csrf_token": csrf_token(me.data), "code": receipt})
    shown = client.get("/me/record").get_data(as_text=True)
    assert "Control del sueño" in shown and "Casi siempre" in shown and "Idioma de sus respuestas: Español" in shown


def test_the_english_reader_gets_the_first_language_and_switching_changes_the_texts(client, bilingual):
    start(client, "bilingual")
    assert "How many hours do you sleep?" in client.get("/s/bilingual/questions").get_data(as_text=True)
    assert "¿Cuántas horas duerme?" in client.get("/s/bilingual/questions?lang=es").get_data(as_text=True)


def test_a_right_to_left_survey_is_set_right_to_left_in_its_own_language(client, bilingual):
    page = client.get("/s/arabic").get_data(as_text=True)  # no Accept-Language: the survey's first, Arabic
    assert '<html lang="ar" dir="rtl"' in page and "استبيان النوم" in page
    english = client.get("/s/arabic?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in english and "Sleep survey" in english and 'dir="rtl"' not in english


def test_a_language_the_survey_lacks_falls_back_to_its_first(client, bilingual):
    page = client.get("/s/arabic?lang=es").get_data(as_text=True)
    assert "استبيان النوم" in page  # the pages' own sentences in Spanish, the survey's texts in its first language
