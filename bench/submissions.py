"""Benchmark (a): submissions per second through gunicorn against the same server's
plain-insert baseline endpoint. Needs wrk (apt-get install wrk).

    python -m bench.submissions [--seconds 10] [--rounds 3] [--connections 16] [--workers 2]

The two endpoints take turns, so both meet the same table sizes and the same moments of
a shared machine; each figure is the median of its rounds.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
BODY = {"answers": {"full_name": "Ann Lee", "email": "ann@example.org", "wellbeing": "good", "visits": 3,
                    "activities": ["walking"], "smoker": False, "conditions": "asthma"},
        "consent": {"participate": True, "age_confirmed": True, "spi_disclosure": True}}
LUA = """wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
"""


def wrk(url: str, seconds: int, connections: int, script: Path) -> float:
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                            capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} requests failed\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "SURVEYS_INSTANCE_PATH": directory, "SURVEYS_RATELIMIT_ENABLED": "false",
               "SURVEYS_BENCHMARK_ENDPOINTS": "true", "SURVEYS_WORKERS": str(args.workers)}
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        server = subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:8099",
                                   "--access-logfile", "/dev/null", "app:create_app()"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen("http://127.0.0.1:8099/api/v1/openapi.json", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            script = Path(directory) / "post.lua"
            script.write_text(LUA.format(body=json.dumps(BODY)))
            base = "http://127.0.0.1:8099"
            wrk(f"{base}/api/v1/surveys/wellbeing-demo/responses", 3, args.connections, script)  # warm up
            plains, reals = [], []
            for _ in range(args.rounds):
                plains.append(wrk(f"{base}/api/benchmark/surveys/1/plain-insert", args.seconds, args.connections, script))
                reals.append(wrk(f"{base}/api/v1/surveys/wellbeing-demo/responses", args.seconds, args.connections,
                                 script))
            plain, real = statistics.median(plains), statistics.median(reals)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"plain insert (baseline)  : {plain:8.1f} requests/s")
    print(f"validated, encrypted, with consent event and receipt: {real:8.1f} submissions/s")
    print(f"rounds: baseline {', '.join(f'{r:.0f}' for r in plains)}; submissions {', '.join(f'{r:.0f}' for r in reals)}")
    print(f"submissions / baseline   : {real / plain:.2f} (target ≥ 0.70); gunicorn {args.workers} sync workers, "
          f"{args.connections} connections, {args.rounds} rounds of {args.seconds} s each")


if __name__ == "__main__":
    main()
