"""Exports as background jobs, through the export page: started, watched, downloaded once, deleted after, never
readable on disk. Most tests run each job inside the request that starts it (APP_CONFIG): every step but the queue.
Those that need to watch a job half-way, or the queue itself, run a real consumer beside the app (`job_runner`)."""
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from sqlalchemy import select, update

from models.base import utcnow
from models.crypto import CryptoError
from models.export_job import ExportJob, ExportStatus
from models.sealed_file import MAGIC, file_key_aad, read_sealed
from surveys import catalogue, db, export_jobs, exports, recipients
from surveys.disclosures import prepare
from surveys.exports import export_stream
from surveys.keys import keyring
from tests.conftest import (
    PASSWORD,
    csrf_token,
    csv_rows,
    export_form,
    recipient_id,
)

ROOT = Path(__file__).parents[2]
CANARIES = [f"{kind}-of-tag-{a}{b}{c}" for kind in ("name", "condition") for a in "01" for b in "01" for c in "01"]


def start(client, **values) -> str:
    """The export page's Export button; returns the job's page."""
    started = client.post("/researcher/export/download", data=export_form(client, **values))
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    return started.headers["Location"]


def handle_of(page: str) -> str:
    return page.rsplit("/", 1)[-1]


def state(client, page: str) -> dict:
    response = client.get(f"{page}/status")
    assert response.status_code == 200, response.status_code
    return response.get_json()


def wait_for(client, page: str, status: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while (now := state(client, page))["status"] != status:
        assert time.monotonic() < deadline, now
        time.sleep(0.05)
    return now


def fetch(client, page: str):
    return client.post(f"{page}/file", data={"csrf_token": csrf_token(client.get("/researcher/export").data)})


def job(app, handle: str) -> ExportJob:
    with app.app_context():
        return db.session().scalar(select(ExportJob).where(ExportJob.handle == handle))


def exports_folder(app) -> Path:
    return Path(app.config["EXPORT_FOLDER"])


def on_disk(app) -> list[Path]:
    folder = exports_folder(app)
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def straight_from_the_stream(app, email: str, fmt: str, mode: str = "blank", recipient: str = "internal") -> bytes:
    """What export_stream gives for the same request, outside any job."""
    with app.app_context():
        session = db.session()
        survey, to = catalogue.get_survey(session, "panel"), recipients.find_recipient(session, recipient)
        d = prepare(survey, to, "care-quality", email, spi_clearance=True)
        return b"".join(export_stream(app.extensions["surveys.sessions"], keyring(), d, fmt, mode))


# -- the job runner: progress, and nothing readable on disk ------------------------------------------------------

def test_an_export_runs_in_the_job_runner_shows_its_progress_and_is_sealed_on_disk_while_written(
        app, client, login, panel, job_runner, monkeypatch, instance_path):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)  # progress every two respondents, of eight
    monkeypatch.setattr(export_jobs, "BEAT", 0)
    monkeypatch.setattr("models.sealed_file.FRAME", 64)  # parts on disk long before the end
    halfway, go_on = threading.Event(), threading.Event()
    real_beat = export_jobs._Beat.__call__

    def beat(self, rows):  # the runner pauses once, half-way, for the test to look
        real_beat(self, rows)
        if rows == 4 and not halfway.is_set():
            halfway.set()
            assert go_on.wait(30)
    monkeypatch.setattr(export_jobs._Beat, "__call__", beat)
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


# -- what comes out ----------------------------------------------------------------------------------------------

def parsed(fmt: str, data: bytes, folder: Path):
    if fmt == "csv":
        return csv_rows(data)
    if fmt == "jsonl":
        return [json.loads(line) for line in data.decode().splitlines()]
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    path = folder / f"file.{fmt}"
    path.write_bytes(data)
    frame, meta = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path), user_missing=True)
    return frame.to_dict("list"), meta.column_labels, meta.variable_value_labels


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sav", "dta", "xlsx"])
@pytest.mark.parametrize("mode", ["blank", "drop"])
def test_each_format_downloaded_from_its_job_is_what_export_stream_gives(app, client, login, panel, tmp_path, fmt,
                                                                          mode):
    email = login(spi=True)
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality", format=fmt,
                 mode=mode)
    got = fetch(client, page)
    assert got.headers["Content-Disposition"] == f'attachment; filename="panel-internal.{fmt}"'
    assert int(got.headers["Content-Length"]) == len(got.get_data())
    assert parsed(fmt, got.get_data(), tmp_path) == parsed(fmt, straight_from_the_stream(app, email, fmt, mode),
                                                           tmp_path)


def test_aggregates_still_come_at_once(app, client, login, panel):
    login()
    response = client.post("/researcher/export/download", data=export_form(
        client, recipient=str(recipient_id(app, "internal")), purpose="care-quality", format="aggregate"))
    assert response.status_code == 200 and response.get_json()["survey"] == "panel"


# -- one download, then gone ---------------------------------------------------------------------------------------

