"""The results page: each question's answers as the viewer may see them for the survey's own purpose, suppressed as
aggregates are, and recorded in the ledger like an aggregate release."""
import json
import re
from datetime import datetime, timezone
from html import unescape

import pytest
from sqlalchemy import select, update

from models.definition import parse_definition
from models.ledger import LedgerEntry
from models.response import Response
from surveys import catalogue, db
from tests.conftest import download, recipient_id

CLINIC = """
slug: clinic
title: Clinic visits
purpose: care-quality
fields:
  - name: mood
    type: choice
    classification: non_pii
    choices:
      - {value: 1, label: Cheerful}
      - {value: 2, label: Calm}
      - {value: 3, label: Low}
  - {name: ways, type: multi_choice, classification: non_pii, choices: [walk, bus, car]}
  - {name: returning, type: boolean, classification: non_pii}
  - matrix: sleep
    label: How did you sleep…
    classification: non_pii
    choices: [{value: 0, label: Badly}, {value: 1, label: Well}]
    rows:
      - {name: weekday, label: On weekdays}
      - {name: weekend, label: At weekends}
  - {name: visits, type: integer, classification: non_pii}
  - {name: score, type: calculated, formula: "weekday + weekend", classification: non_pii}
  - {name: height, type: number, classification: pii}
  - {name: seen_on, type: date, classification: non_pii}
  - {name: remarks, type: text, classification: non_pii}
  - {name: hiv, type: choice, choices: [positive, negative], classification: spi}
"""
RESULTS = "/researcher/surveys/clinic/results"


def clinic_answers(i: int) -> dict:
    """44 respondents: every coded cell at least k = 11 (or 0), and numbers whose figures are easy to state."""
    return {"mood": 1 if i < 15 else 2 if i < 27 else 3, "ways": ["walk", "bus"] if i < 20 else ["walk"],
            "returning": i < 22, "weekday": 1 if i >= 22 else 0, "weekend": 0 if i % 4 == 0 else 1,
            "visits": (2, 3, 5, 8)[i % 4], "height": 1.5 + (i % 4) * 0.25, "seen_on": f"2024-0{1 + i % 2}-15",
            "remarks": f"remark {i}", "hiv": "negative" if i % 2 else "positive"}


@pytest.fixture
def clinic(make_survey, submit):
    make_survey(CLINIC)
    for i in range(44):
        response = submit("clinic", clinic_answers(i))
        assert response.status_code == 201, response.get_json()
    return "clinic"


def section(html: str, name: str) -> str:
    match = re.search(rf'<section class="result" aria-labelledby="q-{name}">(.*?)</section>', html, re.S)
    assert match, f"no section for {name}"
    return match.group(1)


def figures(html: str, name: str) -> dict:
    """The question's table: {label: count, or None when suppressed}."""
    rows = re.findall(r'<tr><td>(.*?)</td>\s*<td class="n">(.*?)</td></tr>', section(html, name), re.S)
    return {unescape(label): None if "suppressed" in n else int(n.replace(",", "")) for label, n in rows}


def summary(html: str, name: str) -> dict:
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section(html, name)))


def respondents(html: str) -> str:
    return re.search(r'<strong class="respondents">(.*?)</strong>', html).group(1)


def results_entries(app) -> list[LedgerEntry]:
    with app.app_context():
        return db.session().scalars(select(LedgerEntry).where(LedgerEntry.format == "results")
                                    .order_by(LedgerEntry.seq)).all()


def test_coded_answers_are_counted_under_their_labels(client, login, clinic):
    login()
    html = client.get(RESULTS).get_data(as_text=True)
    assert respondents(html) == "44"
    assert figures(html, "mood") == {"Cheerful": 15, "Calm": 12, "Low": 17}
    assert figures(html, "ways") == {"walk": 44, "bus": 20, "car": 0}
    assert "Each respondent may choose several" in section(html, "ways")
    assert figures(html, "returning") == {"Yes": 22, "No": 22}
    assert figures(html, "weekday") == {"Badly": 22, "Well": 22}
    assert figures(html, "weekend") == {"Badly": 11, "Well": 33}
    assert '<h3 id="q-weekend">At weekends</h3>' in html and '<h2 class="grid-title">How did you sleep…</h2>' in html
    # Each chart is an image with a title a screen reader reads; its figures are in the table beside it.
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="chart-mood-title"', html)
    assert '<title id="chart-mood-title">' in html and ">Cheerful</text>" in html


