"""What the tests of export jobs share: the export page's Export button, a job's page and status, its download,
the folder its file waits in, and a way to stop the runner half-way through a job."""
import io
import json
import threading
import time
from pathlib import Path

import openpyxl
import pyreadstat
from sqlalchemy import select

from models.export_job import ExportJob
from surveys import catalogue, db, export_jobs, exports, recipients
from surveys.disclosures import prepare
from surveys.exports import export_stream
from surveys.keys import keyring
from tests.conftest import csrf_token, csv_rows, export_form

ROOT = Path(__file__).parents[2]
#: Every PII and SPI answer of the panel.
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


def pause_half_way(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """The panel's eight respondents written two at a time, each step's progress written at once, in sealed parts
    of 64 bytes; the runner stops after the fourth until `go_on` is set, having set `halfway`."""
    monkeypatch.setattr(exports, "BATCH_ROWS", 2)
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
    return halfway, go_on
