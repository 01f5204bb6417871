import json
import math
from fractions import Fraction

import pytest

from tests.conftest import answer, bearer, download, recipient_id, start

LARGEST = 1.7976931348623157e308
SAFE = 2**53 - 1
NUMBERS = """
slug: sizes
title: Sizes
purpose: care-quality
fields:
  - {name: size, type: number, classification: non_pii}
  - {name: count, type: integer, classification: non_pii}
"""
# Twelve respondents (k is 11), at the edges of what each field takes.
SIZES = [1e308] * 5 + [-1e308] * 4 + [LARGEST] * 3
COUNTS = [SAFE] * 7 + [-SAFE] * 5


def strict(payload: bytes) -> dict:
    """JSON as the standard has it: NaN and Infinity are not JSON."""
    def refuse(constant):
        raise AssertionError(f"{constant} in the payload")
    return json.loads(payload, parse_constant=refuse)


def exact_mean_and_sd(values) -> tuple[float, float]:
    exact = [Fraction(value) for value in values]
    mean = sum(exact) / len(exact)
    variance = sum((value - mean) ** 2 for value in exact) / len(exact)
    scale = max(abs(value) for value in values)  # the variance itself may be past the largest double
    return float(mean), math.sqrt(variance / Fraction(scale) ** 2) * scale


@pytest.fixture
def sizes(make_survey, submit):
    make_survey(NUMBERS)
    for size, count in zip(SIZES, COUNTS):
        assert submit("sizes", {"size": size, "count": count}).status_code == 201


def assert_summaries_are_finite_and_right(fields: dict) -> None:
    for name, values in (("size", SIZES), ("count", COUNTS)):
        summary = fields[name]
        assert summary["answered"] == 12 and summary["suppressed"] is False
        assert math.isfinite(summary["mean"]) and math.isfinite(summary["sd"])
        mean, sd = exact_mean_and_sd(values)
        assert math.isclose(summary["mean"], round(mean, 2), rel_tol=1e-12)
        assert math.isclose(summary["sd"], round(sd, 2), rel_tol=1e-12)


def test_aggregates_over_numbers_near_the_largest_double_are_strict_json_on_the_api(client, make_recipient, sizes):
    token = make_recipient("Acme", surveys=("sizes",))
    response = client.get("/api/v1/surveys/sizes/aggregates?purpose=care-quality", headers=bearer(token))
    assert response.status_code == 200
    body = strict(response.data)
    assert body["respondents"] == 12
    assert_summaries_are_finite_and_right(body["fields"])


def test_aggregates_over_numbers_near_the_largest_double_are_strict_json_on_the_export_page(app, client, login,
                                                                                           sizes):
    login()
    data = download(client, survey="sizes", recipient=str(recipient_id(app, "internal")), purpose="care-quality",
                    format="aggregate")
    assert_summaries_are_finite_and_right(strict(data)["fields"])


@pytest.mark.parametrize("answers, field, message", [
    ({"count": 10**400}, "count", "Enter a whole number between -9007199254740991 and 9007199254740991."),
    ({"count": SAFE + 1}, "count", "Enter a whole number between -9007199254740991 and 9007199254740991."),
    ({"size": 10**400}, "size", "Enter a number between -9007199254740991 and 9007199254740991."),
])
def test_a_whole_number_past_the_largest_exact_double_is_422_naming_the_field(make_survey, submit, count_rows,
                                                                              answers, field, message):
    make_survey(NUMBERS)
    response = submit("sizes", answers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {field: [message]}
    assert count_rows("responses") == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_number_json_reads_as_nan_or_infinite_is_422_naming_the_field(client, make_survey, count_rows, literal):
    make_survey(NUMBERS)
    body = '{"answers": {"size": %s}, "consent": {"participate": true, "age_confirmed": true}}' % literal
    response = client.post("/api/v1/surveys/sizes/responses", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"size": ["Enter a number."]}
    assert count_rows("responses") == 0


def test_the_form_refuses_huge_numbers_next_to_their_inputs(client, count_rows):
    start(client, participate=True, age_confirmed=True)
    response = answer(client, q_wellbeing="good", q_visits="9" * 5000, q_sleep_hours="1e999")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="q_sleep_hours-error"' in html and "Enter a number." in html
    response = answer(client, q_wellbeing="good", q_visits="9" * 5000, q_sleep_hours="7")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="q_visits-error"' in html and "Enter a whole number between 0 and 365." in html
    assert count_rows("responses") == 0
