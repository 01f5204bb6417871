"""Input a client can send that once broke the service: refused at the door with a 4xx naming
what is wrong, and nothing stored."""
import pytest

from tests.conftest import CONSENT, answer, csrf_token, exported_file

DEMO = "wellbeing-demo"
SURROGATE_BODY = '{"answers": {"full_name": "Ann \\ud800", "wellbeing": "good"}, "consent": %s}'


def post_raw(client, body: str, slug: str = DEMO):
    return client.post(f"/api/v1/surveys/{slug}/responses", data=body.encode(), content_type="application/json")


def consent_json() -> str:
    return '{"participate": true, "age_confirmed": true}'


def test_a_lone_surrogate_in_an_answer_is_a_422_naming_the_field(client, count_rows):
    response = post_raw(client, SURROGATE_BODY % consent_json())
    assert response.status_code == 422
    assert "UTF-8" in response.get_json()["errors"]["full_name"][0]
    assert count_rows("responses") == 0


@pytest.mark.parametrize("body, field", [
    ('{"answers": {"\\ud800x": "a"}, "consent": %s}', "\\ud800x"),
    ('{"answers": {"wellbeing": "good"}, "consent": {"participate": true, "age_confirmed": true, "\\udfff": true}}',
     "\\udfff"),
    ('{"answers": {"activities": ["walking", "\\udc80"]}, "consent": %s}', "activities"),
    ('{"answers": {"full_name": "a\\u0000b"}, "consent": %s}', "full_name"),
    ('{"answers": {"wellbeing": "good"}, "consent": %s, "\\ud800": 1}', "\\ud800"),
])
def test_text_that_cannot_be_stored_anywhere_in_a_body_is_named_and_nothing_is_kept(client, count_rows, body, field):
    response = post_raw(client, body.replace("%s", consent_json()))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["errors"]
    assert count_rows("responses") == 0


def test_a_correction_with_a_lone_surrogate_is_refused_and_the_record_is_unchanged(client, submit):
    receipt = submit(DEMO, {"full_name": "Ann", "wellbeing": "good"}).get_json()["receipt"]
    response = client.patch("/api/v1/me", data='{"answers": {"full_name": "\\ud83d"}}', content_type="application/json",
                            headers={"X-Receipt": receipt})
    assert response.status_code == 422 and "full_name" in response.get_json()["errors"]
    assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).get_json()["answers"]["full_name"] == "Ann"