def test_numbers_and_a_score_get_a_histogram_and_summary_figures(client, login, clinic):
    login()
    html = client.get(RESULTS).get_data(as_text=True)
    # 2, 3, 5 and 8, eleven times each: one bin per whole number between the least and the greatest
    assert figures(html, "visits") == {"2": 11, "3": 11, "4": 0, "5": 11, "6": 0, "7": 0, "8": 11}
    assert summary(html, "visits") == {"n": "44", "Mean": "4.5", "Standard deviation": "2.29",
                                       "Lower quartile": "2.75", "Median": "4", "Upper quartile": "5.75"}
    # weekday + weekend: 0 six times (under k), 1 21 times, 2 17 times; the 17 hidden too, or 44 - 21 gives 6 away
    assert figures(html, "score") == {"0": None, "1": 21, "2": None}
    assert summary(html, "score") == {"n": "44", "Mean": "1.25", "Standard deviation": "0.68",
                                      "Lower quartile": "1", "Median": "1", "Upper quartile": "2"}
    height = figures(html, "height")
    assert sum(n for n in height.values() if n) == 44 and all(re.fullmatch(r"[0-9.]+–[0-9.]+", b) for b in height)
    assert summary(html, "height")["Median"] == "1.875"
    assert figures(html, "seen_on") == {"2024-01": 22, "2024-02": 22}
    assert "min" not in "".join(summary(html, "visits")).lower()  # an extreme is one respondent's answer


def test_free_text_is_not_charted(client, login, clinic):
    login()
    remarks = section(client.get(RESULTS).get_data(as_text=True), "remarks")
    assert "Free-text answers are not charted; export them." in remarks and "remark 1" not in remarks
    assert "<svg" not in remarks


def test_small_cells_are_suppressed_exactly_as_the_aggregate_export_suppresses_them(app, client, login, make_survey,
                                                                                    submit):
    make_survey(CLINIC)
    for i in range(30):
        submit("clinic", {"mood": 1 if i < 20 else 2 if i < 27 else 3, "ways": ["walk"] + (["bus"] * (i < 4)),
                          "returning": i < 25, "weekday": i % 2, "weekend": 1, "visits": i,
                          "hiv": "negative"})
    login(spi=True)
    html = client.get(RESULTS).get_data(as_text=True)
    released = json.loads(download(client, survey="clinic", recipient=str(recipient_id(app, "internal")),
                                   purpose="care-quality", format="aggregate"))["fields"]
    labels = {"mood": {"1": "Cheerful", "2": "Calm", "3": "Low"}, "returning": {"yes": "Yes", "no": "No"},
              "weekday": {"0": "Badly", "1": "Well"}, "weekend": {"0": "Badly", "1": "Well"},
              "ways": {"walk": "walk", "bus": "bus", "car": "car"}, "hiv": {"positive": "positive",
                                                                            "negative": "negative"}}
    for name, label in labels.items():
        assert figures(html, name) == {label[cell]: n for cell, n in released[name]["counts"].items()}, name
    # 7 and 3 under k; hidden together they sum to 10, so 20 is hidden too
    assert figures(html, "mood") == {"Cheerful": None, "Calm": None, "Low": None}
    assert figures(html, "ways") == {"walk": 30, "bus": None, "car": 0}  # options overlap: nothing to derive
    assert figures(html, "weekday") == {"Badly": 15, "Well": 15}
    assert summary(html, "visits")["Mean"] == str(released["visits"]["mean"])


def test_a_question_answered_fewer_than_k_times_shows_nothing(client, login, make_survey, submit):
    make_survey(CLINIC)
    for i in range(5):
        submit("clinic", {"mood": 1, "visits": 3})
    login()
    html = client.get(RESULTS).get_data(as_text=True)
    assert respondents(html) == "Fewer than 11"
    assert "Fewer than 11 answered in this period" in section(html, "mood")
    assert figures(html, "mood") == {} and summary(html, "visits") == {} and "<svg" not in html


@pytest.mark.parametrize("clearance", [False, True])
def test_sensitive_answers_are_withheld_without_clearance_and_shown_with_it(client, login, clinic, clearance):
    login(spi=clearance)
    html = client.get(RESULTS).get_data(as_text=True)
    hiv = section(html, "hiv")
    withheld = "Withheld</strong>: sensitive answers go only to staff with SPI clearance"
    if clearance:
        assert withheld not in hiv and figures(html, "hiv") == {"positive": 22, "negative": 22}
    else:
        assert withheld in hiv and figures(html, "hiv") == {} and "<svg" not in hiv


