"""Exports made in the background, for the export page: started with the preview's count, run by the job runner
(surveys/jobs.py) through the same export_stream as any export, which writes the same ledger entry, sealed at rest
until the person who asked downloads it once. The file is gone after that download, after EXPORT_HOURS, or as
soon as the job fails; its key goes with it."""
from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from models.account import Account
from models.base import utcnow
from models.crypto import KeyRing, new_data_key
from models.export_job import ExportJob, ExportStatus
from models.sealed_file import file_key_aad, read_sealed

from . import access
from .disclosures import Disclosure, prepare
from .previews import preview
from .errors import Conflict, DomainError, Expired, InvalidSubmission, NotFound
from .export_files import ExportFiles
from .exports import WRITERS, export_stream

log = logging.getLogger(__name__)

EXPORT_HOURS = 24
#: A running job whose progress has not moved for this long was interrupted: its runner stopped or died.
STALE = timedelta(minutes=15)
#: Seconds between two writes of a running job's progress.
BEAT = 1.0

FAILED = ("The export stopped on an error on the server, and nothing of it was kept. Try again; if it fails "
          "again, an administrator will find the reason in the job runner's log under job {handle}.")
INTERRUPTED = "The export was interrupted before it finished (the job runner stopped), and nothing of it was kept."
NEVER_STARTED = ("The job runner did not start this export in time, so nothing was made. An administrator can "
                 "check that it is running (`flask --app app jobs work`).")
UNREACHABLE = ("The job runner could not be reached, so the export was not started and nothing was made. "
               "Try again in a minute; if it persists, an administrator can check the job queue.")


def start(session: Session, ring: KeyRing, account: Account, d: Disclosure, fmt: str, mode: str,
          hours: float = EXPORT_HOURS) -> ExportJob:
    """A queued export of what `d` allows, for `account` (its right to export was checked with `d`), expecting
    as many respondents as the preview counts from consent alone. Its file's key is made now, wrapped by the
    ring."""
    if fmt not in WRITERS:
        raise InvalidSubmission(f"There is no export format {fmt!r}.", {"format": ["Choose a format."]})
    expected = preview(session, d, mode).going_out
    handle, now = secrets.token_hex(16), utcnow()
    job = ExportJob(handle=handle, account_id=account.id, survey_id=d.survey.id, recipient_id=d.recipient.id,
                    purpose=d.purpose, format=fmt, mode=mode, status=ExportStatus.QUEUED, rows_done=0,
                    rows_expected=expected, data_key=ring.wrap(new_data_key(), file_key_aad(handle)),
                    created_at=now, updated_at=now, expires_at=now + timedelta(hours=hours))
    session.add(job)
    session.flush()
    log.info("%s asked for an export of %s to %s for %s as %s (job %s)", account.email, d.survey.slug,
             d.recipient.name, d.purpose, fmt, handle)
    return job


def run(sessions: sessionmaker, ring: KeyRing, files: ExportFiles, handle: str, hours: float = EXPORT_HOURS,
        workers: int = 1, ring_file: str | os.PathLike | None = None) -> ExportStatus | None:
    """In the job runner: the export written into its sealed file, with its progress as it goes, its rows
    opened by `workers` processes (each loading the key ring from `ring_file`). Rights are checked again now,
    as the person has them now (a right taken away since the job was queued stops it). Returns how the job
    ended, or None when it was not waiting to run (a second delivery of the same task)."""
    with sessions.begin() as session:
        job_id = _claim(session, handle)
    if job_id is None:
        return None
    beat = _Beat(sessions, job_id)
    try:
        with sessions() as session:
            job = session.get(ExportJob, job_id)
            d, fmt, mode = _disclosure(session, job), job.format, job.mode
            key = ring.unwrap(job.data_key, file_key_aad(handle))
        with files.writing(handle, key) as sink, closing(export_stream(
                sessions, ring, d, fmt, mode, beat, workers=workers if ring_file else 1, ring_file=ring_file)) as chunks:
            for chunk in chunks:
                sink.write(chunk)
    except DomainError as exc:
        return _end(sessions, job_id, ExportStatus.FAILED, error=exc.message)
    except Exception:
        log.exception("export job %s failed", handle)
        return _end(sessions, job_id, ExportStatus.FAILED, error=FAILED.format(handle=handle))
    except BaseException:  # the runner is stopping: say so, and let it stop
        _end(sessions, job_id, ExportStatus.FAILED, error=INTERRUPTED)
        raise
    ended = _end(sessions, job_id, ExportStatus.DONE, rows=beat.rows, size=sink.size, hours=hours)
    if ended is not ExportStatus.DONE:  # failed as stale while the file was being written
        files.delete(handle)
    return ended


