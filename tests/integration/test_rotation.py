"""Key rotation against the key ring file shared by processes: no key is ever lost."""
import multiprocessing
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from models.crypto import KeyRing, open_answers
from models.recipient import Recipient
from models.response import Response
from surveys.pseudonyms import pseudonym_key_aad

DEMO = "wellbeing-demo"
ROUNDS = 8


def _rotate_when_released(config: dict, barrier, results) -> None:
    """One `keys rotate` in a process of its own, as an admin's shell would run it."""
    runner = create_app(config).test_cli_runner()  # built before the barrier: only the rotation races
    barrier.wait(timeout=60)
    result = runner.invoke(args=["keys", "rotate"])
    results.put((result.exit_code, result.output + repr(result.exception or "")))


def _stored_keys(app) -> tuple[list, list]:
    with app.extensions["surveys.sessions"]() as session:
        responses = session.execute(select(Response.survey_id, Response.public_id, Response.data_key,
                                           Response.pii, Response.spi)).all()
        recipients = session.execute(select(Recipient.name, Recipient.pseudonym_key)
                                     .where(Recipient.pseudonym_key.is_not(None))).all()
    return responses, recipients


def test_two_rotations_started_at_the_same_moment_lose_no_key(app, client, submit, make_recipient,
                                                              instance_path, database_url):
    receipts = [submit(DEMO, {"full_name": f"Person {i}", "conditions": f"condition {i}", "wellbeing": "good"})
                .get_json()["receipt"] for i in range(5)]
    make_recipient("Partner")
    ring_path = app.config["KEYRING_FILE"]
    made_current = {KeyRing.load(ring_path).current}
    config = {"TESTING": True, "INSTANCE_PATH": str(instance_path), "DATABASE_URL": database_url,
              "SECRET_KEY": "test-secret"}
    processes = multiprocessing.get_context("fork")
    for _ in range(ROUNDS):
        barrier, results = processes.Barrier(2), processes.Queue()
        rotations = [processes.Process(target=_rotate_when_released, args=(config, barrier, results))
                     for _ in range(2)]
        for rotation in rotations:
            rotation.start()
        outcomes = [results.get(timeout=120) for _ in rotations]
        for rotation in rotations:
            rotation.join(timeout=30)
        for exit_code, output in outcomes:
            assert exit_code == 0, output
            made_current.add(output.split("key ", 1)[1].split()[0])

    ring = KeyRing.load(ring_path)
    assert made_current <= set(ring.keys)
    responses, recipients = _stored_keys(app)
    assert len(responses) == 5 and len(recipients) == 1
    for row in responses:
        pii, spi = open_answers(ring, row.survey_id, row.public_id, row.data_key, row.pii, row.spi)
        assert pii["full_name"].startswith("Person ") and spi["conditions"].startswith("condition ")
    for name, wrapped in recipients:
        assert len(ring.unwrap(wrapped, pseudonym_key_aad(name))) == 32
    for receipt in receipts:
        assert client.get("/api/v1/me", headers={"X-Receipt": receipt}).status_code == 200


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_save_leaves_the_ring_unchanged_and_nothing_re_wrapped(app, submit, make_recipient, runner,
                                                                       monkeypatch, failing):
    for i in range(3):
        assert submit(DEMO, {"full_name": f"Person {i}", "wellbeing": "good"}).status_code == 201
    make_recipient("Partner")
    ring_path = app.config["KEYRING_FILE"]
    ring_before, keys_before = Path(ring_path).read_bytes(), _stored_keys(app)
    folder_before = sorted(os.listdir(Path(ring_path).parent))

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, failing, disk_full)
    result = runner.invoke(args=["keys", "rotate"])
    monkeypatch.undo()

    assert result.exit_code != 0
    assert "could not be saved: No space left on device; nothing was re-wrapped" in result.output
    assert "Traceback" not in result.output
    assert Path(ring_path).read_bytes() == ring_before
    assert _stored_keys(app) == keys_before  # every data key and pseudonym key byte for byte
    assert sorted(os.listdir(Path(ring_path).parent)) == folder_before  # no temporary file left behind


def test_a_rotation_re_wraps_nothing_under_a_key_that_did_not_reach_the_file(app, submit, runner, monkeypatch):
    assert submit(DEMO, {"full_name": "Ann", "wellbeing": "good"}).status_code == 201
    ring_path = app.config["KEYRING_FILE"]
    ring_before, keys_before = Path(ring_path).read_bytes(), _stored_keys(app)
    monkeypatch.setattr(KeyRing, "save", lambda ring, path: None)  # a write that silently went nowhere
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code != 0 and "is not the one just saved" in result.output
    assert Path(ring_path).read_bytes() == ring_before and _stored_keys(app) == keys_before
