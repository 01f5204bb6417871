"""Secrets handed to people — receipt codes, API tokens, staff sessions — and staff passwords.
Each secret is random, shown once, and stored only as a SHA-256 digest."""
import base64
import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine

_RECEIPT_BYTES = 20  # 160 bits
_TOKEN_BYTES = 32    # 256 bits
TOKEN_PREFIX = "svy_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def new_receipt() -> tuple[str, str]:
    """(code to show once, digest to store). The code is base32 in groups of four for reading aloud."""
    raw = base64.b32encode(secrets.token_bytes(_RECEIPT_BYTES)).decode()
    code = "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))
    return code, receipt_digest(code)


def receipt_digest(code: str) -> str:
    return digest(_normalise(code))


def new_token() -> tuple[str, str]:
    """(bearer token to show once, digest to store)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    return token, digest(token)


def new_session_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token, digest(token)


def open_session(session, model, **owner) -> str:
    """A server-side session row for its owner (a staff account, a response); returns the token for
    the cookie, whose digest alone is stored."""
    token, token_digest = new_session_token()
    session.add(model(token_digest=token_digest, **owner))
    session.flush()
    return token


def still_live(engine: Engine, row, idle: timedelta, now: datetime) -> bool:
    """A server-side session row (staff or respondent), seen now: deleted when it sat idle too long,
    else its last-seen time moved on, at most once a minute. Written in a transaction of its own,
    so looking a session up never commits, or waits on, the work of the request it serves."""
    table = type(row).__table__
    if now - row.last_seen_at > idle:
        with engine.begin() as connection:
            connection.execute(delete(table).where(table.c.id == row.id))
        return False
    if now - row.last_seen_at > timedelta(seconds=60):
        with engine.begin() as connection:
            connection.execute(update(table).where(table.c.id == row.id).values(last_seen_at=now))
    return True


class Passwords:
    """argon2id, with parameters from configuration (tests use cheaper ones)."""

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        self._dummy: str | None = None  # made on first use, not at start: it costs memory_cost

    @property
    def dummy(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_hex(16))
        return self._dummy

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Constant work whether or not the account exists."""
        try:
            return self._hasher.verify(stored or self.dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False
