"""Work in the background: the job runner that writes big exports outside any request."""
import logging

import click
from flask.cli import AppGroup

from ..jobs import jobs
from .common import fail

jobs_group = AppGroup("jobs", help="Background work: exports that take longer than a request.")


@jobs_group.command("work")
@click.option("--workers", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Jobs run at once, each in a thread of this process.")
def work_command(workers: int):
    """Run the job runner (Huey's consumer) until stopped: Ctrl-C or SIGINT lets running jobs finish first,
    SIGTERM stops at once (a stopped job fails, and leaves no file). Run one per export folder."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        jobs().work(workers)
    except RuntimeError as exc:
        fail(f"jobs work: {exc}")
