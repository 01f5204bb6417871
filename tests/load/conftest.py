"""A real server for load and fault tests: gunicorn with two sync workers, on loopback."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    def __init__(self, instance: Path, database_url: str):
        self.env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(instance), "SURVEYS_DATABASE_URL": database_url,
                    "SURVEYS_RATELIMIT_ENABLED": "false", "SURVEYS_WORKERS": "2"}
        self.process = None
        self.url = ""
        self.log = instance / "gunicorn.log"
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=120)

    def start(self) -> "LiveServer":
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [GUNICORN, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                 "app:create_app()"], cwd=ROOT, env=self.env, start_new_session=True, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/v1/openapi.json", timeout=2).read()
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start: " + self.log.read_text()[-2000:])

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once: no cleanup of any kind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)

    def post(self, path: str, body: dict, timeout: float = 30) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def live_server(instance_path, database_url):
    server = LiveServer(instance_path, database_url).start()
    yield server
    server.stop()
