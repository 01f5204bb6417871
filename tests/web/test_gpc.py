"""Global Privacy Control as California's regulations read it (11 CCR §7025(c)): the signal is an
opt-out of third-party disclosure that the form or body cannot override, and only a later,
separate and explicit choice on the respondent's own record lifts it."""
import re

import pytest

from tests.conftest import answer, csrf_token, shown_code

DEMO = "wellbeing-demo"
GPC = {"Sec-GPC": "1"}
ANSWERS = {"wellbeing": "good", "full_name": "Ann Lee"}


def test_the_site_says_it_honors_the_signal(client):
    response = client.get("/.well-known/gpc.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["gpc"] is True and re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["lastUpdate"])


@pytest.mark.parametrize("said", [False, True, None])
def test_the_api_records_the_opt_out_whatever_the_body_says_and_says_so(client, submit, said):
    consent = {} if said is None else {"opt_out_third_party": said}
    response = submit(DEMO, ANSWERS, consent, headers=GPC)
    assert response.status_code == 201
    assert response.get_json()["consent"] == {"opt_out_third_party": True, "opt_out_other_purposes": False,
                                              "spi_disclosure": False, "gpc": "honored"}
    record = client.get("/api/v1/me", headers={"X-Receipt": response.get_json()["receipt"]}).get_json()
    assert record["consent"]["opt_out_third_party"] is True


def test_without_the_signal_the_201_has_no_gpc_and_the_body_decides(submit):
    consent = submit(DEMO, ANSWERS).get_json()["consent"]
    assert "gpc" not in consent and consent["opt_out_third_party"] is False


def test_a_gpc_respondent_goes_to_no_third_party(client, submit, make_recipient):
    token = make_recipient("Acme")
    submit(DEMO, ANSWERS, {"opt_out_third_party": False}, headers=GPC)
    page = client.get("/api/v1/surveys/wellbeing-demo/responses?purpose=care-quality",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    [row] = page["data"]
    assert "full_name" in row["withheld"] and "full_name" not in row["answers"]


def through_the_form(client, headers, **choices) -> str:
    page = client.get(f"/s/{DEMO}", headers=headers)
    client.post(f"/s/{DEMO}", headers=headers, data={"csrf_token": csrf_token(page.data), "participate": "y",
                                                     "age_confirmed": "y", **choices})
    assert answer(client, q_wellbeing="good", q_full_name="Ann").status_code == 302
    return client.get(f"/s/{DEMO}/receipt", headers=headers).get_data(as_text=True)


def test_the_form_says_the_opt_out_request_is_honored_and_cannot_untick_it(client):
    html = client.get(f"/s/{DEMO}", headers=GPC).get_data(as_text=True)
    assert "Opt-out request honored" in html
    box = re.search(r'<input[^>]*name="opt_out_third_party"[^>]*>', html).group(0)
    assert "checked" in box and "disabled" in box
    receipt_page = through_the_form(client, GPC)  # the box is left unticked in what is posted
    assert "Opt-out request honored" in receipt_page
    code = shown_code(receipt_page)
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["consent"]["opt_out_third_party"]


def test_without_the_signal_the_form_says_nothing_of_it(client):
    page = through_the_form(client, {})
    assert "Opt-out request honored" not in page and "Global Privacy Control" not in page


def sign_in(client, code, headers=None):
    page = client.get("/me", headers=headers or {})
    client.post("/me", headers=headers or {}, data={"csrf_token": csrf_token(page.data), "code": code})
    return client.get("/me/record", headers=headers or {})


def change(client, headers=None, **data):
    page = client.get("/me/record", headers=headers or {})
    return client.post("/me/consent", headers=headers or {}, data={"csrf_token": csrf_token(page.data), **data})


def opt_out(client, code) -> bool:
    return client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["consent"]["opt_out_third_party"]


def test_on_the_record_a_browser_sending_gpc_is_told_its_signal_is_on(client, submit):
    code = submit(DEMO, ANSWERS).get_json()["receipt"]
    assert "Global Privacy Control signal" in sign_in(client, code, GPC).get_data(as_text=True)
    assert "Global Privacy Control signal" not in client.get("/me/record").get_data(as_text=True)


@pytest.mark.parametrize("submitted_with, browsing_with", [(GPC, GPC), (GPC, {}), ({"opt": True}, GPC)])
def test_lifting_an_opt_out_the_signal_asks_for_needs_an_explicit_confirmation(client, submit, submitted_with,
                                                                              browsing_with):
    if "opt" in submitted_with:
        code = submit(DEMO, ANSWERS, {"opt_out_third_party": True}).get_json()["receipt"]
    else:
        code = submit(DEMO, ANSWERS, headers=submitted_with).get_json()["receipt"]
    sign_in(client, code, browsing_with)
    refused = change(client, browsing_with)
    assert refused.status_code == 302 and "gpc=confirm" in refused.headers["Location"]
    assert opt_out(client, code) is True
    page = client.get(refused.headers["Location"], headers=browsing_with).get_data(as_text=True)
    assert "tick this box as well" in page and 'name="lift_gpc"' in page
    assert change(client, browsing_with, lift_gpc="y").status_code == 302
    assert opt_out(client, code) is False


def test_an_opt_out_chosen_without_any_signal_is_lifted_as_before(client, submit):
    code = submit(DEMO, ANSWERS, {"opt_out_third_party": True}).get_json()["receipt"]
    sign_in(client, code)
    assert 'name="lift_gpc"' not in client.get("/me/record").get_data(as_text=True)
    change(client)
    assert opt_out(client, code) is False


def test_other_choices_change_freely_while_the_signal_is_on(client, submit):
    code = submit(DEMO, ANSWERS, headers=GPC).get_json()["receipt"]
    sign_in(client, code, GPC)
    change(client, GPC, opt_out_third_party="y", spi_disclosure="y")
    record = client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["consent"]
    assert record == {"opt_out_third_party": True, "opt_out_other_purposes": False, "spi_disclosure": True}


def test_the_api_will_not_lift_the_opt_out_in_a_request_that_carries_the_signal(client, submit):
    code = submit(DEMO, ANSWERS, headers=GPC).get_json()["receipt"]
    refused = client.patch("/api/v1/me", headers={"X-Receipt": code, **GPC},
                           json={"consent": {"opt_out_third_party": False}, "answers": {"full_name": "Changed"}})
    assert refused.status_code == 422 and "opt_out_third_party" in refused.get_json()["errors"]
    assert opt_out(client, code) is True
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["answers"]["full_name"] == "Ann Lee"
    lifted = client.patch("/api/v1/me", headers={"X-Receipt": code}, json={"consent": {"opt_out_third_party": False}})
    assert lifted.status_code == 200 and opt_out(client, code) is False
