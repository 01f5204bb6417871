"""The key ring as the running app sees it: loaded at start, reloaded when the file
changes, so a `keys rotate` run beside live servers reaches every worker."""
import os
import threading

from flask import Flask, current_app

from models.crypto import KeyRing, KeyRingError

_lock = threading.Lock()


def _stamp(status: os.stat_result) -> tuple[int, int, int, int]:
    # A saved ring is a new file renamed into place: its inode tells it apart even when its
    # size and modification time (coarse on many file systems) match the old one's.
    return status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size


class _Holder:
    def __init__(self, path: str):
        self.path = path
        self.ring: KeyRing | None = None
        self.stamp: tuple[int, int, int, int] | None = None

    def get(self) -> KeyRing:
        """The ring; KeyRingError when the file is gone, unreadable or malformed."""
        try:
            stamp = _stamp(os.stat(self.path))
        except FileNotFoundError:
            raise KeyRingError(f"no key ring at {self.path}; run `flask --app app init`") from None
        except OSError as exc:
            raise KeyRingError(f"the key ring at {self.path} cannot be read: {exc.strerror or exc}") from None
        if stamp != self.stamp:
            with _lock:
                ring, status = KeyRing.read(self.path)  # the stamp of the file read, not of the path
                self.ring, self.stamp = ring, _stamp(status)
        assert self.ring is not None
        return self.ring


def init_app(app: Flask) -> None:
    holder = _Holder(app.config["KEYRING_FILE"])
    if os.path.lexists(holder.path):
        holder.get()  # fail fast on a malformed file
    app.extensions["surveys.keyring"] = holder


def keyring() -> KeyRing:
    return current_app.extensions["surveys.keyring"].get()
