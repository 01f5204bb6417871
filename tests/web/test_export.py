import hashlib
import json

import pytest
from sqlalchemy import func, select, text

from models.disclosure import ConsentState
from models.ledger import LedgerEntry
from models.recipient import INTERNAL, Recipient
from models.vocabulary import PurposeRelation, RecipientKind
from surveys import db, recipients
from tests.conftest import (CLASSES, COMBOS, combo_tag, csv_rows, download, export_form, independent_statement,
                            recipient_id)
from tests.conftest import PANEL_SURVEY as SURVEY


def preview(client, **values):
    return client.post("/researcher/export", data=export_form(client, **values))


AUDIENCES = [
    ("internal", "care-quality", RecipientKind.INTERNAL, PurposeRelation.ORIGINAL),
    ("internal", "fundraising", RecipientKind.INTERNAL, PurposeRelation.OTHER),
    ("Acme", "care-quality", RecipientKind.THIRD_PARTY, PurposeRelation.ORIGINAL),
    ("Acme", "marketing", RecipientKind.THIRD_PARTY, PurposeRelation.OTHER),
]


@pytest.mark.parametrize("clearance", [False, True])
@pytest.mark.parametrize("who, purpose, kind, relation", AUDIENCES)
def test_each_recipient_gets_exactly_what_the_table_allows_and_no_withheld_value(
        app, client, login, make_recipient, panel, who, purpose, kind, relation, clearance):
    make_recipient("Acme", purposes=("care-quality", "marketing"), surveys=("panel",))
    login("researcher", spi=clearance)
    if who == "internal":
        page = client.get("/researcher/recipients")  # registering an internal purpose is an admin's job
        assert page.status_code == 403
        with app.app_context():
            internal = db.session().scalar(select(Recipient).where(Recipient.kind == INTERNAL))
            recipients.update_recipient(db.session(), internal, ["fundraising"], [])
            db.commit()
    data = download(client, recipient=str(recipient_id(app, who)), purpose=purpose)
    rows = {row["tag"]: row for row in csv_rows(data)}
    assert set(rows) == {combo_tag(c) for c in COMBOS}
    for combo in COMBOS:
        tag, consent = combo_tag(combo), ConsentState(*combo)
        for field, cls in CLASSES.items():
            allowed = independent_statement(cls, kind, relation, consent, clearance)
            value = f"{field}-of-{tag}" if field != "tag" else tag
            assert (rows[tag][field] == value) is allowed, (field, combo)
            if not allowed:
                assert rows[tag][field] == "" and value.encode() not in data


def test_the_preview_counts_what_goes_out_and_what_is_withheld_and_why(app, client, login, make_recipient, panel):
    make_recipient("Acme", surveys=("panel",))
    login()
    html = preview(client, recipient=str(recipient_id(app, "Acme")), purpose="care-quality").get_data(as_text=True)
    assert 'id="going-out">8<' in html and 'id="total">8<' in html and 'id="withdrawn">0<' in html
    assert "<tr><td>name</td><td>withheld: the respondent opted out of third-party disclosure</td><td>4</td></tr>" in html
    assert ("<tr><td>condition</td><td>withheld: the respondent did not consent to disclosure of sensitive "
            "answers</td><td>4</td></tr>") in html
    assert "<tr><td>condition</td><td>withheld: the respondent opted out of third-party disclosure</td><td>2</td></tr>" in html
    dropped = preview(client, recipient=str(recipient_id(app, "Acme")), purpose="care-quality", mode="drop")
    assert 'id="going-out">2<' in dropped.get_data(as_text=True)  # only tp and spi consent, no opt-out


def test_drop_mode_leaves_out_anyone_with_something_withheld(app, client, login, make_recipient, panel):
    make_recipient("Acme", surveys=("panel",))
    login()
    rows = csv_rows(download(client, recipient=str(recipient_id(app, "Acme")), purpose="care-quality", mode="drop"))
    assert sorted(row["tag"] for row in rows) == ["tag-001", "tag-011"]
    assert all(row["name"] and row["condition"] for row in rows)


def test_json_lines_list_the_withheld_fields_and_leave_them_out_of_answers(app, client, login, make_recipient, panel):
    make_recipient("Acme", surveys=("panel",))
    login()
    data = download(client, recipient=str(recipient_id(app, "Acme")), purpose="care-quality", format="jsonl")
    items = [json.loads(line) for line in data.decode().splitlines()]
    assert len(items) == 8
    opted_out = next(item for item in items if item["answers"]["tag"] == "tag-100")
    assert opted_out["answers"] == {"tag": "tag-100"} and opted_out["withheld"] == ["name", "condition"]
    assert set(opted_out) == {"respondent", "submitted_at", "language", "answers", "withheld"}
    assert opted_out["language"] == "en"  # non-PII: it goes out with every line


