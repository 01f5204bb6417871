"""A survey previewed as a respondent sees it: the consent page and every page, in each of its languages, its
logic working across pages, marked as a preview, and nothing stored: no response, no draft, no ledger entry."""
import json
import re
from html import unescape

from sqlalchemy import func, select

from models.draft import Draft
from models.ledger import LedgerEntry
from models.response import Response
from surveys import db
from tests.conftest import DEMO, INPUT_NAME, csrf_token, page_name

BILINGUAL = """
slug: bilingual
title: {en: Sleep check, es: Control del sueño}
purpose: care-quality
languages: [en, es]
status: draft
sections:
  - name: first
    title: {en: Your sleep, es: Su sueño}
    fields:
      - {name: hours, label: {en: "How many hours do you sleep?", es: "¿Cuántas horas duerme?"}, type: integer,
         classification: non_pii, required: true}
  - name: short
    title: {en: Short nights, es: Noches cortas}
    show_if: "hours < 6"
    fields:
      - {name: why, label: {en: "Why so short?", es: "¿Por qué tan cortas?"}, type: text, classification: spi}
  - name: last
    title: {en: Last, es: Última}
    fields:
      - {name: nap, label: {en: "Do you nap?", es: "¿Duerme la siesta?"}, type: boolean, classification: non_pii}
"""


def rows(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def step(client, slug: str, page, action: str = "next", lang: str = "", **answers):
    earlier = re.search(rb'name="earlier" value="([^"]*)"', page.data).group(1)
    on_page = {name.decode() for name in INPUT_NAME.findall(page.data)}
    return client.post(f"/researcher/surveys/{slug}/preview/questions{lang}", data={
        "csrf_token": csrf_token(page.data), "action": action, "page": page_name(page.data),
        "earlier": unescape(earlier.decode()), **{k: v for k, v in answers.items() if k in on_page}})


def start(client, slug: str, lang: str = ""):
    page = client.get(f"/researcher/surveys/{slug}/preview/{lang}")
    assert page.status_code == 200
    sent = client.post(f"/researcher/surveys/{slug}/preview/{lang}", data={
        "csrf_token": csrf_token(page.data), "participate": "y", "age_confirmed": "y", "action": "continue"})
    assert sent.status_code == 302
    return client.get(sent.headers["Location"])


def test_a_draft_is_previewed_page_by_page_with_its_logic_in_spanish_and_nothing_is_stored(app, client, login,
                                                                                            make_survey):
    make_survey(BILINGUAL)
    login("admin")
    before = rows(app, LedgerEntry)
    consent = client.get("/researcher/surveys/bilingual/preview/?lang=es")
    text = consent.get_data(as_text=True)
    assert '<html lang="es"' in text and "Control del sueño" in text and "Vista previa" in text
    first = start(client, "bilingual", "?lang=es")
    assert first.status_code == 200 and "¿Cuántas horas duerme?" in first.get_data(as_text=True)
    assert b"Finish later" not in first.data and b"Terminar" not in first.data.split(b"</form>")[0][-2000:]
    missing = step(client, "bilingual", first)
    assert page_name(missing.data) == "first" and b"error-summary" in missing.data
    short = step(client, "bilingual", first, q_hours="5")
    assert page_name(short.data) == "short" and "¿Por qué tan cortas?" in short.get_data(as_text=True)
    assert json.loads(unescape(re.search(rb'name="earlier" value="([^"]*)"', short.data).group(1).decode())) == {
        "hours": 5}
    back = step(client, "bilingual", short, action="back", q_why="work")
    assert page_name(back.data) == "first"
    last = step(client, "bilingual", step(client, "bilingual", back, q_hours="5"), q_why="work")
    assert page_name(last.data) == "last" and b'value="submit"' in last.data
    done = step(client, "bilingual", last, action="submit", q_nap="yes")
    assert done.status_code == 200 and b"Nothing was stored" in done.data
    assert re.search(rb"Why so short\?|\xc2\xbfPor qu\xc3\xa9", done.data) and b"work" in done.data
    assert (rows(app, Response), rows(app, Draft), rows(app, LedgerEntry)) == (0, 0, before)


def test_a_long_night_skips_the_page_its_condition_hides(client, login, make_survey):
    make_survey(BILINGUAL)
    login("admin")
    after = step(client, "bilingual", start(client, "bilingual"), q_hours="8")
    assert page_name(after.data) == "last" and b"Preview" in after.data


def test_every_page_can_be_opened_directly_in_each_language(client, login, make_survey):
    make_survey(BILINGUAL)
    login("admin")
    for lang, title in (("en", "Your sleep"), ("es", "Su sueño")):
        page = client.get(f"/researcher/surveys/bilingual/preview/questions?lang={lang}&page=first")
        assert page.status_code == 200 and title in page.get_data(as_text=True)
    last = client.get("/researcher/surveys/bilingual/preview/questions?page=last&lang=en")
    assert b"Do you nap?" in last.data


def test_answers_sent_back_altered_are_checked_again_not_trusted(client, login, make_survey):
    make_survey(BILINGUAL)
    login("admin")
    first = start(client, "bilingual")
    for earlier in ('{"hours": "many", "nobody": 1}', "not json", '["a"]', '{"hours": 1e999}'):
        sent = client.post("/researcher/surveys/bilingual/preview/questions", data={
            "csrf_token": csrf_token(first.data), "action": "next", "page": "last", "earlier": earlier})
        assert sent.status_code == 200, earlier


def test_the_demo_survey_preview_walks_its_grid_and_score_to_the_follow_up(app, client, login):
    login("admin")
    page = start(client, DEMO)
    answers = {"q_wellbeing": "good", "q_phq1": "3", "q_phq2": "3"}
    seen = []
    while b'value="submit"' not in page.data:
        seen.append(page_name(page.data))
        page = step(client, DEMO, page, **answers)
        assert page.status_code == 200
    assert page_name(page.data) == "follow_up" and seen == ["about_you", "wellbeing", "habits"]
    assert rows(app, Response) == 0


def test_a_minor_is_refused_in_the_preview_as_a_respondent_would_be(client, login):
    from datetime import date
    login("admin")
    young = date.today().replace(year=date.today().year - 10).isoformat()
    refused = step(client, DEMO, start(client, DEMO), q_birth_date=young)
    assert refused.status_code == 403 and b"aged 18 or over" in refused.data and b"Preview" in refused.data