def test_the_file_is_deleted_after_a_complete_download_and_its_key_destroyed(app, client, login, panel):
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    [sealed] = on_disk(app)
    assert sealed.name == f"{handle_of(page)}.sealed" and sealed.stat().st_mode & 0o777 == 0o600
    assert exports_folder(app).stat().st_mode & 0o777 == 0o700
    assert len(csv_rows(fetch(client, page).get_data())) == 8
    assert on_disk(app) == []
    gone = job(app, handle_of(page))
    assert gone.status is ExportStatus.EXPIRED and gone.data_key is None and gone.downloaded_at is not None
    again = fetch(client, page)
    assert again.status_code == 410 and "export again" in again.get_data(as_text=True)
    assert "Downloaded at" in client.get(page).get_data(as_text=True)
    assert state(client, page)["status"] == "expired"


def test_a_download_stopped_half_way_leaves_the_file_to_be_fetched_again(app, client, login, panel, monkeypatch):
    monkeypatch.setattr("models.sealed_file.FRAME", 64)
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    cut = fetch(client, page)
    first = next(iter(cut.response))
    cut.close()  # the browser went away after the first part
    assert first and len(on_disk(app)) == 1 and job(app, handle_of(page)).status is ExportStatus.DONE
    assert len(csv_rows(fetch(client, page).get_data())) == 8
    assert on_disk(app) == []


