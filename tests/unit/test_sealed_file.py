"""The sealed file an export waits in: what goes in comes out, and a file altered, cut, reordered or moved to another
job is refused rather than read."""
import io
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.crypto import CryptoError, KeyRing, new_data_key
from models.sealed_file import MAGIC, SealedWriter, file_key_aad, read_sealed

KEY = new_data_key()
JOB = "a" * 32


def sealed(chunks: list[bytes], frame: int = 16, key: bytes = KEY, handle: str = JOB) -> bytes:
    file = io.BytesIO()
    writer = SealedWriter(file, key, handle, frame=frame)
    for chunk in chunks:
        writer.write(chunk)
    writer.close()
    return file.getvalue()


def opened(data: bytes, key: bytes = KEY, handle: str = JOB) -> bytes:
    return b"".join(read_sealed(io.BytesIO(data), key, handle))


def parts(data: bytes) -> list[bytes]:
    """The file's parts as written, header and all."""
    found, at = [], len(MAGIC)
    while at < len(data):
        _, length = struct.unpack(">BI", data[at:at + 5])
        found.append(data[at:at + 5 + length])
        at += 5 + length
    return found


@given(st.lists(st.binary(max_size=100), max_size=12), st.integers(1, 40))
def test_what_is_written_is_read_back_whatever_the_chunks_and_the_part_size(chunks, frame):
    data = sealed(chunks, frame)
    assert opened(data) == b"".join(chunks)
    # Full parts, then a last part of what is left: never empty, unless the whole file is.
    size = len(b"".join(chunks))
    assert len(parts(data)) == ((size - 1) // frame + 1 if size else 1)


def test_the_plaintext_is_nowhere_in_the_file():
    secret = b"condition-of-tag-111 " * 200
    data = sealed([secret], frame=64)
    assert b"condition-of-tag" not in data and data.startswith(MAGIC)


def test_a_changed_byte_anywhere_past_the_header_is_refused():
    data = sealed([b"0123456789" * 10])
    for at in range(len(MAGIC), len(data)):
        altered = bytearray(data)
        altered[at] ^= 0x01
        with pytest.raises(CryptoError):
            opened(bytes(altered))


@pytest.mark.parametrize("cut", [1, 5, 20, 29])
def test_a_file_cut_short_is_refused_even_at_a_part_boundary(cut):
    data = sealed([b"x" * 50])  # four parts: 16, 16, 16 and a last of 2
    boundaries = [len(MAGIC) + sum(map(len, parts(data)[:n])) for n in (1, 2, 3)]
    for end in [*boundaries, len(data) - cut]:
        with pytest.raises(CryptoError, match="cut short"):
            opened(data[:end])


def test_a_file_whose_last_part_is_dropped_is_refused_though_every_part_left_opens():
    data = sealed([b"y" * 32])  # a part, then the last one
    without_last = MAGIC + b"".join(parts(data)[:-1])
    with pytest.raises(CryptoError, match="cut short"):
        opened(without_last)


def test_reordered_or_repeated_parts_are_refused():
    data = sealed([b"a" * 16, b"b" * 16, b"c" * 16, b"d"])
    first, second, *rest = parts(data)
    for shuffled in ([second, first, *rest], [first, first, second, *rest], [first, *rest]):
        with pytest.raises(CryptoError):
            opened(MAGIC + b"".join(shuffled))


def test_a_last_part_moved_forward_is_refused():
    data = sealed([b"a" * 40])
    *body, last = parts(data)
    with pytest.raises(CryptoError):
        opened(MAGIC + last + b"".join(body))


def test_bytes_after_the_last_part_are_refused():
    data = sealed([b"z" * 20])
    with pytest.raises(CryptoError, match="follow the last part"):
        opened(data + parts(data)[-1])
    with pytest.raises(CryptoError, match="follow the last part"):
        opened(data + b"\0")


def test_another_jobs_file_or_another_key_does_not_open():
    data = sealed([b"belongs to job a"])
    with pytest.raises(CryptoError):
        opened(data, handle="b" * 32)
    with pytest.raises(CryptoError):
        opened(data, key=new_data_key())


def test_a_part_spliced_in_from_another_jobs_file_does_not_open():
    ours, theirs = sealed([b"o" * 40], key=KEY), sealed([b"t" * 40], key=KEY, handle="b" * 32)
    spliced = [parts(ours)[0], parts(theirs)[1], *parts(ours)[2:]]
    with pytest.raises(CryptoError):
        opened(MAGIC + b"".join(spliced))


def test_something_that_is_not_a_sealed_file_is_refused_without_reading_it_all():
    for data in (b"", b"respondent,submitted_at\r\n", MAGIC + struct.pack(">BI", 7, 1) + b"x",
                 MAGIC + struct.pack(">BI", 1, 0xFFFFFFFF)):
        with pytest.raises(CryptoError):
            opened(data)


def test_the_files_key_is_wrapped_by_the_ring_bound_to_its_job():
    ring = KeyRing.generate()
    wrapped = ring.wrap(KEY, file_key_aad(JOB))
    assert ring.unwrap(wrapped, file_key_aad(JOB)) == KEY
    with pytest.raises(CryptoError):
        ring.unwrap(wrapped, file_key_aad("b" * 32))
