import itertools
import json
from datetime import datetime, timedelta

import jsonschema_rs
import pytest

from surveys.api.openapi import RECEIPT_SCHEMA, document
from tests.conftest import sign_in

DEMO = "wellbeing-demo"
GIVEN = {"full_name": "Ann Lee", "wellbeing": "good", "smoker": True}
NONE_SET = {"opt_out_third_party": False, "opt_out_other_purposes": False, "spi_disclosure": False}
SCHEMA = json.loads(RECEIPT_SCHEMA.read_text(encoding="utf-8"))


def receipt_of(client, code: str) -> dict:
    response = client.get("/api/v1/me/consent-receipt", headers={"X-Receipt": code})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def change(client, code: str, **choices) -> None:
    assert client.patch("/api/v1/me", headers={"X-Receipt": code}, json={"consent": choices}).status_code == 200


def served(receipt: dict) -> dict[str, bool]:
    return {p["purpose_id"]: p["served"] for p in receipt["purposes"]}


def schema_errors(receipt: dict) -> list[str]:
    validator = jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True)
    return [error.message for error in validator.iter_errors(receipt)]


def test_a_fresh_response_has_a_receipt_with_one_given_event(client, submit):
    submitted = submit(DEMO, GIVEN).get_json()
    receipt = receipt_of(client, submitted["receipt"])
    assert receipt["pii_principal_id"] == submitted["id"]
    assert receipt["schema_version"] == SCHEMA["$id"] and receipt["language"] == "en"
    assert receipt["privacy_notice"] == {"notice_version": "2026-11-01", "notice_url": "http://localhost/privacy"}
    assert receipt["service"] == {"survey": DEMO, "title": "Patient wellbeing survey (demo)"}
    [event] = receipt["events"]
    assert (event["event_type"], event["event_state"], event["source"], event["notice_version"]) == (
        "given", NONE_SET, "api", "2026-11-01")
    assert event["event_time"].endswith("Z")
    assert served(receipt) == {"collection": True, "other_purposes": True, "third_party_disclosure": True,
                               "spi_disclosure": False}
    third_party = next(p for p in receipt["purposes"] if p["purpose_id"] == "third_party_disclosure")
    assert third_party["pii_types_served"] == ["non_pii", "pii"]  # sensitive answers wait for consent
    assert {i["pii_type"]: i["pii_attribute_ids"] for i in receipt["pii_information"]} == {
        "non_pii": ["clinic", "wellbeing", "sleep_hours", "bedtime", "visits", "last_visit", "activities"],
        "pii": ["full_name", "email", "birth_date", "postcode"],
        "spi": ["phq1", "phq2", "phq_total", "smoker", "cigarettes", "conditions", "contact_me"]}


def test_the_record_id_is_stable_and_differs_between_respondents(client, submit):
    first, second = (submit(DEMO, GIVEN).get_json()["receipt"] for _ in range(2))
    assert receipt_of(client, first)["record_id"] == receipt_of(client, first)["record_id"]
    assert receipt_of(client, first)["record_id"] != receipt_of(client, second)["record_id"]


def test_each_consent_change_is_a_modified_event_with_the_choices_after_it(client, submit):
    code = submit(DEMO, GIVEN).get_json()["receipt"]
    change(client, code, opt_out_third_party=True)
    assert served(receipt_of(client, code))["third_party_disclosure"] is False
    change(client, code, spi_disclosure=True)
    after_spi = receipt_of(client, code)
    assert served(after_spi)["spi_disclosure"] is True  # for other purposes, the third parties being opted out
    change(client, code, opt_out_other_purposes=True, opt_out_third_party=False)
    receipt = receipt_of(client, code)
    assert [(e["event_type"], e["event_state"]) for e in receipt["events"]] == [
        ("given", NONE_SET),
        ("modified", {**NONE_SET, "opt_out_third_party": True}),
        ("modified", {**NONE_SET, "opt_out_third_party": True, "spi_disclosure": True}),
        ("modified", {**NONE_SET, "opt_out_other_purposes": True, "spi_disclosure": True}),
    ]
    times = [e["event_time"] for e in receipt["events"]]
    assert times == sorted(times)
    assert served(receipt) == {"collection": True, "other_purposes": False, "third_party_disclosure": True,
                               "spi_disclosure": True}


