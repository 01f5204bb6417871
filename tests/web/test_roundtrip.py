"""Any text the service accepts comes back out, unchanged, through every way out of it: CSV, JSON
Lines, the third-party API, the respondent's record and download. Text it cannot store is refused
at the door, naming the field."""
import csv
import io
import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from models.text import storable
from tests.conftest import CONSENT, exported_file

SURVEY = """
slug: texts
title: Texts
purpose: care-quality
fields:
  - {name: note, type: text, classification: non_pii}
  - {name: name, type: text, classification: pii}
  - {name: story, type: textarea, classification: spi}
"""
FIELDS = ("note", "name", "story")


@pytest.fixture
def outlets(app, make_app, make_survey, make_account, make_recipient, submit):
    make_survey(SURVEY)
    token = make_recipient("Acme", surveys=("texts",))
    make_account("admin@example.org", "admin", spi=True)
    staff = make_app(WTF_CSRF_ENABLED=False).test_client()
    staff.post("/researcher/login", data={"email": "admin@example.org", "password": "correct horse battery staple"})
    return staff, token


def exported(staff, fmt: str) -> dict[str, dict]:
    text = exported_file(staff, staff.post("/researcher/export/download", data={
        "survey": "texts", "recipient": "1", "purpose": "care-quality", "format": fmt, "mode": "blank"})
                         ).decode("utf-8")  # strict: every byte must be UTF-8
    if fmt == "csv":
        return {row["respondent"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
    # Lines end at "\n" only: str.splitlines() would also split inside a JSON string at U+2028 or U+0085.
    return {line["respondent"]: line["answers"] for line in map(json.loads, text.split("\n")[:-1])}


# Any character at all, the ones CSV and spreadsheets treat specially, and often enough one of those
# that once broke every export (a NUL, a lone surrogate).
any_text = st.text(st.characters(codec=None) | st.sampled_from(list('=+@-",\r\n\t é漢🙂')), max_size=30)
texts = any_text | st.builds(lambda head, bad, tail: head + bad + tail, any_text,
                             st.sampled_from(["\x00", "\ud800", "\udbff\udbff", "\udfff"]), any_text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({name: texts for name in FIELDS}))
def test_accepted_text_round_trips_through_every_export_and_the_rest_is_refused_by_name(client, outlets, values):
    staff, token = outlets
    response = client.post("/api/v1/surveys/texts/responses", content_type="application/json",
                           data=json.dumps({"answers": values, "consent": {**CONSENT, "spi_disclosure": True}}))
    unstorable = {name for name, value in values.items() if not storable(value)}
    event("refused" if unstorable else "accepted")
    if unstorable:
        assert response.status_code == 422 and unstorable <= set(response.get_json()["errors"])
        return
    assert response.status_code == 201, response.get_json()
    given_ = {name: value.strip() for name, value in values.items() if value.strip()}
    public_id, receipt = response.get_json()["id"], response.get_json()["receipt"]

    row = exported(staff, "csv")[public_id]
    for name in FIELDS:  # a cell a spreadsheet would run as a formula is kept as text with a leading '
        assert row[name] in ((given_.get(name, ""),) + (("'" + given_[name],) if name in given_ else ()))
    assert exported(staff, "jsonl")[public_id] == given_
    page = client.get("/api/v1/surveys/texts/responses?purpose=care-quality&limit=1000",
                      headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200 and given_ in [item["answers"] for item in page.get_json()["data"]]
    assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()["answers"] == given_
