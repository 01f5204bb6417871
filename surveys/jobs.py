"""Work longer than a request (big exports), on a kept job library: Huey. Its queue is a SQLite file in the instance
folder unless SURVEYS_JOBS_URL names a Redis server; `flask --app app jobs work` runs the consumer, where the
export is written, out of reach of the web server's request timeout. The work itself is in export_jobs."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.signals import SIGNAL_INTERRUPTED

from . import export_jobs, releases
from .export_files import ExportFiles

log = logging.getLogger(__name__)

#: How often the consumer deletes files past their time (the pages also do it when they list jobs).
SWEEP = crontab(minute="*/10")
#: How often the consumer counts what arrived since into the kept tallies (surveys/tallies.py).
WARM = crontab(minute="*/5")


class Jobs:
    """The app's queue, made on first use: creating the app opens no file and no connection."""

    def __init__(self, app: Flask):
        self.app = app
        self.files = ExportFiles(app.config["EXPORT_FOLDER"], app.config["EXPORT_SCRATCH"])
        self._huey: Huey | None = None
        self._lock = threading.Lock()
        self._export = None

    @property
    def huey(self) -> Huey:
        with self._lock:
            if self._huey is None:
                self._huey = _make_huey(self.app.config, Path(self.app.instance_path))
                self._register(self._huey)
            return self._huey

    def _register(self, huey: Huey) -> None:
        app, hours = self.app, float(self.app.config["EXPORT_HOURS"])
        workers = int(app.config["EXPORT_WORKERS"]) or os.cpu_count() or 1

        def export(handle: str) -> None:
            export_jobs.run(app.extensions["surveys.sessions"], app.extensions["surveys.keyring"].get(),
                            self.files, handle, hours, workers=workers, ring_file=app.config["KEYRING_FILE"])

        def sweep() -> None:
            export_jobs.sweep(app.extensions["surveys.sessions"], self.files)

        def warm() -> None:
            counted = releases.keep_warm(app.extensions["surveys.sessions"], app.extensions["surveys.keyring"].get())
            if counted:
                log.info("kept tallies: %d response(s) counted afresh", counted)

        def interrupted(signal: str, task) -> None:
            """The consumer stopping at once (SIGTERM) with an export under way: it fails now, and its file goes,
            rather than looking alive until the sweep finds it stale."""
            if isinstance(task, self._export.task_class):
                export_jobs.interrupted(app.extensions["surveys.sessions"], self.files, *task.args)

        self._export = huey.task(name="export")(export)
        huey.periodic_task(SWEEP, name="sweep")(sweep)
        huey.periodic_task(WARM, name="warm_tallies")(warm)
        huey.signal(SIGNAL_INTERRUPTED)(interrupted)

    def submit_export(self, handle: str) -> None:
        """Queue the job (in immediate mode, run it now). A queue that cannot be reached fails the job with a
        reason the page shows, rather than leaving it waiting for ever."""
        try:
            self.huey  # noqa: B018 — made, with its tasks, on first use
            self._export(handle)
        except Exception:
            log.exception("export job %s could not be queued", handle)
            export_jobs.unreachable(self.app.extensions["surveys.sessions"], handle)

    def work(self, workers: int = 1) -> None:
        """The consumer, until it is stopped (Ctrl-C, SIGTERM). It finishes what it runs on a graceful stop."""
        huey = self.huey
        if huey.immediate:
            raise RuntimeError("SURVEYS_JOBS_IMMEDIATE is set: jobs run inside the request, and there is no queue "
                               "to work on")
        self.files.use_scratch()
        export_jobs.sweep(self.app.extensions["surveys.sessions"], self.files)
        huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


def _make_huey(config, instance: Path) -> Huey:
    url, name, immediate = config["JOBS_URL"], config["JOBS_QUEUE"], bool(config["JOBS_IMMEDIATE"])
    # Results are not kept: a job's outcome is its row in the database.
    if url:
        return RedisHuey(name, url=url, results=False, immediate=immediate)
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(instance / "jobs.db"), results=False, immediate=immediate)


def init_app(app: Flask) -> None:
    app.extensions["surveys.jobs"] = Jobs(app)


def jobs() -> Jobs:
    return current_app.extensions["surveys.jobs"]
