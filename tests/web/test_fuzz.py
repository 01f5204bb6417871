"""Every route, every method, every surface (anonymous, respondent, staff, third party) sent the
classes of input that once broke the service: NUL bytes, lone surrogates, non-ASCII digits,
times outside UTC's range, numbers past float range, deep nesting. Whatever arrives, the answer
is never a 5xx."""
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CONSENT

HOSTILE = ["\x00", "a\x00b", "\ud800", "x\udfffy", "²", "①", "٣", "-1", "0", "1001", "9" * 40, "1e308", "1e999",
           "NaN", "-Infinity", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-02-30",
           "99999-01-01", "'; DROP TABLE responses; --", "<script>alert(1)</script>", "../../etc/passwd",
           "=HYPERLINK(\"x\")", " ", "", "a" * 5000, "ÅÉ漢字🙂", "wellbeing-demo", "care-quality", "csv", "jsonl",
           "aggregate", "blank", "drop", "y", "yes", "true", "minor", "0" * 32]
FIELDS = ["participate", "age_confirmed", "opt_out_third_party", "opt_out_other_purposes", "spi_disclosure",
          "q_full_name", "q_email", "q_birth_date", "q_wellbeing", "q_sleep_hours", "q_visits", "q_activities",
          "q_smoker", "q_conditions", "code", "confirm", "lift_gpc", "email", "password", "name", "purposes",
          "surveys", "survey", "recipient", "purpose", "format", "mode", "expires_in_days", "public_id", "reason",
          "limit", "cursor", "since", "before"]

hostile_text = st.sampled_from(HOSTILE) | st.text(st.characters(codec=None), max_size=12)


def encoded(text: str) -> str:
    """Percent-encoded as raw bytes would arrive, lone surrogates included."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10 ** 300, max_value=10 ** 400)
    | st.floats() | hostile_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(hostile_text | st.sampled_from(
        ["answers", "consent", *[f[2:] for f in FIELDS if f.startswith("q_")], *CONSENT]), children, max_size=4),
    max_leaves=12)


def json_text(value) -> str:
    return json.dumps(value, ensure_ascii=True)  # lone surrogates travel as \\ud800 escapes, as a client sends them


json_bodies = st.one_of(
    json_values.map(json_text),
    st.fixed_dictionaries({"answers": json_values, "consent": json_values}).map(json_text),
    st.sampled_from(["[" * 100_000 + "]" * 100_000, '{"answers": {"visits": ' + "9" * 400 + "}}",
                     '{"answers": {"sleep_hours": 1e400}, "consent": {"participate": true, "age_confirmed": true}}',
                     '{"answers": {"sleep_hours": NaN}}', "", "{", "\xff", '{"consent": {"participate": true, '
                     '"age_confirmed": true}, "answers": {"full_name": "\\ud800"}}']))

form_bodies = st.dictionaries(st.sampled_from(FIELDS) | hostile_text, st.lists(hostile_text, min_size=1, max_size=2),
                              max_size=6).map(
    lambda form: "&".join(f"{encoded(key)}={encoded(value)}" for key, values in form.items() for value in values))


@pytest.fixture
def surfaces(make_app, app, make_account, make_recipient, submit):
    """One app with CSRF off (so posts reach their handlers) and a client per kind of user."""
    fuzzed = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                      PASSWORD_HASHING={"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
    make_account("admin@example.org", "admin", spi=True)
    token = make_recipient("Acme")
    receipt = submit("wellbeing-demo", {"wellbeing": "good", "full_name": "Ann"}).get_json()["receipt"]
    staff, respondent, anonymous = (fuzzed.test_client() for _ in range(3))
    assert staff.post("/researcher/login", data={"email": "admin@example.org",
                                                 "password": "correct horse battery staple"}).status_code == 302
    assert respondent.post("/me", data={"code": receipt}).status_code == 302
    rules = [rule for rule in fuzzed.url_map.iter_rules() if rule.endpoint != "static"]
    return {"clients": {"staff": staff, "respondent": respondent, "anonymous": anonymous},
            "headers": {"bearer": {"Authorization": f"Bearer {token}"}, "receipt": {"X-Receipt": receipt},
                        "gpc": {"Sec-GPC": "1"}, "none": {}},
            "rules": rules}


def path_for(rule, values: list[str], number: int) -> str:
    path, parts = rule.rule, iter(values)
    for argument in rule.arguments:
        converter = type(rule._converters[argument]).__name__
        filled = str(number) if converter == "IntegerConverter" else encoded(next(parts, "x"))
        path = path.replace(f"<int:{argument}>", filled).replace(f"<{argument}>", filled)
    return path


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_no_input_of_these_classes_is_ever_answered_with_a_5xx(surfaces, data):
    rule = data.draw(st.sampled_from(surfaces["rules"]), label="route")
    method = data.draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})), label="method")
    path = path_for(rule, data.draw(st.lists(hostile_text, min_size=2, max_size=2)),
                    data.draw(st.sampled_from([0, 1, 2, -1, 2 ** 63, 10 ** 30])))
    query = data.draw(st.dictionaries(st.sampled_from(FIELDS) | hostile_text, hostile_text, max_size=3), label="query")
    if query:
        path += "?" + "&".join(f"{encoded(k)}={encoded(v)}" for k, v in query.items())
    client = surfaces["clients"][data.draw(st.sampled_from(sorted(surfaces["clients"])), label="as")]
    headers = dict(surfaces["headers"][data.draw(st.sampled_from(sorted(surfaces["headers"])), label="headers")])
    body, content_type = None, None
    if method in ("POST", "PATCH", "PUT", "DELETE"):
        if data.draw(st.booleans(), label="json"):
            body, content_type = data.draw(json_bodies, label="body"), "application/json"
        else:
            body, content_type = data.draw(form_bodies, label="body"), "application/x-www-form-urlencoded"
    response = client.open(path, method=method, headers=headers, content_type=content_type,
                           data=body.encode("utf-8", "surrogatepass") if body is not None else None)
    assert response.status_code < 500, (method, path, headers, (body or "")[:300], response.get_data(as_text=True))
