"""gunicorn settings: `gunicorn -c gunicorn.conf.py "app:create_app()"`.

Sync workers share nothing but the database and the key ring, so any number of them,
on any number of machines, can serve side by side. Run `flask --app app init` (which
migrates) before starting them: workers never create tables."""
import multiprocessing
import os
import subprocess
import sys

bind = os.environ.get("SURVEYS_BIND", "127.0.0.1:8000")
# Sync workers gave steadier latency than threads here; two or three per core.
workers = int(os.environ.get("SURVEYS_WORKERS", max(2, multiprocessing.cpu_count() + 1)))
worker_class = "sync"
timeout = 120           # exports are written by the job runner (`flask --app app jobs work`), not in a request
graceful_timeout = 30
max_requests = 5000     # recycle workers now and then
max_requests_jitter = 500
accesslog = "-"
# The default access log line carries the query string, which holds no answers here, and the
# client address, which the service itself stores truncated: keep the log as plain as that.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss'
forwarded_allow_ips = os.environ.get("SURVEYS_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Load the app once before any worker forks, so a configuration it cannot start with (no
    key ring, a corrupt one, no secret key) stops gunicorn with the app's one line and status 4.

    Workers refuse the same way, and the arbiter halts on their status 4, but when several fail
    together it raises its halt a second time while reaping them and prints its own traceback.
    The check runs in a child process: the app's modules imported into the master would stay
    there, and workers forked after a HUP would run the old code."""
    uri = getattr(server.app, "app_uri", None)
    if not uri:
        return
    checked = subprocess.run([sys.executable, "-c", "import sys; from gunicorn.util import import_app; "
                              "import_app(sys.argv[1])", uri], check=False)
    if checked.returncode:
        sys.exit(checked.returncode)


def post_worker_init(worker):
    """The app is loaded, and what it holds now lives as long as the worker: frozen, the garbage collector
    stops walking it on every full collection, a pause of tens of milliseconds that a request would
    otherwise pay at random."""
    import gc
    gc.freeze()
