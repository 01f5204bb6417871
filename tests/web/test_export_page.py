"""The export page offers a purpose from a list: the chosen survey's own and those registered for the chosen
recipient, and nothing else goes through."""
import html
import json
import re

from sqlalchemy import func, select

from models.ledger import LedgerEntry
from surveys import db
from tests.conftest import csrf_token, csv_rows, download, export_form, recipient_id

OTHER_SURVEY = """
slug: clinic
title: Clinic
purpose: billing
fields:
  - {name: tag, type: text, classification: non_pii}
"""


def purpose_options(page) -> list[str]:
    select_html = re.search(r'<select[^>]*id="purpose"[^>]*>(.*?)</select>', page.get_data(as_text=True), re.S)
    assert select_html, "the page has no purpose list"
    return [html.unescape(value) for value in re.findall(r'<option[^>]*value="([^"]*)"', select_html.group(1))]


def show_purposes(client, **values):
    """The button that brings the purposes of a newly chosen survey and recipient, without JavaScript."""
    return client.post("/researcher/export", data=export_form(client, show_purposes="y", **values))


def preview(client, **values):
    return client.post("/researcher/export", data=export_form(client, **values))


def exports_recorded(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.action == "export"))


def test_the_purposes_offered_are_the_surveys_own_and_those_registered_for_the_chosen_recipient(
        app, client, login, make_recipient, make_survey):
    make_survey(OTHER_SURVEY)
    make_recipient("Acme", purposes=("research", "marketing"), surveys=("wellbeing-demo", "clinic"))
    make_recipient("Beta", purposes=("benchmarking",), surveys=("wellbeing-demo",))
    login()
    acme, beta = str(recipient_id(app, "Acme")), str(recipient_id(app, "Beta"))
    assert purpose_options(show_purposes(client, survey="wellbeing-demo", recipient=acme)) == [
        "care-quality", "marketing", "research"]
    assert purpose_options(show_purposes(client, survey="clinic", recipient=acme)) == [
        "billing", "marketing", "research"]
    assert purpose_options(show_purposes(client, survey="wellbeing-demo", recipient=beta)) == [
        "care-quality", "benchmarking"]
    page = show_purposes(client, survey="wellbeing-demo", recipient=beta)
    assert "<option value=\"care-quality\">care-quality (the survey&#39;s own purpose)</option>" in (
        page.get_data(as_text=True))
    assert "<option value=\"benchmarking\">benchmarking (another purpose)</option>" in page.get_data(as_text=True)


def test_the_first_visit_offers_the_purposes_of_the_survey_and_recipient_shown_first(client, login):
    login()
    page = client.get("/researcher/export")
    assert purpose_options(page) == ["care-quality"]  # the demo survey's own; staff have registered no other
    assert re.search(r'<option selected value="1">internal</option>', page.get_data(as_text=True))


def test_the_page_script_is_given_every_surveys_and_recipients_purposes(app, client, login, make_recipient,
                                                                        make_survey):
    make_survey(OTHER_SURVEY)
    make_recipient("Acme", purposes=("research",), surveys=("clinic",))
    login()
    page = client.get("/researcher/export").get_data(as_text=True)
    table = json.loads(html.unescape(re.search(r'data-purposes="([^"]*)"', page).group(1)))
    acme, internal = str(recipient_id(app, "Acme")), str(recipient_id(app, "internal"))
    assert [value for value, _ in table["clinic"][acme]] == ["billing", "research"]
    assert [value for value, _ in table["clinic"][internal]] == ["billing"]
    assert table["wellbeing-demo"][acme] == [["", "none: wellbeing-demo is not shared with Acme"]]
    assert '<script src="/static/export.js"></script>' in page


def test_a_purpose_not_offered_is_refused_at_the_field_and_nothing_is_previewed(app, client, login,
                                                                               make_recipient):
    make_recipient("Acme", purposes=("research",), surveys=("wellbeing-demo",))
    make_recipient("Beta", purposes=("benchmarking",), surveys=("wellbeing-demo",))
    login()
    page = preview(client, survey="wellbeing-demo", recipient=str(recipient_id(app, "Acme")), purpose="benchmarking")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="going-out"' not in text
    assert re.search(r'id="purpose".*?<p class="error">&#39;benchmarking&#39; is neither the survey&#39;s own '
                     r'purpose nor one registered for Acme\.</p>', text, re.S)
    assert purpose_options(page) == ["care-quality", "research"]  # the list now follows what was chosen
    assert "Choose a purpose." in preview(client, survey="wellbeing-demo", recipient=str(recipient_id(app, "Acme")),
                                          purpose="").get_data(as_text=True)