def set_submitted(app, when: dict[int, datetime]) -> None:
    """Move responses (by their place in submission order) to other submission times."""
    with app.app_context():
        session = db.session()
        ids = session.scalars(select(Response.id).order_by(Response.id)).all()
        for place, moment in when.items():
            session.execute(update(Response).where(Response.id == ids[place]).values(submitted_at=moment))
        db.commit()


def test_the_dates_narrow_the_counts(app, client, login, clinic):
    january, march = (datetime(2024, month, 15, 12, tzinfo=timezone.utc) for month in (1, 3))
    set_submitted(app, {place: january if place < 22 else march for place in range(44)})
    login()
    assert respondents(client.get(RESULTS).get_data(as_text=True)) == "44"
    march_on = client.get(RESULTS + "?from=2024-03-01").get_data(as_text=True)
    assert respondents(march_on) == "22" and figures(march_on, "returning") == {"Yes": 0, "No": 22}
    until_january = client.get(RESULTS + "?to=2024-01-15").get_data(as_text=True)  # the last day is included
    assert respondents(until_january) == "22" and figures(until_january, "returning") == {"Yes": 22, "No": 0}
    assert respondents(client.get(RESULTS + "?from=2024-01-16&to=2024-03-14").get_data(as_text=True)) == \
        "Fewer than 11"
    both = client.get(RESULTS + "?from=2024-01-01&to=2024-12-31").get_data(as_text=True)
    assert respondents(both) == "44" and 'value="2024-12-31"' in both


@pytest.mark.parametrize("query, field, message", [
    ("?from=2024-02-30", "from", "YYYY-MM-DD"),
    ("?to=yesterday", "to", "YYYY-MM-DD"),
    ("?from=２０２４-０１-０１", "from", "YYYY-MM-DD"),  # digits, but not ASCII ones
    ("?from=2024-1-5", "from", "YYYY-MM-DD"),
    ("?from=2024-05-31&to=2024-05-01", "to", "before the from date"),
])
def test_a_bad_date_is_an_inline_error_and_discloses_nothing(app, client, login, clinic, query, field, message):
    login()
    response = client.get(RESULTS + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'<p class="error" id="date-{field}-error">[^<]*{message}', html)
    assert f'aria-describedby="date-{field}-error"' in html and 'role="alert"' in html
    assert 'class="result"' not in html and results_entries(app) == []


def test_the_page_needs_a_grant_on_the_survey(client, login, clinic):
    login(grant=None)
    assert client.get(RESULTS).status_code == 403


def test_a_viewer_may_see_the_results_and_the_dashboard_links_to_them(client, login, clinic):
    login(grant="viewer")
    assert client.get(RESULTS).status_code == 200
    assert f'href="{RESULTS}"' in client.get("/researcher/").get_data(as_text=True)


def test_each_view_is_an_aggregate_release_in_the_ledger(app, client, login, clinic, runner):
    email = login()
    first = client.get(RESULTS).get_data()
    client.get(RESULTS + "?from=2024-01-01")
    entries = results_entries(app)
    assert len(entries) == 2
    entry = entries[0]
    assert (entry.action, entry.actor, entry.recipient, entry.purpose, entry.purpose_relation, entry.survey) == (
        "aggregate", email, "internal", "care-quality", "original", "clinic")
    # One entry and its cohort: no line per respondent.
    assert entry.respondent_count == 0 and entry.cohort["count"] == 44
    assert entry.cohort["since"] is None and entries[1].cohort["since"] == "2024-01-01T00:00:00.000000Z"
    assert {cls for classes in entry.cohort["admitted"].values() for cls in classes} == {"non_pii", "pii"}
    assert sum(entry.cohort["rows"].values()) == 44
    assert "hiv" not in entry.fields and "mood" in entry.fields and "height" in entry.fields
    assert entry.withheld == {"hiv": {"no_spi_clearance": 44}}
    assert b"Cheerful" in first
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_draft_shows_a_message_instead_of_charts(app, client, login):
    with app.app_context():
        catalogue.save_survey(db.session(), parse_definition(CLINIC), reviewed=False)
        db.commit()
    login("admin")
    response = client.get(RESULTS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is a draft awaiting its classification review" in html and "<svg" not in html
    assert results_entries(app) == []


def test_a_survey_without_responses_shows_its_questions_and_no_figures(app, client, login, make_survey):
    make_survey(CLINIC)
    login()
    response = client.get(RESULTS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert respondents(html) == "Fewer than 11" and "Fewer than 11 answered" in section(html, "visits")
    assert len(results_entries(app)) == 1 and results_entries(app)[0].cohort["count"] == 0
