"""The key ring file shared by processes: its lock, its creation, and the servers' view of it."""
import os
import stat
import threading
import time

import pytest

from models import ring_store
from models.crypto import KeyRing, KeyRingError
from surveys.keys import _Holder


def test_the_lock_is_exclusive_a_second_locker_waits_until_the_first_releases(tmp_path):
    path, events = tmp_path / "keyring.json", []
    second_has_it = threading.Event()

    def second_locker():
        with ring_store.locked(path):
            events.append("second locked")
            second_has_it.set()

    with ring_store.locked(path):
        thread = threading.Thread(target=second_locker)
        thread.start()
        assert not second_has_it.wait(0.5), "the second locker got the lock while the first held it"
        events.append("first releases")
    assert second_has_it.wait(5)
    thread.join(5)
    assert events == ["first releases", "second locked"]
    assert stat.S_IMODE(ring_store.lock_path(path).stat().st_mode) == 0o600


def test_init_never_overwrites_a_ring_another_process_has_just_written(tmp_path):
    path, created = tmp_path / "keyring.json", []
    theirs = KeyRing.generate()
    with ring_store.locked(path):  # another `init` holds the lock and is writing its ring
        thread = threading.Thread(target=lambda: created.append(ring_store.create(path)))
        thread.start()
        time.sleep(0.2)
        theirs.save(path)
    thread.join(5)
    assert created == [None]
    assert KeyRing.load(path).keys == theirs.keys


def test_a_new_key_joins_the_ring_as_it_is_on_disk_not_as_a_caller_last_read_it(tmp_path):
    path = tmp_path / "keyring.json"
    ring_store.create(path)
    stale = KeyRing.load(path)
    with ring_store.new_current_key(path) as (_, first):
        pass
    with ring_store.new_current_key(path) as (previous, second):
        assert previous == first.current
    assert set(KeyRing.load(path).keys) == set(stale.keys) | {first.current, second.current}


def test_a_key_that_is_not_on_disk_after_saving_is_never_handed_out(tmp_path, monkeypatch):
    path = tmp_path / "keyring.json"
    ring_store.create(path)
    before = path.read_bytes()
    monkeypatch.setattr(KeyRing, "save", lambda ring, target: None)
    with pytest.raises(KeyRingError, match="is not the one just saved"):
        with ring_store.new_current_key(path):
            pytest.fail("the body ran with a key that never reached the file")
    assert path.read_bytes() == before


def test_the_servers_notice_a_replaced_ring_even_with_the_same_size_and_modification_time(tmp_path):
    path = tmp_path / "keyring.json"
    first = KeyRing.generate()
    first.save(path)
    holder = _Holder(str(path))
    assert holder.get().current == first.current
    seen = path.stat()
    second = KeyRing.generate()
    second.save(path)
    os.utime(path, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    assert path.stat().st_size == seen.st_size and path.stat().st_mtime_ns == seen.st_mtime_ns
    assert holder.get().current == second.current


def test_a_ring_that_goes_missing_or_bad_while_serving_is_a_key_ring_error_until_it_is_restored(tmp_path):
    path = tmp_path / "keyring.json"
    KeyRing.generate().save(path)
    good = path.read_bytes()
    holder = _Holder(str(path))
    holder.get()
    path.unlink()
    with pytest.raises(KeyRingError, match="no key ring at"):
        holder.get()
    path.write_text('{"current": "ab", "keys": [')
    with pytest.raises(KeyRingError, match="keyring.json: the key ring is malformed"):
        holder.get()
    path.unlink()
    path.mkdir()  # unreadable, even to root
    with pytest.raises(KeyRingError, match="cannot be read"):
        holder.get()
    path.rmdir()
    path.write_bytes(good)
    assert holder.get().current == KeyRing.from_json(good).current
