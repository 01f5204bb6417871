import base64
import json
import stat

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from models.crypto import (CryptoError, KeyRing, KeyRingError, data_key_aad, new_data_key, open_answers,
                           open_sealed, open_token, seal, seal_answers, seal_token, value_aad)


@pytest.fixture(scope="module")
def ring():
    return KeyRing.generate()


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048), st.binary(max_size=64))
def test_sealed_values_open_with_the_same_key_and_context(plaintext, aad):
    key = new_data_key()
    assert open_sealed(key, seal(key, plaintext, aad), aad) == plaintext


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=256), st.binary(min_size=1, max_size=32))
def test_a_different_context_does_not_open(plaintext, other):
    key = new_data_key()
    blob = seal(key, plaintext, b"context")
    with pytest.raises(CryptoError):
        open_sealed(key, blob, b"context" + other)


def test_every_value_gets_a_fresh_nonce():
    key = new_data_key()
    assert seal(key, b"same", b"aad") != seal(key, b"same", b"aad")


def test_a_wrong_key_or_a_flipped_bit_does_not_open():
    key = new_data_key()
    blob = seal(key, b"secret", b"aad")
    with pytest.raises(CryptoError):
        open_sealed(new_data_key(), blob, b"aad")
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(CryptoError):
        open_sealed(key, bytes(tampered), b"aad")
    with pytest.raises(CryptoError):
        open_sealed(key, b"\x02" + blob[1:], b"aad")


def test_answers_round_trip_and_are_bound_to_their_row_and_column(ring):
    sealed = seal_answers(ring, 7, "row-a", {"name": "Ann"}, {"hiv": "negative"})
    assert open_answers(ring, 7, "row-a", sealed.data_key, sealed.pii, sealed.spi) == (
        {"name": "Ann"}, {"hiv": "negative"})
    with pytest.raises(CryptoError):  # the same blobs and key, claimed by another response
        open_answers(ring, 7, "row-b", sealed.data_key, sealed.pii, sealed.spi)
    with pytest.raises(CryptoError):  # ... or another survey
        open_answers(ring, 8, "row-a", sealed.data_key, sealed.pii, sealed.spi)
    with pytest.raises(CryptoError):  # the PII blob put in the SPI column
        open_answers(ring, 7, "row-a", sealed.data_key, None, sealed.pii)


def test_a_blob_moved_to_another_row_with_its_own_key_fails(ring):
    mine = seal_answers(ring, 1, "mine", {"name": "Ann"}, {})
    theirs = seal_answers(ring, 1, "theirs", {"name": "Bob"}, {})
    with pytest.raises(CryptoError):
        open_answers(ring, 1, "theirs", theirs.data_key, mine.pii, None)


def test_empty_classes_store_no_blob(ring):
    sealed = seal_answers(ring, 1, "r", {}, {})
    assert sealed.pii is None and sealed.spi is None
    assert open_answers(ring, 1, "r", sealed.data_key, None, None) == ({}, {})


def test_rotation_keeps_old_wraps_readable_and_rewraps_to_the_new_key():
    ring = KeyRing.generate()
    data_key = new_data_key()
    aad = data_key_aad(1, "r")
    old_wrap = ring.wrap(data_key, aad)
    old_id = ring.current
    new_id = ring.rotate()
    assert new_id != old_id and ring.key_id_of(old_wrap) == old_id
    assert ring.unwrap(old_wrap, aad) == data_key
    new_wrap = ring.rewrap(old_wrap, aad)
    assert ring.key_id_of(new_wrap) == new_id and ring.unwrap(new_wrap, aad) == data_key
    assert ring.rewrap(new_wrap, aad) is new_wrap
    del ring.keys[old_id]
    with pytest.raises(CryptoError, match="not in the key ring"):
        ring.unwrap(old_wrap, aad)


def test_a_wrapped_key_does_not_unwrap_under_another_ring():
    aad = data_key_aad(1, "r")
    wrapped = KeyRing.generate().wrap(new_data_key(), aad)
    other = KeyRing.generate()
    other.keys[other.key_id_of(wrapped)] = other.keys[other.current]  # same id, different key
    with pytest.raises(CryptoError):
        other.unwrap(wrapped, aad)


