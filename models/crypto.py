"""Envelope encryption of answers, as Tink and Vault do it.

Each response has its own random 256-bit data key. Its PII and SPI answers are
sealed under that key with AES-256-GCM and a fresh 96-bit nonce per value; the
data key itself is wrapped by the key ring's current key-encryption key, which
lives outside the database. Associated data binds every ciphertext to its
survey, response and column, so a blob copied to another row fails to open.
Rotation re-wraps data keys without touching answers; erasing a response's
wrapped data key makes its blobs unreadable for good.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .json_objects import json_object

FORMAT_VERSION = 1
_KEY_ID_BYTES = 4
_NONCE_BYTES = 12


class CryptoError(Exception):
    """A ciphertext could not be opened: wrong key, wrong row, or tampered bytes."""


class KeyRingError(Exception):
    """The key ring file is missing, unreadable or malformed."""


def value_aad(survey_id: int, public_id: str, column: str) -> bytes:
    return f"surveys/v1|value|{survey_id}|{public_id}|{column}".encode()


def data_key_aad(survey_id: int, public_id: str) -> bytes:
    return f"surveys/v1|data-key|{survey_id}|{public_id}".encode()


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """version(1) | nonce(12) | AES-GCM ciphertext and tag"""
    nonce = os.urandom(_NONCE_BYTES)
    return bytes([FORMAT_VERSION]) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return _open(AESGCM(key), blob, aad)


def _open(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + _NONCE_BYTES + 16 or blob[0] != FORMAT_VERSION:
        raise CryptoError("unknown ciphertext format")
    try:
        return aead.decrypt(blob[1:1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES:], aad)
    except InvalidTag:
        raise CryptoError("ciphertext does not open under this key and context") from None


@dataclass
class KeyRing:
    """Key-encryption keys by id; `current` wraps new data keys, the others still unwrap."""
    keys: dict[str, bytes]
    current: str
    created: dict[str, str] = field(default_factory=dict)
    #: One cipher object per key: an export unwraps a data key per row.
    _aeads: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _aead(self, key_id: str) -> AESGCM:
        aead = self._aeads.get(key_id)
        if aead is None:
            aead = self._aeads[key_id] = AESGCM(self.keys[key_id])
        return aead

    @classmethod
    def generate(cls) -> KeyRing:
        ring = cls(keys={}, current="")
        ring.rotate()
        return ring

    def rotate(self) -> str:
        key_id = secrets.token_hex(_KEY_ID_BYTES)
        while key_id in self.keys:
            key_id = secrets.token_hex(_KEY_ID_BYTES)
        self.keys[key_id] = AESGCM.generate_key(bit_length=256)
        self.created[key_id] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.current = key_id
        return key_id

    def wrap(self, data_key: bytes, aad: bytes) -> bytes:
        """version(1) | key id(4) | nonce(12) | wrapped key and tag"""
        nonce = os.urandom(_NONCE_BYTES)
        header = bytes([FORMAT_VERSION]) + bytes.fromhex(self.current)
        return header + nonce + self._aead(self.current).encrypt(nonce, data_key, aad + header)

    def key_id_of(self, wrapped: bytes) -> str:
        if len(wrapped) < 1 + _KEY_ID_BYTES or wrapped[0] != FORMAT_VERSION:
            raise CryptoError("unknown wrapped-key format")
        return wrapped[1:1 + _KEY_ID_BYTES].hex()

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes:
        key_id = self.key_id_of(wrapped)
        if key_id not in self.keys:
            raise CryptoError(f"key {key_id} is not in the key ring")
        header_len = 1 + _KEY_ID_BYTES
        nonce = wrapped[header_len:header_len + _NONCE_BYTES]
        try:
            return self._aead(key_id).decrypt(nonce, wrapped[header_len + _NONCE_BYTES:], aad + wrapped[:header_len])
        except InvalidTag:
            raise CryptoError("data key does not unwrap under this key and context") from None

    def rewrap(self, wrapped: bytes, aad: bytes) -> bytes:
        """The same data key under the current key; answers are never decrypted."""
        if self.key_id_of(wrapped) == self.current:
            return wrapped
        return self.wrap(self.unwrap(wrapped, aad), aad)

    # -- storage ---------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT_VERSION,
            "current": self.current,
            "keys": [
                {"id": kid, "key": base64.b64encode(key).decode(), "created": self.created.get(kid, "")}
                for kid, key in self.keys.items()
            ],
        }, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> KeyRing:
        try:
            data = json.loads(text)
            keys = {item["id"]: base64.b64decode(item["key"], validate=True) for item in data["keys"]}
            created = {item["id"]: item.get("created", "") for item in data["keys"]}
            ring = cls(keys=keys, current=data["current"], created=created)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"the key ring is malformed: {exc}") from None
        if ring.current not in ring.keys or any(len(k) != 32 for k in ring.keys.values()):
            raise KeyRingError("the key ring is malformed: current key missing or a key is not 256 bits")
        return ring

    @classmethod
    def load(cls, path: str | os.PathLike) -> KeyRing:
        return cls.read(path)[0]

    @classmethod
    def read(cls, path: str | os.PathLike) -> tuple[KeyRing, os.stat_result]:
        """The ring and the status of the very file it came from, not of whatever is at the path by now."""
        try:
            with open(path, "rb") as handle:
                status, text = os.fstat(handle.fileno()), handle.read()
        except FileNotFoundError:
            raise KeyRingError(f"no key ring at {path}") from None
        except OSError as exc:
            raise KeyRingError(f"the key ring at {path} cannot be read: {exc.strerror or exc}") from None
        try:
            return cls.from_json(text), status
        except KeyRingError as exc:
            raise KeyRingError(f"{path}: {exc}; restore it from backup") from None

    def save(self, path: str | os.PathLike) -> None:
        """Atomically, readable by the owner only."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keyring-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(self.to_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # The rename lasts only once the folder is on disk: a crash could otherwise bring
        # the old ring back after data keys were re-wrapped under the new one.
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@dataclass
class SealedAnswers:
    data_key: bytes
    pii: bytes | None
    spi: bytes | None


