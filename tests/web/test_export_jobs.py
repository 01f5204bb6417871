"""Exports as background jobs, through the export page: what comes out, one download then gone, expiry, failures in
words, rights. Each job runs inside the request that starts it here (APP_CONFIG): every step but the queue, which
test_export_job_runner.py runs with a real consumer."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from models.base import utcnow
from models.export_job import ExportJob, ExportStatus
from models.sealed_file import MAGIC
from surveys import db, export_jobs, exports
from tests.conftest import PASSWORD, csrf_token, csv_rows, export_form, recipient_id
from tests.web.export_jobs_support import (
    exports_folder,
    fetch,
    handle_of,
    job,
    on_disk,
    parsed,
    start,
    state,
    straight_from_the_stream,
)


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


@pytest.mark.parametrize("fmt", ["csv", "sav"])
def test_a_job_whose_rows_are_opened_by_a_pool_of_processes_gives_the_same_file(app, client, login, panel, tmp_path,
                                                                               fmt, monkeypatch):
    from surveys.exports import pool
    app.config["EXPORT_WORKERS"] = 2  # read when the queue is first used
    pooled = []
    real = pool.pooled_stream
    monkeypatch.setattr(pool, "pooled_stream", lambda *args: pooled.append(args[5]) or real(*args))
    email = login(spi=True)
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality", format=fmt)
    got = fetch(client, page).get_data()
    assert pooled == [2]
    assert parsed(fmt, got, tmp_path) == parsed(fmt, straight_from_the_stream(app, email, fmt, "blank"), tmp_path)


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
    assert periodic == {"sweep", "warm_tallies"}


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


def test_a_rotation_rewraps_a_waiting_exports_key_and_the_file_still_opens(app, client, login, runner, panel):
    login()
    page = start(client, recipient=str(recipient_id(app, "internal")), purpose="care-quality")
    before = job(app, handle_of(page)).data_key
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    assert job(app, handle_of(page)).data_key != before
    assert len(csv_rows(fetch(client, page).get_data())) == 8