def test_third_parties_get_stable_pseudonyms_of_their_own_never_the_internal_id(app, client, login, make_recipient,
                                                                                panel):
    make_recipient("Acme", surveys=("panel",))
    make_recipient("Beta", surveys=("panel",))
    login()
    acme = {r["tag"]: r["respondent"] for r in csv_rows(download(client, recipient=str(recipient_id(app, "Acme")),
                                                                   purpose="care-quality"))}
    again = {r["tag"]: r["respondent"] for r in csv_rows(download(client, recipient=str(recipient_id(app, "Acme")),
                                                                    purpose="care-quality"))}
    beta = {r["tag"]: r["respondent"] for r in csv_rows(download(client, recipient=str(recipient_id(app, "Beta")),
                                                                   purpose="care-quality"))}
    staff_view = {r["tag"]: r["respondent"] for r in csv_rows(download(client, recipient=str(
        recipient_id(app, "internal")), purpose="care-quality"))}
    assert acme == again
    assert all(acme[tag] != beta[tag] for tag in acme)
    assert not set(acme.values()) & set(staff_view.values())
    assert len(set(acme.values())) == 8


def test_a_purpose_not_registered_or_a_survey_not_shared_is_refused(app, client, login, make_recipient, panel):
    make_recipient("Acme", purposes=("research",), surveys=("wellbeing-demo",))
    login()
    html = preview(client, recipient=str(recipient_id(app, "Acme")), purpose="research").get_data(as_text=True)
    assert "is not shared with Acme" in html and 'id="going-out"' not in html
    response = client.post("/researcher/export/download", data=export_form(
        client, survey="wellbeing-demo", recipient=str(recipient_id(app, "Acme")), purpose="marketing"))
    # The export page again, the refusal at the purpose; nothing went out and nothing was recorded.
    assert response.status_code == 400 and not response.headers.get("Content-Disposition")
    assert "&#39;marketing&#39; is neither the survey" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.action == "export")) == 0