def seal_answers(ring: KeyRing, survey_id: int, public_id: str, pii: dict[str, Any],
                 spi: dict[str, Any]) -> SealedAnswers:
    """New blobs under a new data key, with fresh nonces."""
    aad = data_key_aad(survey_id, public_id)
    data_key = new_data_key()

    def blob(column: str, values: dict[str, Any]) -> bytes | None:
        if not values:
            return None
        plaintext = json.dumps(values, separators=(",", ":"), sort_keys=True).encode()
        return seal(data_key, plaintext, value_aad(survey_id, public_id, column))

    return SealedAnswers(
        data_key=ring.wrap(data_key, aad),
        pii=blob("pii", pii),
        spi=blob("spi", spi),
    )


def open_answers(ring: KeyRing, survey_id: int, public_id: str, wrapped_key: bytes,
                 pii: bytes | None, spi: bytes | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both columns' answers; a column passed as None is not opened. One cipher object serves
    both blobs of the response."""
    if pii is None and spi is None:
        return {}, {}
    aead = AESGCM(ring.unwrap(wrapped_key, data_key_aad(survey_id, public_id)))
    context = f"surveys/v1|value|{survey_id}|{public_id}|"  # value_aad, less the column
    return (json_object(_open(aead, pii, (context + "pii").encode()).decode()) if pii is not None else {},
            json_object(_open(aead, spi, (context + "spi").encode()).decode()) if spi is not None else {})


def seal_token(key: bytes, text: str, context: str) -> str:
    """A short opaque string (an API cursor, say): sealed, base64url, unpadded."""
    return base64.urlsafe_b64encode(seal(key, text.encode(), context.encode())).decode().rstrip("=")


def open_token(key: bytes, token: str, context: str) -> str:
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return open_sealed(key, blob, context.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise CryptoError("not a token of this context") from None
