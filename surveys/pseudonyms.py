"""How each recipient names respondents: the public id for staff, a keyed pseudonym for a third party."""
from __future__ import annotations

import hashlib
from typing import Callable

from models.crypto import KeyRing
from models.recipient import Recipient


def pseudonym_key_aad(name: str) -> bytes:
    """Binds a recipient's wrapped pseudonym key to its name."""
    return f"surveys/v1|pseudonym-key|{name}".encode()


def respondent_key(ring: KeyRing, recipient: Recipient) -> Callable[[str], str]:
    """How this recipient names respondents: staff see the public id; a third party sees an
    HMAC-SHA256 pseudonym under its own key, stable for it and unlinkable across recipients."""
    if recipient.is_internal:
        return lambda public_id: public_id
    return _hmac_sha256_hex32(ring.unwrap(recipient.pseudonym_key, pseudonym_key_aad(recipient.name)))


def _hmac_sha256_hex32(key: bytes) -> Callable[[str], str]:
    """HMAC-SHA256 (RFC 2104) of a text under `key`, its first 32 hex digits. Written out from its two keyed
    hashes, each computed once and copied per text: an export names a million respondents, and hmac.HMAC's
    copy() costs a third more per name."""
    size = hashlib.sha256().block_size
    block = (hashlib.sha256(key).digest() if len(key) > size else key).ljust(size, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))

    def pseudonym(public_id: str) -> str:
        mac = inner.copy()
        mac.update(public_id.encode())
        named = outer.copy()
        named.update(mac.digest())
        return named.hexdigest()[:32]
    return pseudonym
