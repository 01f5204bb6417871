"""A submission is stored only against the survey's current version: the insert carries the version of the copy
it was checked against (a copy a server may hold without asking), and stores nothing if that has moved."""
import dataclasses

from sqlalchemy import func, select

from models.response import Response
from surveys import catalogue, db
from tests.conftest import CONSENT, DEMO


def test_a_copy_whose_version_keeps_moving_stores_nothing_and_says_so(app, client, monkeypatch):
    assert client.post(f"/api/v1/surveys/{DEMO}/responses",
                       json={"answers": {"wellbeing": "good"}, "consent": CONSENT}).status_code == 201
    with app.app_context():
        held = catalogue.get_open_survey(db.session(), DEMO, held=True)
    stale = dataclasses.replace(held, updated_at=held.updated_at.replace(year=2000))
    monkeypatch.setattr(catalogue, "get_open_survey", lambda *args, **kwargs: stale)
    refused = client.post(f"/api/v1/surveys/{DEMO}/responses",
                          json={"answers": {"wellbeing": "good"}, "consent": CONSENT})
    assert refused.status_code == 409 and "nothing was stored" in refused.get_json()["message"]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Response)) == 1