def unreachable(sessions: sessionmaker, handle: str) -> None:
    """A job that could not be queued: failed, with its key destroyed, so it does not wait for ever."""
    with sessions.begin() as session:
        session.execute(update(ExportJob).where(ExportJob.handle == handle, ExportJob.status == ExportStatus.QUEUED)
                        .values(status=ExportStatus.FAILED, error=UNREACHABLE, data_key=None, finished_at=utcnow()))


def interrupted(sessions: sessionmaker, files: ExportFiles, handle: str) -> None:
    """A running job whose runner is stopping under it: failed, its key destroyed and its file removed."""
    with sessions.begin() as session:
        session.execute(update(ExportJob).where(ExportJob.handle == handle, ExportJob.status == ExportStatus.RUNNING)
                        .values(status=ExportStatus.FAILED, error=INTERRUPTED, data_key=None, finished_at=utcnow()))
    files.delete(handle)


def _claim(session: Session, handle: str) -> int | None:
    """The job's id, now running, if it was waiting to."""
    job_id = session.scalar(select(ExportJob.id).where(ExportJob.handle == handle))
    claimed = session.execute(update(ExportJob).where(
        ExportJob.id == job_id, ExportJob.status == ExportStatus.QUEUED).values(
        status=ExportStatus.RUNNING, updated_at=utcnow())).rowcount
    return job_id if claimed == 1 else None


def _disclosure(session: Session, job: ExportJob) -> Disclosure:
    account, survey, recipient = job.account, job.survey, job.recipient
    access.require(session, account, survey, access.Action.EXPORT)
    return prepare(survey, recipient, job.purpose, account.email, spi_clearance=account.spi_access)


def _end(sessions: sessionmaker, job_id: int, status: ExportStatus, *, error: str | None = None, rows: int = 0,
         size: int | None = None, hours: float = EXPORT_HOURS) -> ExportStatus:
    """The running job done or failed; failed if it was no longer running (the sweep found it stale)."""
    now = utcnow()
    values: dict = {"status": status, "error": error, "finished_at": now, "updated_at": now}
    if status is ExportStatus.DONE:
        values.update(rows_done=rows, size=size, expires_at=now + timedelta(hours=hours))
    else:
        values.update(data_key=None)
    with sessions.begin() as session:
        changed = session.execute(update(ExportJob).where(
            ExportJob.id == job_id, ExportJob.status == ExportStatus.RUNNING).values(**values)).rowcount
    log.info("export job %d: %s%s", job_id, status, f" ({error})" if error else "")
    return status if changed == 1 else ExportStatus.FAILED


class _Beat:
    """export_stream's progress, written at most every BEAT seconds: the page's bar, and the sign of life that
    tells a running job from an interrupted one."""

    def __init__(self, sessions: sessionmaker, job_id: int):
        self.sessions, self.job_id, self.rows, self._last = sessions, job_id, 0, float("-inf")

    def __call__(self, rows: int) -> None:
        self.rows = rows
        if time.monotonic() - self._last < BEAT:
            return
        self._last = time.monotonic()
        with self.sessions.begin() as session:
            session.execute(update(ExportJob).where(
                ExportJob.id == self.job_id, ExportJob.status == ExportStatus.RUNNING).values(
                rows_done=rows, updated_at=utcnow()))


