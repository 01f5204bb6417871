"""The key ring as the running app sees it: loaded at start, reloaded when the file
changes, so a `keys rotate` run beside live servers reaches every worker."""
import os
import threading

from flask import Flask, current_app

from models.crypto import KeyRing, KeyRingError

_lock = threading.Lock()


class _Holder:
    def __init__(self, path: str):
        self.path = path
        self.ring: KeyRing | None = None
        self.stamp: tuple[int, int] | None = None

    def get(self) -> KeyRing:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise KeyRingError(f"no key ring at {self.path}; run `flask --app app init`") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self.stamp:
            with _lock:
                self.ring, self.stamp = KeyRing.load(self.path), stamp
        assert self.ring is not None
        return self.ring


def init_app(app: Flask) -> None:
    holder = _Holder(app.config["KEYRING_FILE"])
    if os.path.exists(holder.path):
        holder.get()  # fail fast on a malformed file
    app.extensions["surveys.keyring"] = holder


def keyring() -> KeyRing:
    return current_app.extensions["surveys.keyring"].get()