def test_json_nested_a_hundred_thousand_deep_is_a_400(client, count_rows):
    response = post_raw(client, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    deep = '{"answers": ' + '{"a": ' * 30_000 + "1" + "}" * 30_000 + ', "consent": {}}'
    assert post_raw(client, deep).status_code == 400
    assert count_rows("responses") == 0


def start_form(client, **extra):
    page = client.get(f"/s/{DEMO}")
    client.post(f"/s/{DEMO}", data={"csrf_token": csrf_token(page.data), "participate": "y", "age_confirmed": "y"})
    page = client.get(f"/s/{DEMO}/questions")
    return client.post(f"/s/{DEMO}/questions", data={"csrf_token": csrf_token(page.data), **extra})


def test_a_nul_in_a_form_field_is_a_422_page_naming_the_question(client, count_rows):
    response = start_form(client, q_full_name="Ann\x00Lee", q_wellbeing="good")
    assert response.status_code == 422
    assert "full_name" in response.get_data(as_text=True)
    assert count_rows("responses") == 0


def test_bytes_that_are_not_utf8_in_a_form_arrive_as_their_escapes_and_export(client, login, count_rows):
    page = client.get(f"/s/{DEMO}")
    client.post(f"/s/{DEMO}", data={"csrf_token": csrf_token(page.data), "participate": "y", "age_confirmed": "y"})
    token = csrf_token(client.get(f"/s/{DEMO}/questions").data)
    body = f"csrf_token={token}&action=next&page=about_you&q_full_name=Ann%ED%A0%80Lee".encode()
    response = client.post(f"/s/{DEMO}/questions", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert answer(client, q_wellbeing="good").status_code == 302 and count_rows("responses") == 1
    login("admin", spi=True)
    page = client.get("/researcher/export")
    export = client.post("/researcher/export/download", data={
        "csrf_token": csrf_token(page.data), "survey": DEMO, "recipient": "1", "purpose": "care-quality",
        "format": "csv", "mode": "blank"})
    assert "Ann%ED%A0%80Lee" in exported_file(client, export).decode()


@pytest.mark.parametrize("path", ["/s/demo%00x", "/api/v1/surveys/demo%00x/responses", "/s/%ED%A0%80",
                                  "/?q=%00"])
def test_a_nul_in_a_path_or_query_is_a_4xx(client, path):
    assert 400 <= client.get(path).status_code < 500


@pytest.mark.parametrize("limit", ["²", "①", "٣", "-1", "0", "1001", "99999999999999999999999", "1e3", " 5", ""])
def test_a_limit_that_is_not_a_plain_whole_number_in_range_is_a_422(client, make_recipient, limit):
    token = make_recipient("Acme")
    response = client.get("/api/v1/surveys/wellbeing-demo/responses", query_string={
        "purpose": "care-quality", "limit": limit}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "limit" in response.get_json()["errors"]


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-13-01",
                                   "99999-01-01", "2026-01-01T25:00", "\u0662\u0660\u0662\u0666-01-01"])
@pytest.mark.parametrize("endpoint", ["responses", "revocations"])
def test_a_since_out_of_range_or_malformed_is_a_422(client, make_recipient, since, endpoint):
    token = make_recipient("Acme")
    response = client.get(f"/api/v1/surveys/wellbeing-demo/{endpoint}", query_string={
        "purpose": "care-quality", "since": since}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "since" in response.get_json()["errors"]


def test_the_far_ends_of_time_that_exist_in_utc_are_accepted(client, make_recipient):
    token = make_recipient("Acme")
    for since in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"):
        response = client.get("/api/v1/surveys/wellbeing-demo/revocations", query_string={"since": since},
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200


def test_a_recipient_update_checks_purposes_as_creation_does(client, login, make_recipient):
    make_recipient("Acme")
    login("admin")
    page = client.get("/researcher/recipients/2")
    response = client.post("/researcher/recipients/2", data={
        "csrf_token": csrf_token(page.data), "name": "Acme", "purposes": "p" * 65, "surveys": [DEMO]})
    assert response.status_code == 200 and "at most 64 characters" in response.get_data(as_text=True)
    assert "care-quality" in client.get("/researcher/recipients/2").get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("email", "ann\x00@example.org"), ("password", "pass\x00word")])
def test_a_nul_in_the_sign_in_form_is_a_4xx(client, field, value):
    page = client.get("/researcher/login")
    data = {"csrf_token": csrf_token(page.data), "email": "ann@example.org", "password": "x", field: value}
    assert client.post("/researcher/login", data=data).status_code == 422


def test_an_erasure_by_an_id_with_a_nul_is_refused_with_the_field_named(client, login):
    login("admin")
    page = client.get("/researcher/erase")
    response = client.post("/researcher/erase", data={"csrf_token": csrf_token(page.data),
                                                       "public_id": "ab\x00cd", "reason": "minor"})
    assert response.status_code == 422 and "public_id" in response.get_data(as_text=True)


def test_an_id_that_is_not_one_is_simply_not_found(runner):
    result = runner.invoke(args=["responses", "erase", "not-an-id", "--reason", "staff", "--actor", "a@b.org"])
    assert result.exit_code == 1 and "No response has that id" in result.output


@pytest.mark.parametrize("args", [
    ["users", "create", "ann\udcff@example.org", "--role", "admin", "--password-stdin"],
    ["users", "create", "ann\x00@example.org", "--role", "admin", "--password-stdin"],
    ["recipients", "create", "Acme", "--purpose", "care-quality", "--survey", "demo\udcff"],
    ["recipients", "create", "Acme\udcff", "--purpose", "care-quality"],
    ["responses", "erase", "0" * 32, "--reason", "staff", "--actor", "a\udcff@b.org"],
])
def test_command_line_text_from_bytes_that_are_not_utf8_is_refused_with_a_message(runner, count_rows, args):
    result = runner.invoke(args=args, input="correct horse battery staple\n")
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert count_rows("accounts") == 0 and count_rows("recipients") == 1  # the internal recipient only


def test_consent_given_as_the_form_never_sends_it_is_refused_with_its_key(client, count_rows):
    response = client.post(f"/api/v1/surveys/{DEMO}/responses", json={
        "answers": {"wellbeing": "good"}, "consent": {**CONSENT, "participate": "\ud800"}})
    assert response.status_code in (400, 422)  # the client's encoder may refuse the surrogate itself
    assert count_rows("responses") == 0
