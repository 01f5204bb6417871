from hypothesis import given
from hypothesis import strategies as st

from models.aggregates import suppress

K = 11


def test_small_cells_are_hidden_with_a_complement():
    assert suppress({"a": 40, "b": 3, "c": 25}, K) == {"b", "c"}
    assert suppress({"a": 40, "b": 30, "c": 25}, K) == set()
    assert suppress({"a": 40, "b": 0, "c": 25}, K) == set()  # zero is not a small group


def test_multi_choice_cells_do_not_add_up_so_need_no_complement():
    assert suppress({"a": 40, "b": 3, "c": 25}, K, additive=False) == {"b"}


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(min_value=0, max_value=60), min_size=1))
def test_no_small_cell_can_be_read_or_derived_from_the_total(counts):
    hidden = suppress(counts, K)
    shown = {cell: n for cell, n in counts.items() if cell not in hidden}
    assert not any(0 < n < K for n in shown.values())           # read directly
    if hidden:
        derived = sum(counts.values()) - sum(shown.values())     # total minus what is shown
        assert len(hidden) >= 2 or len(counts) == 1
        assert not 0 < derived < K or not shown                  # the hidden ones are no small group