def test_the_key_ring_file_is_owner_only_and_round_trips(tmp_path):
    ring = KeyRing.generate()
    ring.rotate()
    path = tmp_path / "keys" / "keyring.json"
    ring.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = KeyRing.load(path)
    assert loaded.keys == ring.keys and loaded.current == ring.current


@pytest.mark.parametrize("text", ["", "{}", '{"current": "x", "keys": []}',
                                  json.dumps({"current": "ab", "keys": [{"id": "ab", "key": "c2hvcnQ="}]})])
def test_a_malformed_key_ring_is_refused(text):
    with pytest.raises(KeyRingError):
        KeyRing.from_json(text)


def test_a_missing_key_ring_is_a_clear_error(tmp_path):
    with pytest.raises(KeyRingError, match="no key ring at"):
        KeyRing.load(tmp_path / "absent.json")


# -- properties --------------------------------------------------------------------------------

# Text that has a UTF-8 form: ids and contexts are encoded, and no id holds a lone surrogate.
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
SURVEY_IDS = st.integers(min_value=-2**63, max_value=2**63 - 1)
PUBLIC_IDS = st.text(st.characters(codec="utf-8"), min_size=1, max_size=32)
DATA_KEYS = st.binary(min_size=32, max_size=32)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=12)
ANSWERS = st.dictionaries(st.text(max_size=20), JSON, max_size=6)


def flipped(blob: bytes, index: int, bit: int) -> bytes:
    changed = bytearray(blob)
    changed[index % len(blob)] ^= 1 << bit
    return bytes(changed)


@settings(max_examples=100, deadline=None)
@given(DATA_KEYS, SURVEY_IDS, PUBLIC_IDS, SURVEY_IDS, PUBLIC_IDS, st.integers(min_value=0), st.integers(0, 7))
def test_a_data_key_unwraps_in_its_own_context_only_and_untouched(ring, data_key, survey_id, public_id, other_survey,
                                                                  other_public_id, index, bit):
    aad = data_key_aad(survey_id, public_id)
    wrapped = ring.wrap(data_key, aad)
    assert ring.key_id_of(wrapped) == ring.current
    assert ring.unwrap(wrapped, aad) == data_key
    if other_survey != survey_id:
        with pytest.raises(CryptoError):
            ring.unwrap(wrapped, data_key_aad(other_survey, public_id))
    if other_public_id != public_id:
        with pytest.raises(CryptoError):
            ring.unwrap(wrapped, data_key_aad(survey_id, other_public_id))
    with pytest.raises(CryptoError):
        ring.unwrap(flipped(wrapped, index, bit), aad)


@settings(max_examples=50, deadline=None)
@given(DATA_KEYS, SURVEY_IDS, PUBLIC_IDS, st.integers(1, 3))
def test_after_rotation_a_rewrapped_key_is_the_same_data_key_under_the_new_current_key(data_key, survey_id,
                                                                                       public_id, rotations):
    ring = KeyRing.generate()
    aad = data_key_aad(survey_id, public_id)
    wrapped = ring.wrap(data_key, aad)
    old = ring.current
    for _ in range(rotations):
        ring.rotate()
    rewrapped = ring.rewrap(wrapped, aad)
    assert ring.key_id_of(rewrapped) == ring.current != old
    assert ring.unwrap(rewrapped, aad) == data_key
    only_the_new_key = KeyRing(keys={ring.current: ring.keys[ring.current]}, current=ring.current)
    assert only_the_new_key.unwrap(rewrapped, aad) == data_key
    with pytest.raises(CryptoError):
        only_the_new_key.unwrap(wrapped, aad)


@settings(max_examples=100, deadline=None)
@given(SURVEY_IDS, PUBLIC_IDS, ANSWERS, ANSWERS)
def test_any_json_answers_come_back_as_they_went_in(ring, survey_id, public_id, pii, spi):
    sealed = seal_answers(ring, survey_id, public_id, pii, spi)
    assert (sealed.pii is None) is (not pii) and (sealed.spi is None) is (not spi)
    assert open_answers(ring, survey_id, public_id, sealed.data_key, sealed.pii, sealed.spi) == (pii, spi)