def test_a_change_that_changes_nothing_adds_no_event(client, submit):
    code = submit(DEMO, GIVEN).get_json()["receipt"]
    change(client, code, opt_out_third_party=False)
    assert len(receipt_of(client, code)["events"]) == 1


@pytest.mark.parametrize("gpc", [True, False])
def test_a_gpc_opt_out_is_in_the_first_event_and_keeps_third_parties_out(client, submit, gpc):
    headers = {"Sec-GPC": "1"} if gpc else {}
    code = submit(DEMO, GIVEN, headers=headers).get_json()["receipt"]
    receipt = receipt_of(client, code)
    [event] = receipt["events"]
    assert event["event_state"]["opt_out_third_party"] is gpc
    assert ("Global Privacy Control" in event["note"]) is gpc
    assert event["gpc"] is gpc
    assert served(receipt)["third_party_disclosure"] is not gpc


def test_every_combination_of_choices_serves_the_purposes_the_spec_table_allows(client, submit):
    code = submit(DEMO, GIVEN).get_json()["receipt"]
    for third, other, spi in itertools.product((False, True), repeat=3):
        change(client, code, opt_out_third_party=third, opt_out_other_purposes=other, spi_disclosure=spi)
        receipt = receipt_of(client, code)
        assert served(receipt) == {
            "collection": True,
            "other_purposes": not other,
            "third_party_disclosure": not third,
            # sensitive answers go to third parties or for other purposes with consent, unless both are closed
            "spi_disclosure": spi and not (third and other),
        }, (third, other, spi)
        assert receipt["events"][-1]["event_state"] == {"opt_out_third_party": third,
                                                        "opt_out_other_purposes": other, "spi_disclosure": spi}
        assert not schema_errors(receipt)


def test_the_receipt_names_controller_retention_recipients_and_how_to_withdraw(
        client, submit, make_recipient, make_survey, monkeypatch, make_app):
    make_recipient("Acme", purposes=("care-quality", "research"), surveys=(DEMO,))
    make_survey("slug: other\ntitle: O\npurpose: p\nfields:\n  - {name: q, type: text, classification: non_pii}\n")
    make_recipient("Elsewhere", surveys=("other",))
    code = submit(DEMO, GIVEN).get_json()["receipt"]
    monkeypatch.setenv("SURVEYS_CONTROLLER_NAME", "Example Health Ltd")
    monkeypatch.setenv("SURVEYS_CONTROLLER_CONTACT", "privacy@example.org")
    receipt = receipt_of(make_app().test_client(), code)
    assert receipt["pii_controllers"] == [{"party_name": "Example Health Ltd", "party_contact": "privacy@example.org",
                                           "party_role": "pii_controller"}]
    assert receipt["recipients"] == [{"party_name": "internal", "party_role": "internal"},
                                     {"party_name": "Acme", "party_role": "third_party",
                                      "purposes": ["care-quality", "research"]}]
    retention = receipt["retention_period"]
    starts, ends = (datetime.fromisoformat(retention[key]) for key in ("starts_at", "ends_at"))
    assert retention["days"] == 3650 and ends - starts == timedelta(days=3650)
    assert retention["starts_at"] == client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["submitted_at"]
    withdrawal = receipt["withdrawal_method"]
    assert (withdrawal["self_service_url"], withdrawal["api_method"], withdrawal["api_url"]) == (
        "http://localhost/me", "DELETE", "http://localhost/api/v1/me")


def test_without_a_configured_contact_the_receipt_points_to_the_privacy_notice(client, submit):
    code = submit(DEMO, GIVEN).get_json()["receipt"]
    [controller] = receipt_of(client, code)["pii_controllers"]
    assert controller == {"party_name": "illumeMed", "party_contact": "http://localhost/privacy",
                          "party_role": "pii_controller"}


