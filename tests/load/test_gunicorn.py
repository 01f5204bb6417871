"""Load and faults through gunicorn with two workers. Bounded: a few seconds each."""
import http.client
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, func, select

from models.crypto import KeyRing, open_answers
from models.ledger_audit import verify
from models.response import ConsentEvent, Response
from sqlalchemy.orm import Session
from tests.load.conftest import GUNICORN, ROOT, LiveServer, free_port

SUBMIT = "/api/v1/surveys/wellbeing-demo/responses"


def body(i: int) -> dict:
    return {"answers": {"full_name": f"Person {i}", "wellbeing": "good", "visits": i % 300,
                        "conditions": f"condition {i}"},
            "consent": {"participate": True, "age_confirmed": True}}


def stored(database_url: str, ring: KeyRing | None = None) -> list:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(select(Response.id, Response.survey_id, Response.public_id, Response.data_key,
                                          Response.pii, Response.spi)).all()
            events = dict(session.execute(select(ConsentEvent.response_id, func.count())
                                          .group_by(ConsentEvent.response_id)).all())
            chain = verify(session, ring or KeyRing.generate(), full=True)
        return rows, events, chain
    finally:
        engine.dispose()


def test_500_concurrent_submissions_none_lost_none_duplicated(live_server, database_url):
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda i: live_server.post(SUBMIT, body(i)), range(500)))
    assert [status for status, _ in results].count(201) == 500
    ids = {reply["id"] for _, reply in results}
    receipts = {reply["receipt"] for _, reply in results}
    assert len(ids) == len(receipts) == 500
    rows, events, _ = stored(database_url)
    assert {row.public_id for row in rows} == ids
    assert all(events.get(row.id) == 1 for row in rows)


def test_a_server_killed_mid_load_keeps_every_acknowledged_submission_and_nothing_partial(
        live_server, database_url, instance_path):
    acknowledged, lock = [], threading.Lock()

    def send(i: int) -> None:
        try:
            status, reply = live_server.post(SUBMIT, body(i), timeout=10)
        except (OSError, http.client.HTTPException):
            return  # the server died under this request (a refused or cut connection, a short body)
        if status == 201:
            with lock:
                acknowledged.append(reply["id"])

    pool = ThreadPoolExecutor(max_workers=30)
    futures = [pool.submit(send, i) for i in range(3000)]
    while len(acknowledged) < 150:
        threading.Event().wait(0.01)
    live_server.kill()
    for future in futures:
        future.result()
    pool.shutdown()
    assert 150 <= len(acknowledged) < 3000

    live_server.start()  # restarts on the same database and key ring
    assert live_server.post(SUBMIT, body(-1))[0] == 201
    ring = KeyRing.load(instance_path / "keyring.json")
    rows, events, chain = stored(database_url, ring)
    present = {row.public_id for row in rows}
    assert set(acknowledged) <= present
    for row in rows:  # every stored response is whole: its consent event, its key, its blobs
        assert events.get(row.id) == 1
        pii, spi = open_answers(ring, row.survey_id, row.public_id, row.data_key, row.pii, row.spi)
        assert pii["full_name"].startswith("Person ") and spi["conditions"].startswith("condition ")
    assert chain.breaks == [] and chain.entries >= 1


CORRUPT_RING = '{"current": "ab", "keys": ['


def _exit_status_and_log(process, log, within: float) -> tuple[int | None, str]:
    started = time.monotonic()
    try:
        status = process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        status = None  # still running: respawning, or waiting for something
    return status, f"after {time.monotonic() - started:.1f} s:\n" + log.read_text()


def test_gunicorn_started_with_a_corrupt_key_ring_stops_at_once_with_one_clear_line(instance_path, database_url):
    server = LiveServer(instance_path, database_url)  # `init` made a good ring and the schema
    ring = instance_path / "keyring.json"
    ring.write_text(CORRUPT_RING)
    with open(server.log, "wb") as log:
        process = subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{free_port()}",
                                    "app:create_app()"], cwd=ROOT, env=server.env, start_new_session=True,
                                   stdout=log, stderr=log)
    status, output = _exit_status_and_log(process, server.log, within=20)
    assert status == 4, output
    assert f"surveys: {ring}: the key ring is malformed" in output and "restore it from backup" in output
    assert "Traceback" not in output and "Booting worker" not in output


def test_a_worker_that_cannot_load_the_key_ring_stops_the_server_instead_of_respawning(instance_path, database_url):
    server = LiveServer(instance_path, database_url)
    server.env["SURVEYS_WORKERS"] = "1"  # up and answering means its one worker has loaded the ring
    server.start()
    try:
        ring = instance_path / "keyring.json"
        ring.write_text(CORRUPT_RING)  # gone bad while the server runs
        master = server.process.pid
        worker = int(Path(f"/proc/{master}/task/{master}/children").read_text().split()[0])
        os.kill(worker, signal.SIGKILL)  # the master forks a new worker, which loads the app afresh
        status, output = _exit_status_and_log(server.process, server.log, within=20)
    finally:
        server.stop()
    assert status == 4, output
    assert f"surveys: {ring}: the key ring is malformed" in output and "App failed to load" in output