def test_a_download_of_a_purpose_not_offered_is_the_export_page_again_and_records_nothing(app, client, login,
                                                                                        make_recipient, panel):
    make_recipient("Acme", purposes=("research",), surveys=("panel",))
    login()
    response = client.post("/researcher/export/download", data=export_form(
        client, recipient=str(recipient_id(app, "Acme")), purpose="fundraising\u00e9"))
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Content-Disposition" not in response.headers
    assert "Nothing was exported" in text and "is neither the survey&#39;s own purpose" in text
    assert exports_recorded(app) == 0


def test_showing_the_purposes_checks_nothing_and_previews_nothing(app, client, login, make_recipient, panel):
    make_recipient("Acme", purposes=("research",), surveys=("panel",))
    login()
    page = show_purposes(client, recipient=str(recipient_id(app, "Acme")), purpose="not-offered")
    text = page.get_data(as_text=True)
    assert 'class="error"' not in text and 'id="going-out"' not in text
    assert purpose_options(page) == ["care-quality", "research"]


def test_a_survey_not_shared_with_the_recipient_offers_no_purpose_and_says_why(app, client, login, make_recipient,
                                                                              panel):
    make_recipient("Acme", purposes=("research",), surveys=("wellbeing-demo",))
    login()
    page = preview(client, recipient=str(recipient_id(app, "Acme")), purpose="care-quality")
    text = page.get_data(as_text=True)
    assert purpose_options(page) == [""]
    assert "<p class=\"error\">The survey &#39;panel&#39; is not shared with Acme.</p>" in text
    assert 'id="going-out"' not in text


def test_the_purpose_posted_as_before_still_previews_and_downloads(app, client, login, make_recipient, panel):
    make_recipient("Acme", purposes=("research",), surveys=("panel",))
    login()
    acme = str(recipient_id(app, "Acme"))
    assert 'id="going-out">8<' in preview(client, recipient=acme, purpose="care-quality").get_data(as_text=True)
    assert len(csv_rows(download(client, recipient=acme, purpose="research"))) == 8
    assert exports_recorded(app) == 1


def test_the_internal_recipients_purposes_are_edited_on_its_page_like_any_recipients(app, client, login, panel):
    internal = recipient_id(app, "internal")
    login("admin")
    listing = client.get("/researcher/recipients").get_data(as_text=True)
    assert f'href="/researcher/recipients/{internal}">internal</a>' in listing
    page = client.get(f"/researcher/recipients/{internal}")
    assert "Staff may always export a survey for the purpose it" in page.get_data(as_text=True)
    saved = client.post(f"/researcher/recipients/{internal}", data={
        "csrf_token": csrf_token(page.data), "name": "internal", "purposes": "service-improvement, audit"})
    assert saved.status_code == 302
    assert purpose_options(show_purposes(client, recipient=str(internal))) == [
        "care-quality", "audit", "service-improvement"]
    rows = csv_rows(download(client, recipient=str(internal), purpose="service-improvement"))
    assert len(rows) == 8
    # Staff need no other purpose: an empty list leaves them the survey's own.
    cleared = client.post(f"/researcher/recipients/{internal}", data={
        "csrf_token": csrf_token(page.data), "name": "internal", "purposes": ""})
    assert cleared.status_code == 302
    assert purpose_options(show_purposes(client, recipient=str(internal))) == ["care-quality"]


def test_a_third_party_still_needs_a_purpose_and_a_bad_one_is_named_at_the_field(app, client, login,
                                                                                make_recipient):
    make_recipient("Acme", purposes=("research",))
    acme = recipient_id(app, "Acme")
    login("admin")
    page = client.get(f"/researcher/recipients/{acme}")
    empty = client.post(f"/researcher/recipients/{acme}", data={
        "csrf_token": csrf_token(page.data), "name": "Acme", "purposes": "", "surveys": ["wellbeing-demo"]})
    assert empty.status_code == 200
    assert re.search(r'id="purposes".*?<p class="error">Register at least one purpose\.</p>',
                     empty.get_data(as_text=True), re.S)
    bad = client.post("/researcher/recipients", data={"csrf_token": csrf_token(page.data), "name": "Beta",
                                                      "purposes": "Not A Key"})
    assert re.search(r'id="purposes".*?<p class="error">Not a purpose key: Not A Key',
                     bad.get_data(as_text=True), re.S)