@settings(max_examples=50, deadline=None)
@given(SURVEY_IDS, PUBLIC_IDS, SURVEY_IDS, PUBLIC_IDS, ANSWERS.filter(bool), ANSWERS.filter(bool))
def test_sealed_answers_open_only_for_their_survey_response_and_column(ring, survey_id, public_id, other_survey,
                                                                       other_public_id, pii, spi):
    assume(other_survey != survey_id and other_public_id != public_id)
    sealed = seal_answers(ring, survey_id, public_id, pii, spi)
    for survey, response in ((other_survey, public_id), (survey_id, other_public_id)):
        with pytest.raises(CryptoError):
            open_answers(ring, survey, response, sealed.data_key, sealed.pii, sealed.spi)
    with pytest.raises(CryptoError):  # the columns swapped
        open_answers(ring, survey_id, public_id, sealed.data_key, sealed.spi, sealed.pii)


@settings(max_examples=50, deadline=None)
@given(SURVEY_IDS, PUBLIC_IDS, st.sampled_from(["pii", "spi"]), SURVEY_IDS, PUBLIC_IDS, st.binary(max_size=64))
def test_a_value_context_binds_its_survey_response_and_column(survey_id, public_id, column, other_survey,
                                                              other_public_id, plaintext):
    key = new_data_key()
    blob = seal(key, plaintext, value_aad(survey_id, public_id, column))
    assert open_sealed(key, blob, value_aad(survey_id, public_id, column)) == plaintext
    other_column = {"pii": "spi", "spi": "pii"}[column]
    elsewhere = [value_aad(survey_id, public_id, other_column), data_key_aad(survey_id, public_id)]
    elsewhere += [value_aad(other_survey, public_id, column)] if other_survey != survey_id else []
    elsewhere += [value_aad(survey_id, other_public_id, column)] if other_public_id != public_id else []
    for context in elsewhere:
        with pytest.raises(CryptoError):
            open_sealed(key, blob, context)


#: Answers sealed in the stored format (version 1) under a fixed key: whatever changes in the
#: code, what is already in a database must still open.
STORED = {"key id": "0a1b2c3d", "key": bytes(range(32)), "survey": 3, "public id": "abc",
          "data key": "010a1b2c3d30661486145bc23779ff30051a5f501e90354b60e376e55b97a391fb78d26c45b9965ea596cc23e5"
                      "5bfa21dc459ca029b464168105ba23bfc90bc912",
          "pii": "010115a470c8b748c59cb0434872ea644d825ddc08f3a7fa249356e6d0ee630415a8d31127ad4da0072058",
          "spi": "01cff9a34e49922436431c200479007ede27953544cacee15feba0f473b08334225b6f2c6234238cd4510a8d03e3fb"}


def test_answers_stored_in_the_version_1_format_still_open():
    ring = KeyRing(keys={STORED["key id"]: STORED["key"]}, current=STORED["key id"])
    blobs = [bytes.fromhex(STORED[name]) for name in ("data key", "pii", "spi")]
    assert open_answers(ring, STORED["survey"], STORED["public id"], *blobs) == ({"name": "Ann"}, {"hiv": "negative"})


@settings(max_examples=100, deadline=None)
@given(TEXT, TEXT, TEXT, st.integers(min_value=0), st.integers(0, 7))
def test_a_token_opens_in_its_own_context_only_and_untouched(text, context, other_context, index, bit):
    key = new_data_key()
    token = seal_token(key, text, context)
    assert "=" not in token and open_token(key, token, context) == text
    if other_context != context:
        with pytest.raises(CryptoError):
            open_token(key, token, other_context)
    blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    tampered = base64.urlsafe_b64encode(flipped(blob, index, bit)).decode().rstrip("=")
    with pytest.raises(CryptoError):
        open_token(key, tampered, context)
    with pytest.raises(CryptoError):
        open_token(new_data_key(), token, context)
