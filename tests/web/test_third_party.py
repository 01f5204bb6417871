import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models.base import utcnow
from models.disclosure import ConsentState
from models.recipient import ApiToken
from models.response import Response
from models.vocabulary import PurposeRelation, RecipientKind
from surveys import db, rights
from surveys.notices import Notice
from tests.conftest import (CLASSES, COMBOS, bearer, combo_tag, csv_rows, download, export_form,
                            independent_statement)


@pytest.fixture
def acme(make_recipient, panel):  # noqa: F811
    return make_recipient("Acme", purposes=("care-quality", "marketing"), surveys=("panel",))


def pages(client, token, slug="panel", purpose="care-quality", limit=100):
    cursor, out = None, []
    while True:
        query = f"/api/v1/surveys/{slug}/responses?purpose={purpose}&limit={limit}" + (
            f"&cursor={cursor}" if cursor else "")
        body = client.get(query, headers=bearer(token)).get_json()
        out.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return out


@pytest.mark.parametrize("purpose, relation", [("care-quality", PurposeRelation.ORIGINAL),
                                               ("marketing", PurposeRelation.OTHER)])
def test_a_recipient_sees_exactly_what_the_table_allows(client, acme, purpose, relation):
    items = {item["answers"]["tag"]: item for item in pages(client, acme, purpose=purpose)}
    assert set(items) == {combo_tag(c) for c in COMBOS}
    for combo in COMBOS:
        item, tag = items[combo_tag(combo)], combo_tag(combo)
        for field, cls in CLASSES.items():
            allowed = independent_statement(cls, RecipientKind.THIRD_PARTY, relation, ConsentState(*combo), False)
            assert (field in item["answers"]) is allowed, (field, combo)
            assert (field in item["withheld"]) is not allowed
            if allowed and field != "tag":
                assert item["answers"][field] == f"{field}-of-{tag}"


def test_the_survey_list_shows_only_what_is_shared(client, acme):
    body = client.get("/api/v1/surveys", headers=bearer(acme)).get_json()
    assert [s["slug"] for s in body["data"]] == ["panel"]
    assert body["data"][0]["fields"][1] == {"name": "name", "label": "Name", "type": "text", "classification": "pii"}


def test_pseudonyms_are_stable_per_recipient_different_between_and_match_exports(app, client, acme, make_recipient,
                                                                                 login):
    beta = make_recipient("Beta", surveys=("panel",))
    first = {i["answers"]["tag"]: i["respondent"] for i in pages(client, acme)}
    second = {i["answers"]["tag"]: i["respondent"] for i in pages(client, acme, limit=3)}
    other = {i["answers"]["tag"]: i["respondent"] for i in pages(client, beta)}
    assert first == second and all(first[t] != other[t] for t in first)
    login()
    with app.app_context():
        from models.recipient import Recipient
        acme_id = db.session().scalar(select(Recipient.id).where(Recipient.name == "Acme"))
    exported = download(client, recipient=str(acme_id), purpose="care-quality")
    assert {row["tag"]: row["respondent"] for row in csv_rows(exported)} == first


def test_pages_neither_skip_nor_repeat_and_end_with_a_null_cursor(client, acme):
    seen = pages(client, acme, limit=3)
    assert len(seen) == 8 and len({i["respondent"] for i in seen}) == 8
    body = client.get("/api/v1/surveys/panel/responses?purpose=care-quality", headers=bearer(acme)).get_json()
    assert body["next_cursor"] is None and len(body["data"]) == 8
    assert set(body) == {"survey", "purpose", "data", "next_cursor"}


def test_pagination_under_concurrent_inserts_misses_and_repeats_no_one(app, client, acme):
    started = threading.Event()

    def insert_more():
        writer = app.test_client()
        for i in range(60):
            response = writer.post("/api/v1/surveys/panel/responses", json={
                "answers": {"tag": f"late-{i:02d}"}, "consent": {"participate": True, "age_confirmed": True}})
            assert response.status_code == 201
            started.set()

    thread = threading.Thread(target=insert_more)
    thread.start()
    started.wait(10)
    seen = [item["answers"]["tag"] for item in pages(client, acme, limit=2)]
    thread.join()
    assert len(seen) == len(set(seen)), "someone was repeated"
    late = [tag for tag in seen if tag.startswith("late-")]
    assert seen[:8] == [combo_tag(c) for c in COMBOS]
    assert late == [f"late-{i:02d}" for i in range(len(late))], "someone was skipped"
    assert late, "the pull did not overlap the inserts"