def test_csv_cells_that_look_like_formulas_are_neutralised(app, client, login, make_survey, submit):
    make_survey(SURVEY)
    submit("panel", {"tag": "=HYPERLINK(\"http://x\")", "name": "+1+1", "condition": "@SUM(A1)"})
    login(spi=True)
    rows = csv_rows(download(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality"))
    assert [rows[0][f] for f in ("tag", "name", "condition")] == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'@SUM(A1)"]


def test_the_codebook_names_each_field_with_label_type_and_class(client, login, make_survey):
    make_survey(SURVEY)
    login()
    rows = csv_rows(client.get("/researcher/export/codebook/panel").data)
    assert [(r["field"], r["type"], r["classification"]) for r in rows] == [
        ("respondent", "text", "non_pii"), ("submitted_at", "datetime", "non_pii"), ("language", "text", "non_pii"),
        ("tag", "text", "non_pii"),
        ("name", "text", "pii"), ("condition", "text", "spi"), ("withheld", "text", "non_pii")]


def test_every_download_is_in_the_ledger_with_the_digest_of_its_bytes(app, client, login, make_recipient, panel,
                                                                      runner):
    make_recipient("Acme", surveys=("panel",))
    login()
    data = download(client, recipient=str(recipient_id(app, "Acme")), purpose="care-quality")
    from models.ledger import LedgerEntry
    with app.app_context():
        [entry] = db.session().scalars(select(LedgerEntry).where(LedgerEntry.action.not_in(("survey_saved", "grant")))).all()
        assert entry.payload_digest == hashlib.sha256(data).hexdigest()
        assert (entry.action, entry.recipient, entry.purpose, entry.purpose_relation, entry.survey) == (
            "export", "Acme", "care-quality", "original", "panel")
        assert entry.actor == "researcher@example.org" and entry.respondent_count == 8
        assert entry.fields == ["tag", "name", "condition"]
        assert entry.withheld == {"name": {"opted_out_third_party": 4},
                                  "condition": {"no_spi_consent": 4, "opted_out_third_party": 2}}
    seen = client.get("/api/v1/me", headers={"X-Receipt": panel["tag-100"]}).get_json()["disclosures"]
    assert [(d["recipient"], d["purpose"], d["fields"]) for d in seen] == [("Acme", "care-quality", ["tag"])]
    full = client.get("/api/v1/me", headers={"X-Receipt": panel["tag-001"]}).get_json()["disclosures"]
    assert full[0]["fields"] == ["tag", "name", "condition"]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "ledger intact: 5 entries" in result.output  # two surveys saved, two grants, one export


def test_aggregates_admit_what_the_rule_allows_and_suppress_small_cells(app, client, login, make_survey, submit):
    make_survey("""
slug: agg
title: Agg
purpose: care-quality
fields:
  - {name: mood, type: choice, choices: [up, down, flat], classification: non_pii}
  - {name: hiv, type: choice, choices: [positive, negative], classification: spi}
  - {name: score, type: integer, classification: pii}
""")
    for i in range(30):
        mood = "up" if i < 20 else ("down" if i < 27 else "flat")  # 20 / 7 / 3
        submit("agg", {"mood": mood, "hiv": "negative", "score": i}, {"spi_disclosure": i < 12})
    login(spi=True)
    data = download(client, survey="agg", recipient=str(recipient_id(app, "internal")), purpose="care-quality",
                    format="aggregate")
    result = json.loads(data)
    mood = result["fields"]["mood"]
    # 7 and 3 are under k=11; hidden together they still sum to 10, so 20 is hidden as well,
    # or 30 - 20 would reveal a group of 10
    assert mood == {"type": "choice", "classification": "non_pii", "answered": 30, "suppressed": False,
                    "counts": {"up": None, "down": None, "flat": None}, "suppressed_cells": ["up", "down", "flat"]}
    assert result["fields"]["score"] == {"type": "integer", "classification": "pii", "answered": 30,
                                         "suppressed": False, "mean": 14.5, "sd": 8.66}
    assert result["fields"]["hiv"]["counts"]["negative"] == 30  # staff with clearance, original purpose
    from models.ledger import LedgerEntry
    with app.app_context():
        entry = db.session().scalars(select(LedgerEntry).where(LedgerEntry.action.not_in(("survey_saved", "grant")))).one()
        assert entry.action == "aggregate" and entry.payload_digest == hashlib.sha256(data).hexdigest()


def test_respondents_left_out_in_drop_mode_are_never_decrypted(app, client, login, make_recipient, panel,
                                                               monkeypatch):
    from models import crypto
    opened = []
    real = crypto._open  # every blob of answers is opened here
    monkeypatch.setattr(crypto, "_open", lambda aead, blob, aad: opened.append(aad) or real(aead, blob, aad))
    make_recipient("Acme", surveys=("panel",))
    login()
    rows = csv_rows(download(client, recipient=str(recipient_id(app, "Acme")), purpose="care-quality", mode="drop"))
    assert len(rows) == 2
    answers = [aad for aad in opened if b"|value|" in aad]  # not the parts of the export's own sealed file
    assert len(answers) == 4  # the two that go out, PII and SPI each; the six left out, nothing


def test_an_export_larger_than_a_batch_writes_every_respondent_line_in_order_beside_the_stream(
        app, client, login, make_recipient, panel, runner, monkeypatch):
    from surveys.recording import Recorder
    monkeypatch.setattr(Recorder, "BATCH", 3)  # eight respondents: two batches through the writer thread, two left
    make_recipient("Acme", surveys=("panel",))
    login()
    rows = csv_rows(download(client, recipient=str(recipient_id(app, "Acme")), purpose="care-quality"))
    lines = ledger_lines_of(app, "export")
    assert len(rows) == len(lines) == 8
    assert [response_id for response_id, _, _ in lines] == sorted(response_id for response_id, _, _ in lines)
    with app.extensions["surveys.engine"].connect() as connection:
        stored = dict(connection.execute(text("SELECT id, public_id FROM responses")).all())
    assert all(stored[response_id] == public_id for response_id, public_id, _ in lines)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    seen = client.get("/api/v1/me", headers={"X-Receipt": panel["tag-111"]}).get_json()["disclosures"]
    assert [(d["recipient"], d["purpose"], d["fields"]) for d in seen] == [("Acme", "care-quality", ["tag"])]


def test_a_new_response_given_an_erased_ones_id_sees_none_of_its_disclosures(app, client, submit, make_recipient):
    token = make_recipient("Acme")
    first = submit("wellbeing-demo", {"wellbeing": "good"}).get_json()
    headers = {"Authorization": f"Bearer {token}"}
    assert len(client.get("/api/v1/surveys/wellbeing-demo/responses?purpose=care-quality",
                          headers=headers).get_json()["data"]) == 1
    assert len(client.get("/api/v1/me", headers={"X-Receipt": first["receipt"]}).get_json()["disclosures"]) == 1
    assert client.delete("/api/v1/me", headers={"X-Receipt": first["receipt"]}).status_code == 204
    second = submit("wellbeing-demo", {"wellbeing": "poor"}).get_json()
    with app.extensions["surveys.engine"].connect() as connection:
        new_id = connection.execute(text("SELECT id FROM responses")).scalar_one()
    reused = [line for line in ledger_lines_of(app, "api_page") if line[0] == new_id]
    if app.extensions["surveys.engine"].dialect.name == "sqlite":
        assert len(reused) == 1  # SQLite handed the erased row's id to the new one
    assert client.get("/api/v1/me", headers={"X-Receipt": second["receipt"]}).get_json()["disclosures"] == []


def ledger_lines_of(app, action: str) -> list:
    """Every line of the disclosures of this kind, in the order written."""
    from models.ledger import LedgerEntry
    from models.ledger_lines import lines_of
    from surveys import db
    with app.app_context():
        session = db.session()
        batches = session.scalars(select(LedgerEntry.batch).where(LedgerEntry.action == action)
                                  .order_by(LedgerEntry.seq)).all()
        return [line for batch in batches for line in lines_of(session, batch)]