def job_for(session: Session, account: Account, handle: str) -> ExportJob:
    """The job, to the person who started it or an admin, while they may export its survey: NotFound to anyone
    else (whose it is stays unsaid), Forbidden once the right is gone."""
    job = session.scalar(select(ExportJob).where(ExportJob.handle == handle))
    if job is None or (job.account_id != account.id and not account.is_admin):
        raise NotFound("There is no such export.")
    access.require(session, account, job.survey, access.Action.EXPORT)
    return job


def download(sessions: sessionmaker, ring: KeyRing, files: ExportFiles, job: ExportJob) -> Iterator[bytes]:
    """The finished file, opened part by part as it is sent. Once its last part has gone, the file is deleted
    and the job expired: a download stopped half-way leaves it to be fetched again."""
    if job.status is not ExportStatus.DONE:
        if job.status is ExportStatus.EXPIRED or job.status is ExportStatus.FAILED:
            raise Expired("This export's file is gone (downloaded, expired or failed): export again.")
        raise Conflict("This export is not finished yet.")
    file = files.open(job.handle)
    if file is None:
        raise Expired("This export's file is gone: export again.")
    key, handle, job_id = ring.unwrap(job.data_key, file_key_aad(job.handle)), job.handle, job.id

    def parts() -> Iterator[bytes]:
        with file:
            yield from read_sealed(file, key, handle)
        files.delete(handle)
        with sessions.begin() as session:
            session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == ExportStatus.DONE)
                            .values(status=ExportStatus.EXPIRED, data_key=None, downloaded_at=utcnow()))
        log.info("export job %s downloaded; its file is deleted", handle)
    return parts()


def recent(sessions: sessionmaker, session: Session, files: ExportFiles, account: Account,
           limit: int = 10) -> list[ExportJob]:
    """The person's latest jobs, newest first, after the sweep has put those past their time away."""
    sweep(sessions, files)
    return list(session.scalars(select(ExportJob).where(ExportJob.account_id == account.id)
                                .options(joinedload(ExportJob.survey), joinedload(ExportJob.recipient))
                                .order_by(ExportJob.id.desc()).limit(limit)))


def sweep(sessions: sessionmaker, files: ExportFiles, now: datetime | None = None) -> int:
    """Files past their time deleted and their keys destroyed; running jobs left unmoved for STALE failed as
    interrupted; queued ones never started by their expiry failed; and any file whose job is over (or gone)
    deleted. Returns how many jobs it ended. Writes nothing when there is nothing to do."""
    now = now or utcnow()
    J = ExportJob
    with sessions.begin() as session:
        ending = session.execute(select(J.id, J.status).where(
            ((J.status == ExportStatus.DONE) & (J.expires_at <= now))
            | ((J.status == ExportStatus.RUNNING) & (J.updated_at <= now - STALE))
            | ((J.status == ExportStatus.QUEUED) & (J.expires_at <= now)))).all()
        for job_id, status in ending:
            values: dict = {"status": ExportStatus.EXPIRED, "data_key": None, "updated_at": now}
            if status is not ExportStatus.DONE:
                values.update(status=ExportStatus.FAILED, finished_at=now,
                              error=INTERRUPTED if status is ExportStatus.RUNNING else NEVER_STARTED)
            session.execute(update(J).where(J.id == job_id, J.status == status).values(**values))
    on_disk = files.handles()
    if on_disk:
        with sessions() as session:
            alive = set(session.scalars(select(J.handle).where(
                J.handle.in_(on_disk), J.status.in_([ExportStatus.RUNNING, ExportStatus.DONE]))))
        for handle in on_disk - alive:
            files.delete(handle)
    if ending:
        log.info("export jobs swept: %d ended", len(ending))
    return len(ending)
