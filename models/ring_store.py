"""The key ring file that `init`, `keys rotate` and every server share: changed only under its lock."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .crypto import KeyRing, KeyRingError


def lock_path(path: str | os.PathLike) -> Path:
    return Path(f"{os.fspath(path)}.lock")


@contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    """Hold the ring's exclusive lock; another locker, in any process or thread, waits.

    flock belongs to the open file, and every caller opens its own, so threads of one
    process exclude each other as processes do. The lock file is never removed: two
    lockers must always lock the same inode. The kernel drops the lock when its holder
    dies, so a killed rotation leaves nothing to clean up."""
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def create(path: str | os.PathLike) -> KeyRing | None:
    """A new ring at `path`, or None when there is one already.

    Checked under the lock, so an `init` never overwrites a ring another process has
    just written (and with it the only key to answers stored since)."""
    with locked(path):
        if os.path.lexists(path):
            return None
        ring = KeyRing.generate()
        _save_and_prove(ring, path)
        return ring


@contextmanager
def new_current_key(path: str | os.PathLike) -> Iterator[tuple[str, KeyRing]]:
    """Add a key to the ring on disk and make it current; yields (the key it replaces, the ring).

    The ring is read under the lock, so a key another rotation has just added is kept,
    and read back after saving: the body runs only once the new key is proven to be on
    disk, so nothing is ever wrapped under a key that could be lost. The lock is held
    until the body ends, so a second rotation waits, then starts from a ring that holds
    this one's key instead of re-wrapping under a key this one never saw.
    Raises KeyRingError, without running the body, when the ring cannot be read or saved."""
    with locked(path):
        ring = KeyRing.load(path)
        previous = ring.current
        ring.rotate()
        _save_and_prove(ring, path)
        yield previous, ring


def _save_and_prove(ring: KeyRing, path: str | os.PathLike) -> None:
    try:
        ring.save(path)
    except OSError as exc:
        raise KeyRingError(f"the key ring at {path} could not be saved: {exc.strerror or exc}") from None
    saved = KeyRing.load(path)
    if saved.current != ring.current or saved.keys != ring.keys:
        raise KeyRingError(f"the key ring read back from {path} is not the one just saved "
                           f"(key {ring.current} missing or different)")
