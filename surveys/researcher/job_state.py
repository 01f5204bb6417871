"""An export job's state in words, as its page shows it and the page's script polls it: one source for both."""
from __future__ import annotations

from datetime import datetime

from models.base import iso_utc, utcnow
from models.export_job import ExportJob, ExportStatus

from ..export_jobs import INTERRUPTED

#: Seconds a job may wait in the queue before its page suggests the runner may not be running.
QUEUE_PATIENCE = 30


def describe(job: ExportJob, now: datetime | None = None) -> dict:
    """The job's state as its page and the page's script show it: the same words for both."""
    now = now or utcnow()
    done, expected = job.rows_done, job.rows_expected
    return {"status": job.status.value, "rows_done": done, "rows_expected": expected,
            "progress_max": max(expected, done, 1), "message": _words(job, now)}


def _words(job: ExportJob, now: datetime) -> str:
    status = job.status
    if status is ExportStatus.QUEUED:
        if (now - job.created_at).total_seconds() < QUEUE_PATIENCE:
            return "Waiting for the job runner to start it."
        return (f"Waiting for the job runner to start it, for more than {QUEUE_PATIENCE} seconds now. If it stays "
                "so, an administrator can check that the job runner is running (`flask --app app jobs work`).")
    if status is ExportStatus.RUNNING:
        return "Writing the file; the bar shows how far it has got."
    if status is ExportStatus.DONE:
        return (f"Ready: {job.rows_done:,} respondents, {_size(job.size or 0)}. It can be downloaded once; the file "
                f"is deleted after the download, or at {iso_utc(job.expires_at)} if nobody downloads it.")
    if status is ExportStatus.FAILED:
        return job.error or INTERRUPTED
    if job.downloaded_at is not None:
        return f"Downloaded at {iso_utc(job.downloaded_at)}; the file is deleted. Export again for a new one."
    return f"Not downloaded by {iso_utc(job.expires_at)}, so the file was deleted. Export again for a new one."


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return ""