@pytest.mark.parametrize("headers", [{}, {"X-Receipt": "AAAA-BBBB-CCCC"}])
def test_a_missing_or_wrong_receipt_gets_401_in_the_api_error_shape(client, submit, headers):
    submit(DEMO, GIVEN)
    response = client.get("/api/v1/me/consent-receipt", headers=headers)
    assert response.status_code == 401
    assert set(response.get_json()) == {"error", "message"} and response.get_json()["error"] == "unknown_receipt"


def test_an_erased_response_has_no_receipt(client, submit):
    code = submit(DEMO, GIVEN).get_json()["receipt"]
    assert client.delete("/api/v1/me", headers={"X-Receipt": code}).status_code == 204
    response = client.get("/api/v1/me/consent-receipt", headers={"X-Receipt": code})
    assert response.status_code == 401 and response.get_json()["error"] == "unknown_receipt"


def test_the_me_page_downloads_the_same_receipt_as_the_api(client, submit):
    code = submit(DEMO, GIVEN).get_json()["receipt"]
    assert client.get("/me/consent-receipt").status_code == 302  # signed out
    sign_in(client, code)
    assert 'href="/me/consent-receipt"' in client.get("/me/record").get_data(as_text=True)
    download = client.get("/me/consent-receipt")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert download.headers["Content-Disposition"] == f'attachment; filename="consent-receipt-{DEMO}.json"'
    assert download.headers["Cache-Control"] == "no-store"
    assert json.loads(download.data) == receipt_of(client, code)


def test_receipts_of_several_kinds_validate_against_the_json_schema(client, submit, make_survey, make_recipient):
    assert jsonschema_rs.meta.is_valid(SCHEMA)
    make_recipient("Acme", surveys=(DEMO,))
    make_survey("slug: plain\ntitle: Plain\npurpose: p\nretention_days: 30\nfields:\n"
                "  - {name: q, type: text, classification: non_pii}\n")
    fresh = submit(DEMO, GIVEN).get_json()["receipt"]
    changed = submit(DEMO, {"wellbeing": "fair"}, {"spi_disclosure": True}, headers={"Sec-GPC": "1"}).get_json()
    change(client, changed["receipt"], opt_out_other_purposes=True)
    plain = submit("plain", {"q": "x"}).get_json()["receipt"]
    receipts = [receipt_of(client, code) for code in (fresh, changed["receipt"], plain)]
    assert [len(r["events"]) for r in receipts] == [1, 2, 1]
    assert receipts[2]["pii_information"] == [{"pii_type": "non_pii", "sensitive_pii_category": False,
                                               "pii_attribute_ids": ["q"]}]
    assert receipts[2]["recipients"] == [{"party_name": "internal", "party_role": "internal"}]
    for receipt in receipts:
        assert schema_errors(receipt) == []


@pytest.mark.parametrize("path", [
    ("pii_principal_id",), ("events",), ("purposes",), ("withdrawal_method", "api_url"),
    ("retention_period", "ends_at"), ("events", 0, "event_state", "spi_disclosure"), ("purposes", 0, "served"),
])
def test_the_schema_rejects_a_receipt_missing_a_required_field(client, submit, path):
    receipt = receipt_of(client, submit(DEMO, GIVEN).get_json()["receipt"])
    assert schema_errors(receipt) == []
    holder = receipt
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    assert any("required property" in message for message in schema_errors(receipt))


def test_the_schema_rejects_values_of_the_wrong_kind(client, submit):
    receipt = receipt_of(client, submit(DEMO, GIVEN).get_json()["receipt"])
    receipt["events"][0]["event_type"] = "withdrawn"
    receipt["retention_period"]["ends_at"] = "some day"
    receipt["purposes"][1]["served"] = "yes"
    assert len(schema_errors(receipt)) == 3


def test_the_openapi_document_describes_the_receipt_with_the_schema_file(client):
    served_document = client.get("/api/v1/openapi.json").get_json()
    component = served_document["components"]["schemas"]["ConsentReceipt"]
    assert component == {key: value for key, value in SCHEMA.items() if key not in ("$schema", "$id")}
    assert document()["paths"]["/api/v1/me/consent-receipt"]["get"]["security"] == [{"receipt": []}]
