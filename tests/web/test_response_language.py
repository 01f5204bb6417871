"""The language each response was given in: kept (non-PII), shown to the respondent, and in every export."""
import io
import json

import pandas as pd
import pyreadstat

from tests.conftest import CONSENT, csv_rows, download, recipient_id

DEMO = "wellbeing-demo"


def test_a_response_keeps_its_language_and_a_language_the_survey_lacks_is_422(client, count_rows):
    refused = client.post(f"/api/v1/surveys/{DEMO}/responses",
                          json={"answers": {"wellbeing": "good"}, "consent": CONSENT, "language": "xx"})
    assert refused.status_code == 422 and "en" in refused.get_json()["errors"]["language"][0]
    assert count_rows("responses") == 0
    given = client.post(f"/api/v1/surveys/{DEMO}/responses",
                        json={"answers": {"wellbeing": "good"}, "consent": CONSENT, "language": "en"})
    assert given.status_code == 201
    record = client.get("/api/v1/me", headers={"X-Receipt": given.get_json()["receipt"]}).get_json()
    assert record["language"] == "en"


def test_every_export_carries_the_language(app, client, login, submit, tmp_path):
    for name in ("Ann", "Bo"):
        submit(DEMO, {"wellbeing": "good", "full_name": name})
    login("admin", spi=True)
    form = {"survey": DEMO, "recipient": str(recipient_id(app, "internal")), "purpose": "care-quality"}
    assert [row["language"] for row in csv_rows(download(client, **form))] == ["en", "en"]
    lines = [json.loads(line) for line in download(client, **form, format="jsonl").decode().splitlines()]
    assert [line["language"] for line in lines] == ["en", "en"]
    for fmt, read in (("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)):
        path = tmp_path / f"export.{fmt}"
        path.write_bytes(download(client, **form, format=fmt))
        frame, meta = read(str(path))
        assert list(frame["language"]) == ["en", "en"]
        assert meta.column_names_to_labels["language"] == "The language the survey was answered in"
    sheet = pd.read_excel(io.BytesIO(download(client, **form, format="xlsx")), sheet_name="data")
    assert list(sheet["language"]) == ["en", "en"]


def test_a_consent_change_keeps_the_language_of_the_notice_it_was_made_under(app, client, submit):
    from sqlalchemy import select

    from models.response import ConsentEvent, NoticeVersion
    from surveys import db
    from tests.conftest import csrf_token

    receipt = submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"]
    page = client.get("/me?lang=es")
    client.post("/me", data={"csrf_token": csrf_token(page.data), "code": receipt})
    record = client.get("/me/record")
    client.post("/me/consent", data={"csrf_token": csrf_token(record.data), "opt_out_other_purposes": "y"})
    with app.app_context():
        first, changed = db.session().scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
        languages = set(db.session().scalars(select(NoticeVersion.language)))
    assert (first.language, changed.language) == ("en", "es") and changed.changes == {"opt_out_other_purposes": True}
    assert "es" in languages  # the Spanish notice it was made under is kept, as shown
