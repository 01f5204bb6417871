"""How each recipient names respondents: the public id for staff, a keyed pseudonym for a third party."""
from __future__ import annotations

import hashlib
import hmac
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
    keyed = hmac.new(ring.unwrap(recipient.pseudonym_key, pseudonym_key_aad(recipient.name)),
                     digestmod=hashlib.sha256)

    def pseudonym(public_id: str) -> str:
        mac = keyed.copy()  # the key's padding is hashed once, not once per respondent
        mac.update(public_id.encode())
        return mac.hexdigest()[:32]
    return pseudonym
