import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from surveys.api.openapi import document


def flask_path(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


def test_the_document_describes_exactly_the_api_routes(app):
    documented = {(flask_path(path), method.upper()) for path, item in document()["paths"].items()
                  for method in item}
    served = {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served


def test_the_document_is_served_and_is_openapi_3(client):
    body = client.get("/api/v1/openapi.json").get_json()
    assert body["openapi"].startswith("3.") and "/api/v1/surveys/{slug}/responses" in body["paths"]


OPERATIONS = [(path, method) for path, item in document()["paths"].items() for method in item]


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_no_request_gets_a_500_or_a_response_outside_the_schema(app, make_recipient, submit, path, method):
    token = make_recipient("Fuzz", purposes=("care-quality", "research"), surveys=("wellbeing-demo",))
    receipt = submit("wellbeing-demo", {"wellbeing": "good", "full_name": "Ann"}).get_json()["receipt"]
    headers = {"Authorization": f"Bearer {token}", "X-Receipt": receipt}
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method.upper()]

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    statuses = set()

    @given(operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case):
        statuses.add(case.call_and_validate(headers=headers, checks=checks).status_code)
        steer(case)  # the same case aimed at a real survey and purpose, so success bodies are checked too
        statuses.add(case.call_and_validate(headers=headers, checks=checks).status_code)

    call()
    assert statuses & {200, 201, 204}, f"no success reached: {statuses}"


def steer(case) -> None:
    if case.path_parameters and "slug" in case.path_parameters:
        case.path_parameters["slug"] = "wellbeing-demo"
    if case.query and "purpose" in case.query:
        case.query["purpose"] = "care-quality"
    if case.query:
        case.query.pop("cursor", None)
    if isinstance(case.body, dict) and "consent" in case.body:
        case.body = {"answers": {"wellbeing": "good"},
                     "consent": {**case.body["consent"], "participate": True, "age_confirmed": True}}
