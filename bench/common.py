"""A benchmark instance: the demo survey with N seeded responses, kept between runs."""
import json
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench.data import generate  # noqa: E402
from models.crypto import KeyRing  # noqa: E402
from models.response import Response  # noqa: E402
from surveys import catalogue, db, recipients, tallies  # noqa: E402

DEFAULT_DIR = Path("/tmp/surveys-bench")


def bench_app(directory: Path, database_url: str | None = None):
    overrides = {"DATABASE_URL": database_url} if database_url else {}
    app = create_app({"INSTANCE_PATH": str(directory), "TESTING": True, "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False, **overrides})
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    return app


def ensure_responses(app, count: int, seed: int = 2026) -> None:
    with app.app_context():
        session = db.session()
        survey = catalogue.get_survey(session, "wellbeing-demo")
        have = session.scalar(select(func.count()).select_from(Response))
        if not recipients.list_recipients(session)[1:]:
            recipients.create_recipient(session, KeyRing.load(app.config["KEYRING_FILE"]), "Bench Partner",
                                   ["care-quality"], ["wellbeing-demo"])
            db.commit()
        if have >= count:
            return
        started = time.perf_counter()
        generate(app.extensions["surveys.engine"], KeyRing.load(app.config["KEYRING_FILE"]), survey, count - have,
                 seed=seed + have, progress=lambda n: print(f"  generated {have + n:,}", end="\r", file=sys.stderr))
        print(f"\n  {count - have:,} responses generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        started = time.perf_counter()
        engine = app.extensions["surveys.engine"]
        if engine.dialect.name == "postgresql":  # as autovacuum would, in its own time: planner statistics, and
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # index-only scans
                connection.exec_driver_sql("VACUUM ANALYZE responses")
        counted = tallies.warm(app.extensions["surveys.sessions"], KeyRing.load(app.config["KEYRING_FILE"]), survey)
        print(f"  tallies of {counted:,} responses kept in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started: VmHWM, kept per address space. getrusage's ru_maxrss
    outlives exec on Linux, so a process started by a big one would report its parent's peak."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def report(**figures) -> None:
    print(json.dumps(figures))


def measured_apart(module: str, kind: str, directory: str) -> dict:
    """Run `python -m <module> --measure <kind>` in a process of its own (its peak memory is its alone) and
    return the figures it reported last."""
    output = subprocess.run([sys.executable, "-m", module, "--measure", kind, "--dir", directory],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])
