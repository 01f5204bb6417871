import json
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.crypto import (CryptoError, KeyRing, KeyRingError, data_key_aad, new_data_key, open_answers,
                           open_sealed, seal, seal_answers, value_aad)


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


def test_value_context_names_survey_response_and_column():
    assert value_aad(3, "abc", "spi") == b"surveys/v1|value|3|abc|spi"
