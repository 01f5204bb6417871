import hashlib
import json
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.ledger import RespondentsDigest
from models.ledger_lines import CHUNK, Chunk, chunks, encode, span_key, span_keys

FIELD = st.sampled_from(["wellbeing", "visits", "full_name", "smoker", "a_b", "x1"])
public_ids = st.binary(min_size=16, max_size=16).map(bytes.hex)
response_ids = st.one_of(st.none(), st.integers(min_value=1, max_value=2**40))
lines_strategy = st.lists(
    st.tuples(response_ids, public_ids, st.lists(FIELD, unique=True).map(",".join)), min_size=1, max_size=300)


def chunk_of(lines) -> Chunk:
    return Chunk(**{key: value for key, value in encode(lines).items()})


@settings(max_examples=200, deadline=None)
@given(lines_strategy)
def test_a_chunk_gives_back_every_line_as_written(lines):
    assert chunk_of(lines).lines() == lines


@settings(max_examples=200, deadline=None)
@given(lines_strategy, st.data())
def test_a_respondent_in_a_chunk_is_found_with_their_fields_and_no_one_else_is(lines, data):
    chunk = chunk_of(lines)
    rid, public_id, fields = data.draw(st.sampled_from(lines))
    if rid is None:
        return
    first = next(line for line in lines if line[0] == rid)  # an id appears once per disclosure in practice
    assert chunk.fields_of(rid, first[1]) == (first[2].split(",") if first[2] else [])
    assert chunk.fields_of(rid, secrets.token_hex(16)) is None  # the id, but someone else's public id
    absent = data.draw(st.integers(min_value=1, max_value=2**40).filter(lambda i: i not in {r for r, _, _ in lines}))
    assert chunk.fields_of(absent, public_id) is None


@settings(max_examples=500)
@given(st.integers(min_value=0, max_value=2**40), st.integers(min_value=0, max_value=2**20), st.data())
def test_every_id_in_a_chunks_range_asks_for_the_chunks_span_key(first, width, data):
    last = first + width
    inside = data.draw(st.integers(min_value=first, max_value=last))
    assert span_key(first, last) in span_keys(inside)


def test_consecutive_ids_cost_next_to_nothing_beside_their_public_ids():
    lines = [(100_000 + i, secrets.token_hex(16), "wellbeing,visits") for i in range(CHUNK)]
    row = encode(lines)
    extra = len(row["ids"]) + len(row["fields"]) + len(row["lists"])
    assert len(row["public_ids"]) == 16 * CHUNK and extra / CHUNK < 0.25


def test_lines_are_cut_into_chunks_in_order():
    lines = [(i, secrets.token_hex(16), "") for i in range(1, 2 * CHUNK + 6)]
    parts = list(chunks(lines))
    assert [len(part) for part in parts] == [CHUNK, CHUNK, 5] and sum(parts, []) == lines


@pytest.mark.parametrize("bad", ["", "abc", "zz" * 16, "ab" * 15, "ab" * 17])
def test_a_public_id_that_is_not_sixteen_bytes_of_hex_is_refused(bad):
    with pytest.raises(ValueError, match="not a public id"):
        encode([(1, bad, "")])


@pytest.mark.parametrize("change", [
    lambda row: {**row, "count": row["count"] + 1},
    lambda row: {**row, "public_ids": row["public_ids"][:-16]},
    lambda row: {**row, "first_id": row["first_id"] + 1},
    lambda row: {**row, "span": row["span"] + 1},
    lambda row: {**row, "lists": json.dumps([])},
])
def test_a_chunk_whose_parts_disagree_is_refused(change):
    row = encode([(5, secrets.token_hex(16), "a"), (9, secrets.token_hex(16), "b")])
    with pytest.raises((ValueError, IndexError)):
        Chunk(**change(row)).lines()


def test_lines_of_a_second_version_digest_their_response_ids_and_the_first_version_does_not():
    public_id = secrets.token_hex(16)
    one, two = ([(rid, public_id, "a")] for rid in (5, 6))
    for version, differs in ((1, False), (2, True)):
        a, b = RespondentsDigest(version), RespondentsDigest(version)
        a.add(one)
        b.add(two)
        assert (a.hexdigest() != b.hexdigest()) is differs


@settings(max_examples=200, deadline=None)
@given(lines_strategy)
def test_lines_are_digested_as_one_line_of_text_each(lines):
    """The digest a chunk at a time is the digest of "response id:public id:fields" per line, in order."""
    running = RespondentsDigest()
    for part in chunks(lines):
        running.add(part)
    text = "".join(f"{'' if rid is None else rid}:{public_id}:{fields}\n" for rid, public_id, fields in lines)
    assert running.hexdigest() == hashlib.sha256(text.encode()).hexdigest() and running.count == len(lines)
