"""Export jobs and the real job runner: Huey's consumer beside the app (`job_runner`, a thread of this process, so a
test can stop a job half-way and look), through Redis when it answers, and `flask --app app jobs work` as a process
of its own."""
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from models.crypto import CryptoError
from models.sealed_file import MAGIC, file_key_aad, read_sealed
from surveys.export_files import ExportFiles
from surveys.keys import keyring
from tests.conftest import PASSWORD, csrf_token, csv_rows, recipient_id
from tests.web.export_jobs_support import (
    CANARIES,
    ROOT,
    every_byte,
    exports_folder,
    fetch,
    handle_of,
    job,
    on_disk,
    parsed,
    pause_half_way,
    start,
    state,
    straight_from_the_stream,
    wait_for,
)


def test_an_export_runs_in_the_job_runner_shows_its_progress_and_is_sealed_on_disk_while_written(
        app, client, login, panel, job_runner, monkeypatch, instance_path):
    halfway, go_on = pause_half_way(monkeypatch)  # progress every two respondents, of eight
    email = login(spi=True)
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    try:
        assert halfway.wait(30)
        now = state(client, page)
        assert (now["status"], now["rows_done"], now["rows_expected"], now["progress_max"]) == ("running", 4, 8, 8)
        html = client.get(page).get_data(as_text=True)
        assert '<progress id="job-progress" max="8" value="4">' in html and 'id="refresh"' in html
        assert "Download" not in html

        # The file being written: sealed parts, the answers in them, and not one of them readable.
        [partial] = on_disk(app)
        written = partial.read_bytes()
        assert partial.suffix == ".partial" and written.startswith(MAGIC) and len(written) > 200
        assert not any(canary.encode() in every_byte(instance_path) for canary in CANARIES)
        with app.app_context():
            key = keyring().unwrap(job(app, handle_of(page)).data_key, file_key_aad(handle_of(page)))
        opened, reader = b"", read_sealed(io.BytesIO(written), key, handle_of(page))
        with pytest.raises(CryptoError, match="cut short"):
            for part in reader:
                opened += part
        assert b"name-of-tag-000" in opened  # sealed, not absent
    finally:
        go_on.set()
    done = wait_for(client, page, "done")
    assert (done["rows_done"], done["rows_expected"]) == (8, 8)
    assert not any(canary.encode() in every_byte(instance_path) for canary in CANARIES)
    data = fetch(client, page).get_data()
    assert data == straight_from_the_stream(app, email, "csv")
    assert {row["name"] for row in csv_rows(data)} >= {"name-of-tag-000"}


def test_the_job_page_offers_the_download_once_the_runner_is_done(app, client, login, panel, job_runner):
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality", format="jsonl")
    wait_for(client, page, "done")
    html = client.get(page).get_data(as_text=True)
    assert 'id="download"' in html and "Ready: 8 respondents" in html and 'id="refresh"' not in html
    lines = [json.loads(line) for line in fetch(client, page).get_data(as_text=True).splitlines()]
    assert len(lines) == 8 and all(line["answers"]["tag"].startswith("tag-") for line in lines)


def redis_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_configured_the_job_goes_through_redis_to_the_runner(app, make_app, make_account, panel):
    queue = f"surveys-test-{secrets.token_hex(4)}"  # a queue of its own on a server others may use
    redis_app = make_app(JOBS_URL="redis://127.0.0.1:6379/0", JOBS_QUEUE=queue, JOBS_IMMEDIATE=False)
    make_account("res@example.org", "admin")
    client = redis_app.test_client()
    client.post("/researcher/login", data={"csrf_token": csrf_token(client.get("/researcher/login").data),
                                           "email": "res@example.org", "password": PASSWORD})
    huey = redis_app.extensions["surveys.jobs"].huey
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    assert state(client, page)["status"] == "queued" and huey.pending_count() == 1
    consumer = huey.create_consumer(workers=1, periodic=False, initial_delay=0.02, max_delay=0.1,
                                    check_worker_health=False)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for number, handler in handlers.items():
        signal.signal(number, handler)
    try:
        wait_for(client, page, "done")
    finally:
        consumer.stop(graceful=True)
        huey.flush()
    assert len(csv_rows(fetch(client, page).get_data())) == 8


def test_a_runner_stopped_at_once_fails_the_export_under_way_and_removes_its_file(
        app, client, login, panel, job_runner, monkeypatch):
    halfway, go_on = pause_half_way(monkeypatch)
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    try:
        assert halfway.wait(30) and len(on_disk(app)) == 1
        app.extensions["surveys.jobs"].huey.notify_interrupted_tasks()  # what the consumer does on SIGTERM
        assert state(client, page)["status"] == "failed" and on_disk(app) == []
    finally:
        go_on.set()
    time.sleep(0.3)  # the worker, let go, ends its export: it must not bring the job back
    assert state(client, page)["status"] == "failed" and on_disk(app) == []
    assert "interrupted before it finished" in client.get(page).get_data(as_text=True)


def test_the_job_runner_command_runs_what_is_queued_empties_its_scratch_folder_and_stops_on_sigint(
        app, client, login, panel, instance_path, database_url):
    login()
    app.extensions["surveys.jobs"].huey.immediate = False  # into the queue in the instance folder
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality", format="xlsx")
    assert state(client, page)["status"] == "queued"
    scratch = exports_folder(app) / "scratch"
    scratch.mkdir(parents=True)
    leftover = scratch / "openpyxl.left-by-a-runner-that-was-killed"
    leftover.write_text("name-of-tag-000")
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(instance_path), "SURVEYS_DATABASE_URL": database_url}
    with open(instance_path / "runner.log", "wb") as log:
        runner = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "work"], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(client, page, "done", seconds=60)
        finally:
            runner.send_signal(signal.SIGINT)
            runner.wait(timeout=30)
    assert runner.returncode == 0, (instance_path / "runner.log").read_text()
    assert not leftover.exists() and list(scratch.iterdir()) == []  # the openpyxl temporaries of this job too
    rows = parsed("xlsx", fetch(client, page).get_data(), instance_path)["data"]
    assert len(rows) == 9 and rows[0][0] == "respondent"


def test_the_job_runner_command_refuses_to_start_where_jobs_run_inside_requests(app, instance_path, database_url):
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(instance_path), "SURVEYS_DATABASE_URL": database_url,
           "SURVEYS_JOBS_IMMEDIATE": "true"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "jobs", "work"], cwd=ROOT, env=env,
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "SURVEYS_JOBS_IMMEDIATE is set" in result.stderr


def test_a_jobs_url_that_is_not_redis_stops_the_app_with_one_clear_line(tmp_path):
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path), "SURVEYS_JOBS_URL": "amqp://queue"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env, check=False,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 4 and result.stderr.startswith("surveys: SURVEYS_JOBS_URL must be a Redis URL")


def test_the_runners_scratch_folder_may_be_put_elsewhere_and_is_emptied_and_private(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)  # put back after: it is the process's own
    elsewhere = tmp_path / "tmpfs" / "surveys"
    elsewhere.mkdir(parents=True)
    (elsewhere / "openpyxl.leftover").write_text("name-of-tag-000")
    files = ExportFiles(tmp_path / "exports", elsewhere)
    assert files.use_scratch() == elsewhere and tempfile.gettempdir() == str(elsewhere)
    assert list(elsewhere.iterdir()) == [] and elsewhere.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "exports").stat().st_mode & 0o777 == 0o700