def test_an_export_not_downloaded_is_deleted_at_its_expiry_when_jobs_are_next_listed(app, client, login, panel):
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    expires = job(app, handle_of(page)).expires_at
    assert timedelta(hours=23) < expires - utcnow() <= timedelta(hours=24)
    with app.app_context():
        db.session().execute(update(ExportJob).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    assert len(on_disk(app)) == 1
    listed = client.get("/researcher/export").get_data(as_text=True)  # the listing sweeps first
    assert on_disk(app) == [] and "expired" in listed
    assert job(app, handle_of(page)).data_key is None
    assert fetch(client, page).status_code == 410
    assert "Not downloaded by" in client.get(page).get_data(as_text=True)


def test_the_runners_periodic_sweep_deletes_what_is_past_its_time(app, client, login, panel):
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    files, sessions = app.extensions["surveys.jobs"].files, app.extensions["surveys.sessions"]
    assert export_jobs.sweep(sessions, files) == 0 and len(on_disk(app)) == 1
    assert export_jobs.sweep(sessions, files, now=utcnow() + timedelta(hours=25)) == 1
    assert on_disk(app) == [] and job(app, handle_of(page)).status is ExportStatus.EXPIRED
    periodic = {task.__name__ for task in app.extensions["surveys.jobs"].huey._registry._periodic_tasks}
    assert periodic == {"sweep"}


# -- failures, in words ---------------------------------------------------------------------------------------------

def test_a_failed_export_says_so_in_words_and_leaves_no_file(app, client, login, panel, monkeypatch, caplog):
    def broken(self, lines):
        raise RuntimeError("psycopg.OperationalError at /srv/secret/path")
    monkeypatch.setattr(exports.CsvWriter, "rows", broken)
    monkeypatch.setattr("models.sealed_file.FRAME", 16)
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    html = client.get(page).get_data(as_text=True)
    assert "The export stopped on an error on the server, and nothing of it was kept" in html
    assert f"job {handle_of(page)}" in html
    assert "Traceback" not in html and "secret" not in html and "RuntimeError" not in html
    assert state(client, page)["status"] == "failed" and on_disk(app) == []
    assert job(app, handle_of(page)).data_key is None
    assert fetch(client, page).status_code == 410
    assert "psycopg.OperationalError" in caplog.text  # the reason is in the runner's log


def test_a_queue_that_cannot_be_reached_fails_the_job_with_a_reason(app, make_app, make_account, panel):
    make_account("res@example.org", "admin")
    unreachable = make_app(JOBS_URL="redis://127.0.0.1:9/0", JOBS_IMMEDIATE=False)  # nothing listens on port 9
    client = unreachable.test_client()
    client.post("/researcher/login", data={"csrf_token": csrf_token(client.get("/researcher/login").data),
                                           "email": "res@example.org", "password": PASSWORD})
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    assert state(client, page)["status"] == "failed"
    assert "The job runner could not be reached" in client.get(page).get_data(as_text=True)


def test_a_job_left_running_by_a_runner_that_died_is_failed_and_its_partial_file_removed(app, client, login, panel):
    login()
    app.extensions["surveys.jobs"].huey.immediate = False  # queued, and no runner
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    assert state(client, page)["status"] == "queued"
    with app.app_context():
        db.session().execute(update(ExportJob).values(status=ExportStatus.RUNNING,
                                                      updated_at=utcnow() - timedelta(minutes=16)))
        db.commit()
    (exports_folder(app)).mkdir(exist_ok=True)
    (exports_folder(app) / f"{handle_of(page)}.partial").write_bytes(MAGIC + b"sealed parts")
    html = client.get(page).get_data(as_text=True)
    assert "The export was interrupted before it finished" in html
    assert on_disk(app) == [] and job(app, handle_of(page)).data_key is None


def test_a_job_the_runner_never_started_fails_at_its_expiry(app, client, login, panel):
    login()
    app.extensions["surveys.jobs"].huey.immediate = False
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    assert "Waiting for the job runner to start it." in client.get(page).get_data(as_text=True)
    export_jobs.sweep(app.extensions["surveys.sessions"], app.extensions["surveys.jobs"].files,
                      now=utcnow() + timedelta(hours=25))
    assert "did not start this export in time" in client.get(page).get_data(as_text=True)


# -- rights ----------------------------------------------------------------------------------------------------------

def test_a_right_taken_away_after_the_export_was_queued_stops_it(app, client, login, runner, panel):
    email = login()
    app.extensions["surveys.jobs"].huey.immediate = False
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    assert runner.invoke(args=["users", "grant", email, "panel", "--role", "viewer"]).exit_code == 0
    ended = export_jobs.run(app.extensions["surveys.sessions"], app.extensions["surveys.keyring"].get(),
                            app.extensions["surveys.jobs"].files, handle_of(page))
    failed = job(app, handle_of(page))
    assert ended is ExportStatus.FAILED and "no right to export" in failed.error and on_disk(app) == []
    assert client.get(page).status_code == 403  # and the page is no longer theirs to see


def test_a_finished_file_is_refused_to_its_owner_once_their_right_is_gone_and_given_to_an_admin(
        app, client, login, runner, panel, make_app):
    email = login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    assert runner.invoke(args=["users", "grant", email, "panel", "--role", "viewer"]).exit_code == 0
    for refused in (client.get(page), client.get(f"{page}/status"), fetch(client, page)):
        assert refused.status_code == 403
    admin = make_app().test_client()
    assert runner.invoke(args=["users", "create", "boss@example.org", "--role", "admin", "--password-stdin"],
                         input=PASSWORD + "\n").exit_code == 0
    admin.post("/researcher/login", data={"csrf_token": csrf_token(admin.get("/researcher/login").data),
                                          "email": "boss@example.org", "password": PASSWORD})
    assert len(csv_rows(fetch(admin, page).get_data())) == 8


def test_another_researcher_finds_no_such_export_even_with_the_right_to_export_the_survey(
        app, client, login, make_app, panel):
    login(email="first@example.org")
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    other = make_app().test_client()
    login(email="second@example.org")  # an exporter of panel too, signed in on `client`
    for response in (client.get(page), client.get(f"{page}/status"), fetch(client, page)):
        assert response.status_code == 404
    assert handle_of(page) not in client.get("/researcher/export").get_data(as_text=True)
    assert other.get(page).status_code == 302  # signed out: to the sign-in page
    assert len(on_disk(app)) == 1


def test_the_export_page_lists_the_persons_own_recent_jobs(app, client, login, panel):
    login()
    pages = [start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality", format=fmt)
             for fmt in ("csv", "jsonl")]
    listed = client.get("/researcher/export").get_data(as_text=True)
    assert "Your recent exports" in listed
    assert listed.index(handle_of(pages[1])) < listed.index(handle_of(pages[0]))  # newest first
    assert "done: ready to download" in listed


# -- the same through Redis, and after a key rotation ------------------------------------------------------------

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


def test_a_rotation_rewraps_a_waiting_exports_key_and_the_file_still_opens(app, client, login, runner, panel):
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    before = job(app, handle_of(page)).data_key
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    assert job(app, handle_of(page)).data_key != before
    assert len(csv_rows(fetch(client, page).get_data())) == 8


# -- the runner stopping -----------------------------------------------------------------------------------------

def test_a_runner_stopped_at_once_fails_the_export_under_way_and_removes_its_file(
        app, client, login, panel, job_runner, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(export_jobs, "BEAT", 0)
    monkeypatch.setattr("models.sealed_file.FRAME", 64)
    halfway, go_on = threading.Event(), threading.Event()
    real_beat = export_jobs._Beat.__call__

    def beat(self, rows):
        real_beat(self, rows)
        if rows == 4 and not halfway.is_set():
            halfway.set()
            assert go_on.wait(30)
    monkeypatch.setattr(export_jobs._Beat, "__call__", beat)
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
    import tempfile

    from surveys.export_files import ExportFiles
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)  # put back after: it is the process's own
    elsewhere = tmp_path / "tmpfs" / "surveys"
    elsewhere.mkdir(parents=True)
    (elsewhere / "openpyxl.leftover").write_text("name-of-tag-000")
    files = ExportFiles(tmp_path / "exports", elsewhere)
    assert files.use_scratch() == elsewhere and tempfile.gettempdir() == str(elsewhere)
    assert list(elsewhere.iterdir()) == [] and elsewhere.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "exports").stat().st_mode & 0o777 == 0o700
