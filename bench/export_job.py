"""Benchmark: an export of N responses started on the export page of a gunicorn server (sync workers, its default
timeout of 120 s) and written by the job runner (`flask --app app jobs work`), watched through the job's status
address, then downloaded. It shows that an export longer than any request finishes, and what it costs.

    python -m bench.export_job [--responses 3000000] [--dir /tmp/surveys-bench] [--format csv]

The database is the instance's SQLite file, or SURVEYS_DATABASE_URL if set (PostgreSQL).
"""
import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.common import DEFAULT_DIR, ROOT, bench_app, ensure_responses, report

ADMIN, PASSWORD = "bench-admin@example.org", "bench password, long enough"
CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Cookies and CSRF tokens, as a person's browser keeps them."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str):
        return self.opener.open(self.base + path, timeout=60)

    def token(self, path: str) -> str:
        return CSRF.search(self.get(path).read()).group(1).decode()

    def post(self, path: str, form: dict, token_from: str):
        data = urllib.parse.urlencode({"csrf_token": self.token(token_from), **form}).encode()
        return self.opener.open(self.base + path, data=data, timeout=60)


def serve(directory: Path, log) -> tuple[subprocess.Popen, subprocess.Popen, str]:
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(directory), "SURVEYS_SESSION_COOKIE_SECURE": "false",
           "SURVEYS_RATELIMIT_ENABLED": "false", "SURVEYS_WORKERS": "2"}
    port = free_port()
    runner = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "work"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "--bind",
                               f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2).read()
            return runner, server, base
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--dir", default=str(DEFAULT_DIR))
    parser.add_argument("--format", default="csv", choices=["csv", "jsonl", "sav", "dta", "xlsx"])
    args = parser.parse_args()
    directory = Path(args.dir)
    app = bench_app(directory)
    ensure_responses(app, args.responses)
    app.test_cli_runner().invoke(args=["users", "create", ADMIN, "--role", "admin", "--password-stdin"],
                                 input=PASSWORD + "\n")  # refused, harmlessly, when it exists
    with app.app_context():
        from surveys import db, recipients
        partner = recipients.list_recipients(db.session())[1].id
    app.extensions["surveys.engine"].dispose()
    with open(directory / "export_job.log", "ab") as log:
        runner, server, base = serve(directory, log)
        try:
            measure(Browser(base), partner, args.format, runner.pid, directory)
        finally:
            runner.send_signal(signal.SIGINT)
            os.killpg(server.pid, signal.SIGTERM)
            runner.wait(60)
            server.wait(60)


def measure(browser: Browser, partner: int, fmt: str, runner_pid: int, directory: Path) -> None:
    browser.post("/researcher/login", {"email": ADMIN, "password": PASSWORD}, "/researcher/login").read()
    started = time.perf_counter()
    page = browser.post("/researcher/export/download", {
        "survey": "wellbeing-demo", "recipient": partner, "purpose": "care-quality", "format": fmt,
        "mode": "blank"}, "/researcher/export")
    job_page = page.geturl()
    page.read()
    answered = time.perf_counter() - started
    while True:
        state = json.loads(browser.get(job_page.removeprefix(browser.base) + "/status").read())
        print(f"  {state['status']}: {state['rows_done']:,} of {state['rows_expected']:,}", end="\r", file=sys.stderr)
        if state["status"] not in ("queued", "running"):
            break
        time.sleep(1)
    written = time.perf_counter() - started
    print(file=sys.stderr)
    if state["status"] != "done":
        raise SystemExit(f"the job ended {state['status']}: {state['message']}")
    runner_rss = peak_rss_mb(runner_pid)
    fetched, size, lines = time.perf_counter(), 0, 0
    body = browser.post(job_page.removeprefix(browser.base) + "/file", {}, "/researcher/export")
    while block := body.read(1 << 20):
        size += len(block)
        lines += block.count(b"\n")
    downloaded = time.perf_counter() - fetched
    timeouts = (directory / "export_job.log").read_text(errors="replace").count("WORKER TIMEOUT")
    report(kind="export_job", format=fmt, rows=state["rows_done"], start_request_s=round(answered, 3),
           job_s=round(written, 1), rows_per_s=round(state["rows_done"] / written),
           download_s=round(downloaded, 1), download_mb_per_s=round(size / 1e6 / downloaded, 1),
           file_mb=round(size / 1e6, 1), lines=lines, runner_peak_rss_mb=round(runner_rss, 1),
           gunicorn_timeout_s=120, worker_timeouts_in_log=timeouts)


if __name__ == "__main__":
    main()
