"""Counts of groups of responses add up, and survive being kept as JSON with every key's type."""
import json
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from models.vocabulary import FieldType
from surveys.counts import ACROSS, INSIDE, OUTSIDE, Counts, total

KEYS = st.one_of(st.sampled_from([0, 1, "0", "1", True, False, None, 1.5, -0.0, "yes", "2026-01"]),
                 st.floats(allow_nan=False, allow_infinity=False))
STATES = st.tuples(st.booleans(), st.booleans(), st.booleans())
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@st.composite
def counts(draw):
    made = Counts()
    for _ in range(draw(st.integers(0, 4))):
        state = made.state(draw(STATES))
        state.rows += draw(st.integers(1, 50))
        for _ in range(draw(st.integers(0, 3))):
            column = draw(st.sampled_from(["non_pii", "pii", "spi"]))
            ftype = draw(st.sampled_from([FieldType.CHOICE, FieldType.NUMBER, FieldType.DATE]))
            tally = state.tally(column, draw(st.sampled_from(["a", "b"])) + ftype.value, ftype)
            for key in draw(st.lists(KEYS, max_size=5)):
                tally.answered += 1
                tally.counts[key] += draw(st.integers(1, 9))
        made.saw(T0 + timedelta(hours=draw(st.integers(0, 1000))))
    return made


def as_plain(made: Counts):
    return {state: (found.rows, {key: (t.type, t.answered, sorted(((repr(k), type(k)), n) for k, n in t.counts.items()))
                                 for key, t in found.fields.items()})
            for state, found in made.states.items()}, made.first, made.last


@settings(max_examples=300, deadline=None)
@given(counts())
def test_counts_come_back_from_json_with_every_key_of_its_type(made):
    back = Counts.from_data(json.loads(json.dumps(made.to_data())))
    assert as_plain(back) == as_plain(made)


@settings(max_examples=200, deadline=None)
@given(counts(), counts(), counts())
def test_counts_add_up_in_any_grouping(a, b, c):
    def copy(made):
        return Counts.from_data(json.loads(json.dumps(made.to_data())))
    left = total([copy(a), copy(b)]).merge(copy(c))
    right = copy(a).merge(total([copy(b), copy(c)]))
    assert as_plain(left) == as_plain(right)
    assert left.rows == a.rows + b.rows + c.rows


def test_a_range_of_responses_is_inside_outside_or_across_a_time_bound():
    made = Counts()
    made.saw(T0)
    made.saw(T0 + timedelta(days=2))
    assert made.within(None, None) == INSIDE
    assert made.within(T0, T0 + timedelta(days=2, microseconds=1)) == INSIDE
    assert made.within(T0, T0 + timedelta(days=2)) == ACROSS  # the bound's end is not in it
    assert made.within(T0 + timedelta(seconds=1), None) == ACROSS
    assert made.within(T0 + timedelta(days=2, microseconds=1), None) == OUTSIDE
    assert made.within(None, T0) == OUTSIDE
    assert Counts().within(None, None) == OUTSIDE
