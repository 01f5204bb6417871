import math
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from models.aggregates import LARGEST
from models.distribution import figure, hour_options, number_bins, number_options, period_options, quantile

finite = st.floats(min_value=-LARGEST, max_value=LARGEST, allow_nan=False, allow_infinity=False)


@settings(max_examples=400, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60))
def test_every_way_to_bin_numbers_counts_each_value_once_and_never_fails(values):
    values = sorted(values)
    for option in number_options(values):
        assert sum(n for _, n in option) == len(values)
        assert all(label for label, _ in option)
    for p in (0.25, 0.5, 0.75):
        assert values[0] <= quantile(values, p) <= values[-1]
    assert all(figure(v) for v in values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-10**6, max_value=10**6), min_size=1, max_size=60))
def test_whole_numbers_fall_in_the_bin_their_label_names(numbers):
    values = sorted(float(n) for n in numbers)
    for option in number_options(values):
        for label, count in option:
            low, _, high = label.replace(",", "").partition("–")
            inside = [v for v in values if float(low) <= v <= float(high or low)]
            assert len(inside) == count, (label, option)


def test_numbers_get_round_edges():
    values = sorted([4.2, 5.0, 6.9, 7.5, 9.9, 10.0])
    bins = number_bins(values, 3, whole=False)
    assert [b.label for b in bins] == ["4–6", "6–8", "8–10"]  # the last holds its upper edge
    assert number_options(values)[0] == [("4–5", 1), ("5–6", 1), ("6–7", 1), ("7–8", 1), ("8–9", 0), ("9–10", 2)]
    assert [b.label for b in number_bins([18.0, 90.0], 10, whole=True)] == [
        "10–19", "20–29", "30–39", "40–49", "50–59", "60–69", "70–79", "80–89", "90–99"]
    assert [b.label for b in number_bins([2.0, 4.0], 10, whole=True)] == ["2", "3", "4"]


def test_the_quartiles_are_interpolated_as_numpy_does_by_default():
    values = [2.0] * 11 + [3.0] * 11 + [5.0] * 11 + [8.0] * 11
    assert [quantile(values, p) for p in (0.25, 0.5, 0.75)] == [2.75, 4.0, 5.75]
    assert quantile(values, 0.5) == statistics.median(values)
    assert math.isclose(quantile([-LARGEST, LARGEST], 0.25), -LARGEST / 2)  # no overflow between the extremes


def test_dates_are_counted_per_month_then_coarser_periods():
    months = period_options({"2024-01": 3, "2024-03": 2})
    assert months[0] == [("2024-01", 3), ("2024-02", 0), ("2024-03", 2)]
    assert months[1] == [("2024 Q1", 5)]
    assert months[2] == [("2024", 5)]
    lifetimes = period_options({"1930-05": 1, "2006-01": 1})
    assert lifetimes[0][0] == ("1930s", 1) and len(lifetimes[0]) == 8  # 900 months are too many for a chart
    assert period_options({"0001-01": 1, "9999-12": 1})[-1][0] == ("0000s", 1)  # the coarsest is always offered
    assert period_options({"garbage": 1}) == []


def test_times_are_counted_per_hour_then_longer_spans():
    options = hour_options({"21:05": 2, "23:59": 1, "25:00": 9})
    assert options[0] == [("21:00", 2), ("22:00", 0), ("23:00", 1)]
    assert options[1] == [("20:00–21:59", 2), ("22:00–23:59", 1)]


def test_figures_read_as_numbers_do():
    assert [figure(x) for x in (0.0, 14.5, 1234567.0, -3.0, 2.0 / 3)] == ["0", "14.5", "1,234,567", "-3", "0.67"]
    assert figure(1e300) == "1e+300" and figure(LARGEST) == "1.798e+308"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(finite, st.integers(-50, 50).map(float)), min_size=1, max_size=80))
def test_counted_values_read_as_the_sorted_list_they_stand_for(values):
    from collections import Counter

    from models.distribution import CountedValues
    ordered = sorted(values)
    counted = CountedValues(Counter(values))
    assert len(counted) == len(ordered) and list(counted) == ordered and counted[-1] == ordered[-1]
    assert counted[1:4] == ordered[1:4]
    for p in (0.25, 0.5, 0.75):
        assert quantile(counted, p) == quantile(ordered, p)
    assert number_options(counted) == number_options(ordered)