def test_since_limits_to_responses_submitted_from_then(app, client, acme):
    with app.app_context():
        db.session().execute(update(Response).values(submitted_at=utcnow() - timedelta(days=10)))
        db.commit()
    since = (utcnow() - timedelta(days=1)).isoformat()
    body = client.get("/api/v1/surveys/panel/responses", query_string={"purpose": "care-quality", "since": since},
                      headers=bearer(acme)).get_json()
    assert body["data"] == []


def test_a_withdrawn_respondent_is_absent_and_listed_for_deletion(app, client, acme):
    before = {i["answers"]["tag"]: i["respondent"] for i in pages(client, acme)}
    with app.app_context():
        session = db.session()
        gone = session.scalars(select(Response).where(Response.non_pii["tag"].as_string() == "tag-001")).one()
        rights.erase(session, gone, "withdrawn", "respondent")
        db.commit()
    after = {i["answers"]["tag"] for i in pages(client, acme)}
    assert "tag-001" not in after and len(after) == 7
    revoked = client.get("/api/v1/surveys/panel/revocations", headers=bearer(acme)).get_json()
    assert revoked["data"] == [{"respondent": before["tag-001"], "at": revoked["data"][0]["at"],
                                "change": "withdrawn"}]


def test_a_narrowed_consent_is_listed_and_takes_effect_on_the_next_page(app, client, acme):
    with app.app_context():
        session = db.session()
        row = session.scalars(select(Response).where(Response.non_pii["tag"].as_string() == "tag-001")).one()
        rights.change_consent(session, row, {"opt_out_third_party": True}, source="api",
                              notice=Notice(version="v", text="The notice, version v."))
        db.commit()
    item = next(i for i in pages(client, acme) if i["answers"]["tag"] == "tag-001")
    assert "name" in item["withheld"] and "name" not in item["answers"]
    revoked = client.get("/api/v1/surveys/panel/revocations?since=2000-01-01T00:00:00Z",
                         headers=bearer(acme)).get_json()["data"]
    assert [(r["respondent"], r["change"]) for r in revoked] == [(item["respondent"], "narrowed")]
    future = client.get("/api/v1/surveys/panel/revocations?since=2999-01-01T00:00:00Z", headers=bearer(acme))
    assert future.get_json()["data"] == []


def test_every_page_and_aggregate_is_in_the_ledger_and_the_respondent_sees_it(client, acme, panel):  # noqa: F811
    pages(client, acme, limit=5)
    client.get("/api/v1/surveys/panel/aggregates?purpose=care-quality", headers=bearer(acme))
    seen = client.get("/api/v1/me", headers={"X-Receipt": panel["tag-100"]}).get_json()["disclosures"]
    assert [(d["recipient"], d["purpose"], d["fields"]) for d in seen] == [
        ("Acme", "care-quality", ["tag"]), ("Acme", "care-quality", ["tag"])]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer svy_wrong"}, {"Authorization": "Basic abc"}])
