"""Benchmark (a): submissions per second through gunicorn against the same server's
plain-insert baseline endpoint. Needs wrk (apt-get install wrk).

    python -m bench.submissions [--seconds 10] [--rounds 3] [--connections 16] [--workers 2]

The two endpoints take turns, so both meet the same table sizes and the same moments of
a shared machine: the figure is the median of each round's ratio. The workers' CPU per request
is given beside it, the cost of each request whatever else the machine is running.
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


def wrk(url: str, seconds: int, connections: int, script: Path) -> tuple[float, int]:
    """(requests per second, requests made)."""
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                            capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} requests failed\n{output}")
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            int(re.search(r"(\d+) requests in", output).group(1)))


def workers_cpu(master: int) -> float:
    """CPU seconds the server's workers have used (Linux /proc): a cost per request that other work on the
    machine does not change the way it changes requests per second."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def measured(url: str, master: int, args, script: Path) -> tuple[float, float]:
    """(requests per second, worker CPU microseconds per request) of one round."""
    before = workers_cpu(master)
    rate, count = wrk(url, args.seconds, args.connections, script)
    return rate, (workers_cpu(master) - before) / count * 1e6


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
        # Workers are not recycled during the run: a worker starting again costs a second or two of CPU,
        # which would land in whichever round it fell in and measure the import of the app instead.
        server = subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:8099",
                                   "--access-logfile", "/dev/null", "--max-requests", "0", "app:create_app()"],
                                  cwd=ROOT, env=env,
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
            urls = {"plain": f"{base}/api/benchmark/surveys/1/plain-insert",
                    "real": f"{base}/api/v1/surveys/wellbeing-demo/responses"}
            rounds = []
            for number in range(args.rounds):  # each pair meets the same moment; who goes first alternates
                order = ("plain", "real") if number % 2 == 0 else ("real", "plain")
                rounds.append({name: measured(urls[name], server.pid, args, script) for name in order})
        finally:
            server.terminate()
            server.wait(timeout=30)
    ratios = [r["real"][0] / r["plain"][0] for r in rounds]
    cpu = {name: statistics.median(r[name][1] for r in rounds) for name in ("plain", "real")}
    print(f"plain insert (baseline)  : {statistics.median(r['plain'][0] for r in rounds):8.1f} requests/s, "
          f"{cpu['plain']:.0f} µs of worker CPU each")
    print(f"validated, encrypted, with consent event and receipt: "
          f"{statistics.median(r['real'][0] for r in rounds):8.1f} submissions/s, {cpu['real']:.0f} µs each")
    print("rounds (submissions / baseline): " + ", ".join(
        f"{r['real'][0]:.0f}/{r['plain'][0]:.0f}" for r in rounds))
    print(f"submissions / baseline   : {statistics.median(ratios):.2f} median of the rounds' ratios "
          f"(target ≥ 0.75); by worker CPU per request {cpu['plain'] / cpu['real']:.2f}; "
          f"gunicorn {args.workers} sync workers, {args.connections} connections, "
          f"{args.rounds} rounds of {args.seconds} s each; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
