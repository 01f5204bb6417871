"""Secrets handed to people: receipt codes now, staff logins and API tokens later.
Each is random, shown once, and stored only as a SHA-256 digest."""
import base64
import hashlib
import secrets

_RECEIPT_BYTES = 20  # 160 bits


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def new_receipt() -> tuple[str, str]:
    """(code to show once, digest to store). The code is base32 in groups of four for reading aloud."""
    raw = base64.b32encode(secrets.token_bytes(_RECEIPT_BYTES)).decode()
    code = "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))
    return code, receipt_digest(code)


def receipt_digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()