def test_missing_or_bad_tokens_are_401(client, acme, headers):
    response = client.get("/api/v1/surveys", headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "unauthorized"


def test_a_revoked_token_stops_at_once_and_an_expired_one_too(app, client, acme):
    assert client.get("/api/v1/surveys", headers=bearer(acme)).status_code == 200
    with app.app_context():
        db.session().execute(update(ApiToken).values(revoked_at=utcnow()))
        db.commit()
    assert client.get("/api/v1/surveys", headers=bearer(acme)).status_code == 401
    with app.app_context():
        db.session().execute(update(ApiToken).values(revoked_at=None, expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    assert client.get("/api/v1/surveys", headers=bearer(acme)).status_code == 401


@pytest.mark.parametrize("path, status, error", [
    ("/api/v1/surveys/nope/responses?purpose=care-quality", 404, "not_found"),
    ("/api/v1/surveys/wellbeing-demo/responses?purpose=care-quality", 403, "forbidden"),
    ("/api/v1/surveys/panel/responses?purpose=sales", 403, "forbidden"),
    ("/api/v1/surveys/panel/aggregates?purpose=sales", 403, "forbidden"),
    ("/api/v1/surveys/wellbeing-demo/revocations", 403, "forbidden"),
    ("/api/v1/surveys/panel/responses", 422, "invalid"),
    ("/api/v1/surveys/panel/responses?purpose=care-quality&limit=1001", 422, "invalid"),
    ("/api/v1/surveys/panel/responses?purpose=care-quality&limit=0", 422, "invalid"),
    ("/api/v1/surveys/panel/responses?purpose=care-quality&cursor=forged", 422, "invalid"),
    ("/api/v1/surveys/panel/responses?purpose=care-quality&since=yesterday", 422, "invalid"),
])
def test_requests_that_cannot_be_served_get_a_clear_status(client, acme, path, status, error):
    response = client.get(path, headers=bearer(acme))
    assert response.status_code == status and response.get_json()["error"] == error


def test_a_cursor_for_another_survey_is_refused(client, acme, make_recipient):
    token = make_recipient("Both", surveys=("panel", "wellbeing-demo"))
    cursor = client.get("/api/v1/surveys/panel/responses?purpose=care-quality&limit=1",
                        headers=bearer(token)).get_json()["next_cursor"]
    response = client.get(f"/api/v1/surveys/wellbeing-demo/responses?purpose=care-quality&cursor={cursor}",
                          headers=bearer(token))
    assert response.status_code == 422 and "another survey" in response.get_json()["errors"]["cursor"][0]


def test_the_api_aggregates_suppress_small_cells(client, acme):
    body = client.get("/api/v1/surveys/panel/aggregates?purpose=care-quality", headers=bearer(acme)).get_json()
    assert body["respondents"] is None  # 8 < k
    assert all(field["suppressed"] for field in body["fields"].values())


@pytest.fixture
def limited_app(make_app):
    app = make_app(RATELIMIT_SUBMISSIONS="3 per minute", RATELIMIT_PER_TOKEN="2 per minute",
                   PASSWORD_HASHING={"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    return app


def test_submissions_are_rate_limited_per_address_with_retry_after(limited_app):
    client = limited_app.test_client()
    body = {"answers": {"wellbeing": "good"}, "consent": {"participate": True, "age_confirmed": True}}
    statuses = [client.post("/api/v1/surveys/wellbeing-demo/responses", json=body).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = client.post("/api/v1/surveys/wellbeing-demo/responses", json=body)
    assert int(limited.headers["Retry-After"]) > 0 and limited.get_json()["error"] == "too_many_requests"
    other = client.post("/api/v1/surveys/wellbeing-demo/responses", json=body,
                        environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 201


def test_api_calls_are_rate_limited_per_token(limited_app):
    runner = limited_app.test_cli_runner()
    tokens = [runner.invoke(args=["recipients", "create", name, "--purpose", "p"]).output.strip().splitlines()[-1]
              for name in ("One", "Two")]
    client = limited_app.test_client()
    assert [client.get("/api/v1/surveys", headers=bearer(tokens[0])).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/surveys", headers=bearer(tokens[1])).status_code == 200


def redis_answers() -> bool:
    import socket
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_configured_two_apps_share_the_counts(make_app):
    import secrets as random
    config = {"RATELIMIT_SUBMISSIONS": "2 per minute", "RATELIMIT_KEY_PREFIX": random.token_hex(8),
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    first, second = make_app(**config), make_app(**config)  # two servers behind one load balancer
    assert first.test_cli_runner().invoke(args=["init"]).exit_code == 0
    body = {"answers": {"wellbeing": "good"}, "consent": {"participate": True, "age_confirmed": True}}
    url = "/api/v1/surveys/wellbeing-demo/responses"
    statuses = [app.test_client().post(url, json=body).status_code for app in (first, second, first)]
    assert statuses == [201, 201, 429]


def test_recipients_create_can_give_the_token_an_expiry(app, runner):
    result = runner.invoke(args=["recipients", "create", "Temp", "--purpose", "p", "--expires-in-days", "7"])
    assert result.exit_code == 0
    with app.app_context():
        expires = db.session().scalar(select(ApiToken.expires_at))
        assert timedelta(days=6) < expires - utcnow() <= timedelta(days=7)


def test_a_page_holds_100_responses_unless_told_otherwise(app, client, make_recipient, make_survey, submit):
    make_survey("slug: many\ntitle: M\npurpose: p\nfields:\n  - {name: q, type: integer, classification: non_pii}\n")
    token = make_recipient("Many", purposes=("p",), surveys=("many",))
    for i in range(101):
        assert submit("many", {"q": i}).status_code == 201
    first = client.get("/api/v1/surveys/many/responses?purpose=p", headers=bearer(token)).get_json()
    assert [item["answers"]["q"] for item in first["data"]] == list(range(100))
    rest = client.get(f"/api/v1/surveys/many/responses?purpose=p&cursor={first['next_cursor']}",
                      headers=bearer(token)).get_json()
    assert [item["answers"]["q"] for item in rest["data"]] == [100] and rest["next_cursor"] is None


def test_the_suppression_threshold_k_is_configurable(make_app, make_recipient, panel):  # noqa: F811
    app = make_app(AGGREGATE_K=3)
    token = make_recipient("Kay", surveys=("panel",))
    body = app.test_client().get("/api/v1/surveys/panel/aggregates?purpose=care-quality",
                                 headers=bearer(token)).get_json()
    assert body["k"] == 3 and body["respondents"] == 8  # 8 would be suppressed under the default 11
    assert body["fields"]["tag"]["suppressed"] is False and body["fields"]["tag"]["answered"] == 8
