import json
import math
import random
import statistics
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.aggregates import LARGEST, Aggregate, Moments, as_float
from models.definition import FieldSpec
from models.vocabulary import Classification, FieldType

K = 11
SAFE = 2**53 - 1


def moments_of(values) -> Moments:
    moments = Moments()
    for value in values:
        moments.add(float(value))
    return moments


def exact(values) -> tuple[Fraction, Fraction, Fraction]:
    """The largest magnitude, and the mean and population sd in units of it, as exact as fractions allow
    (the sd through one correctly rounded square root)."""
    scale = max(abs(Fraction(value)) for value in values) or Fraction(1)
    scaled = [Fraction(value) / scale for value in values]
    return scale, statistics.mean(scaled), Fraction(math.sqrt(statistics.pvariance(scaled)))


STEP = Fraction(math.ulp(0.0))  # the smallest double: no figure can be nearer than half of it


def close(computed: float, exact_in_units: Fraction, scale: Fraction, tolerance: float) -> bool:
    """Within `tolerance` of the exact figure, relative to the largest magnitude among the values
    (near cancellation no float sum can do better than that), or within one step of the smallest double."""
    return abs(Fraction(computed) - exact_in_units * scale) <= max(Fraction(tolerance) * scale, STEP)


# Finite floats of every size, the extremes often, and whole numbers as submissions now allow them.
EXTREMES = st.sampled_from([LARGEST, -LARGEST, 1e308, -1e308, 1.7e308, -1.7e308, 5e-324, -5e-324, 0.0])
NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False), EXTREMES,
                    st.integers(min_value=-SAFE, max_value=SAFE))
SAMPLES = st.lists(NUMBERS, min_size=1, max_size=200)


@settings(max_examples=500, deadline=None)
@given(SAMPLES)
def test_the_mean_and_sd_of_finite_numbers_are_always_finite(values):
    moments = moments_of(values)
    assert math.isfinite(moments.mean) and math.isfinite(moments.sd) and moments.sd >= 0
    assert min(values) <= moments.mean <= max(values)


@settings(max_examples=500, deadline=None)
@given(SAMPLES)
def test_the_mean_and_sd_agree_with_exact_arithmetic(values):
    moments = moments_of(values)
    scale, mean, sd = exact(values)
    assert close(moments.mean, mean, scale, 1e-14)
    assert close(moments.sd, sd, scale, 1e-12)
    assert moments.count == len(values)


@settings(max_examples=300, deadline=None)
@given(SAMPLES.flatmap(lambda values: st.tuples(st.just(values), st.permutations(values))))
def test_the_order_of_the_values_does_not_change_the_result_beyond_rounding(pair):
    values, shuffled = pair
    first, second = moments_of(values), moments_of(shuffled)
    scale = Fraction(max(abs(value) for value in values)) or Fraction(1)
    assert close(first.mean, Fraction(second.mean) / scale, scale, 2e-14)
    assert close(first.sd, Fraction(second.sd) / scale, scale, 2e-12)


def test_a_million_values_at_the_top_of_the_float_range_give_finite_figures_near_the_exact_ones():
    kinds = {1.7e308: 400_000, -1.7e308: 350_000, LARGEST: 250_000}
    values = [value for value, count in kinds.items() for _ in range(count)]
    random.Random(7).shuffle(values)
    moments = moments_of(values)
    n = len(values)
    mean = sum(Fraction(value) * count for value, count in kinds.items()) / n
    variance = sum((Fraction(value) - mean) ** 2 * count for value, count in kinds.items()) / n
    assert math.isfinite(moments.mean) and math.isfinite(moments.sd)
    assert abs(Fraction(moments.mean) - mean) <= Fraction(LARGEST) * Fraction(1, 10**14)
    assert math.isclose(moments.sd, math.sqrt(variance / Fraction(LARGEST) ** 2) * LARGEST, rel_tol=1e-12)


def test_the_extremes_of_the_float_range_are_summarised_exactly():
    assert (moments_of([LARGEST, -LARGEST]).mean, moments_of([LARGEST, -LARGEST]).sd) == (0.0, LARGEST)
    assert (moments_of([LARGEST] * 3).mean, moments_of([LARGEST] * 3).sd) == (LARGEST, 0.0)
    assert (moments_of([-LARGEST] * 3).mean, moments_of([-LARGEST] * 3).sd) == (-LARGEST, 0.0)


def test_no_values_have_no_mean():
    assert (Moments().mean, Moments().sd) == (None, None)


@pytest.mark.parametrize("stored, counted", [
    (10**400, LARGEST), (-(10**400), -LARGEST),    # accepted before the bound: held at the largest double
    (SAFE + 2, float(SAFE + 2)), (2.5, 2.5), (7, 7.0),
    (float("nan"), None), ("7", None), (True, None),  # never valid numbers: left out
])
def test_stored_values_become_finite_floats_or_are_left_out(stored, counted):
    assert as_float(stored) == counted


def field(name: str, ftype: str, **extra) -> FieldSpec:
    return FieldSpec(name=name, label=name, type=FieldType(ftype), classification=Classification.NON_PII, **extra)


FIELDS = [field("mood", "choice", choices=("up", "down", "flat")), field("score", "integer"),
          field("tags", "multi_choice", choices=("a", "b")), field("ok", "boolean"), field("note", "text")]


