"""A file sealed at rest, written and read as a stream: an export waiting to be downloaded.

The bytes go in parts of at most FRAME bytes, each sealed with `crypto.seal` (AES-256-GCM, a fresh nonce) under a
random key of the file's own, which the key ring wraps like a response's data key. Each part's associated data
names the file, the part's place in it and whether it is the last, so a part moved to another file or another
place fails to open, and a file cut short (or lengthened) is refused instead of read as complete.

    file  = MAGIC part…            part = flag(1) | length(4, big-endian) | sealed bytes
    flag  = 0: more follow, 1: the last part        (the last part may be empty)
"""
from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from .crypto import CryptoError, open_sealed, seal

MAGIC = b"surveys-sealed-file/1\n"
FRAME = 1 << 20
_MORE, _LAST = 0, 1
_HEAD = struct.Struct(">BI")
#: Nothing this module writes comes near it: a length past it is a damaged file, not a reason to read 4 GB.
_LONGEST = (64 << 20) + 64


def file_key_aad(handle: str) -> bytes:
    return f"surveys/v1|file-key|{handle}".encode()


def _part_aad(handle: str, index: int, flag: int) -> bytes:
    return f"surveys/v1|file-part|{handle}|{index}|{flag}".encode()


class SealedWriter:
    """Writes into an open binary file. `close()` seals what is left as the last part; a file whose writing
    stopped before it has no last part, and reads as truncated."""

    def __init__(self, file: BinaryIO, key: bytes, handle: str, frame: int | None = None):
        frame = frame or FRAME
        if not 0 < frame <= _LONGEST - 64:
            raise ValueError("a part holds at least one byte and at most 64 MiB")
        self._file, self._key, self._handle, self._frame = file, key, handle, frame
        self._pending = bytearray()
        self._index = 0
        #: Bytes written so far, before sealing.
        self.size = 0
        file.write(MAGIC)

    def write(self, data: bytes) -> None:
        self._pending += data
        self.size += len(data)
        # Strictly more than a part: the bytes that end the file must stay for close() to mark as the last.
        if len(self._pending) > self._frame:
            view, start = memoryview(self._pending), 0
            while len(self._pending) - start > self._frame:
                self._seal(view[start:start + self._frame], _MORE)
                start += self._frame
            view.release()
            del self._pending[:start]

    def close(self) -> None:
        self._seal(memoryview(self._pending), _LAST)
        self._pending = bytearray()

    def _seal(self, plaintext: memoryview, flag: int) -> None:
        sealed = seal(self._key, bytes(plaintext), _part_aad(self._handle, self._index, flag))
        self._file.write(_HEAD.pack(flag, len(sealed)) + sealed)
        self._index += 1


def read_sealed(file: BinaryIO, key: bytes, handle: str) -> Iterator[bytes]:
    """The plaintext, part by part, each checked before it is given. CryptoError when a part does not open
    (another key, another file, another place, altered bytes), when the file ends before its last part, or when
    anything follows that part: by then the parts before have been given, so a reader that must not act on a
    partial file keeps what it got until the iteration ends without an error."""
    if file.read(len(MAGIC)) != MAGIC:
        raise CryptoError("not a sealed file")
    index = 0
    while True:
        head = file.read(_HEAD.size)
        if len(head) < _HEAD.size:
            raise CryptoError("the file ends before its last part: it was cut short")
        flag, length = _HEAD.unpack(head)
        if flag not in (_MORE, _LAST) or length > _LONGEST:
            raise CryptoError("a part of the file is malformed")
        sealed = file.read(length)
        if len(sealed) < length:
            raise CryptoError("the file ends inside a part: it was cut short")
        yield open_sealed(key, sealed, _part_aad(handle, index, flag))
        index += 1
        if flag == _LAST:
            if file.read(1):
                raise CryptoError("bytes follow the last part of the file")
            return