def test_the_summary_keeps_its_shape_and_figures():
    totals = Aggregate(FIELDS)
    for i in range(30):
        totals.add({"mood": "up" if i < 20 else ("down" if i < 27 else "flat"), "score": i, "tags": ["a"],
                    "ok": i < 15, "note": f"text {i}"})
    result = totals.result("agg", K)
    assert result["survey"] == "agg" and result["k"] == K and result["respondents"] == 30
    assert result["fields"]["mood"] == {"type": "choice", "classification": "non_pii", "answered": 30,
                                        "suppressed": False, "counts": {"up": None, "down": None, "flat": None},
                                        "suppressed_cells": ["up", "down", "flat"]}
    assert result["fields"]["score"] == {"type": "integer", "classification": "non_pii", "answered": 30,
                                         "suppressed": False, "mean": 14.5, "sd": 8.66}
    assert result["fields"]["tags"]["counts"] == {"a": 30, "b": 0}
    assert result["fields"]["ok"]["counts"] == {"yes": 15, "no": 15}
    assert result["fields"]["note"] == {"type": "text", "classification": "non_pii", "answered": 30,
                                        "suppressed": False}


def test_fewer_than_k_answers_suppress_the_field_and_the_respondent_count():
    totals = Aggregate(FIELDS)
    for i in range(K - 1):
        totals.add({"score": i})
    result = totals.result("agg", K)
    assert result["respondents"] is None
    assert result["fields"]["score"] == {"type": "integer", "classification": "non_pii", "answered": None,
                                         "suppressed": True}


def test_huge_stored_integers_summarise_to_strict_json_without_overflow():
    totals = Aggregate([field("big", "integer")])
    for sign in [1, -1] * 6:
        totals.add({"big": sign * 10**400})
    summary = totals.result("agg", K)["fields"]["big"]
    assert summary["mean"] == 0.0 and math.isclose(summary["sd"], LARGEST, rel_tol=1e-15)
    json.dumps(summary, allow_nan=False)


# -- counted at once: a value with how many times, a list of answers -----------------------------------------------

GROUPS = st.lists(st.tuples(NUMBERS, st.one_of(st.integers(1, 20), st.integers(1, 10**7))), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(GROUPS)
def test_adding_a_value_n_times_at_once_gives_what_n_adds_give(groups):
    at_once, one_by_one = Moments(), Moments()
    for value, times in groups:
        at_once.add(float(value), times)
        for _ in range(min(times, 50)):  # enough repeats to tell, without a million adds
            one_by_one.add(float(value))
    repeated = Moments()
    for value, times in groups:
        repeated.add(float(value), min(times, 50))
    assert (at_once.count, at_once.low, at_once.high) == (sum(t for _, t in groups), one_by_one.low, one_by_one.high)
    scale = Fraction(max(abs(value) for value, _ in groups)) or Fraction(1)
    assert close(repeated.mean, Fraction(one_by_one.mean) / scale, scale, 1e-14)
    assert close(repeated.sd, Fraction(one_by_one.sd) / scale, scale, 1e-12)
    if sum(times for _, times in groups) <= 200:
        exact_scale, mean, sd = exact([value for value, times in groups for _ in range(times)])
        assert close(at_once.mean, mean, exact_scale, 1e-14)
        assert close(at_once.sd, sd, exact_scale, 1e-12)


def test_adding_a_value_once_is_exactly_the_add_it_always_was():
    values = [3.5, -2.0, 1e300, 7.0, 7.0, -1e-300]
    weighted, plain = Moments(), Moments()
    for value in values:
        weighted.add(value, 1)
        plain.add(value)
    assert (weighted.mean, weighted.sd, weighted.count) == (plain.mean, plain.sd, plain.count)


ANY_ANSWER = st.one_of(NUMBERS, st.booleans(), st.none(), st.text(max_size=12),
                       st.lists(st.sampled_from(["a", "b", 0, 1, True]), max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(FieldType)), st.lists(ANY_ANSWER, max_size=30))
def test_a_list_of_answers_counts_as_each_of_them_would(ftype, values):
    from models.aggregates import Tally
    if ftype in (FieldType.CHOICE,):
        values = [v for v in values if not isinstance(v, list)]  # a choice's value is a scalar
    if ftype is FieldType.MULTI_CHOICE:
        values = [v for v in values if isinstance(v, (list, str))]
    each, listed = Tally(ftype), Tally(ftype)
    for value in values:
        each.add(value)
    listed.add_all(values)
    assert (listed.answered, +listed.counts) == (each.answered, +each.counts)


def test_merged_tallies_give_the_summary_of_all_their_answers():
    from models.aggregates import Tally
    values = [1, 2, 2, 3.5, "x", None, 10**400]
    whole, left, right = Tally(FieldType.NUMBER), Tally(FieldType.NUMBER), Tally(FieldType.NUMBER)
    whole.add_all(values)
    left.add_all(values[:3])
    right.add_all(values[3:])
    left.merge(right.answered, right.counts)
    assert (left.answered, left.counts) == (whole.answered, whole.counts)
    assert (left.moments.mean, left.moments.sd) == (whole.moments.mean, whole.moments.sd)
