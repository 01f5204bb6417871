"""Pages at N responses: the staff dashboard, the survey pages, the export preview, and one respondent's
record (GET /api/v1/me), each through the app as a browser or a client meets it, timed apart from the data.

    python -m bench.pages [--responses 1000000] [--dir /tmp/surveys-bench] [--repeat 5]

The generator's receipts are random digests, so the respondent whose record is read is one more response
submitted through the service, with a receipt of its own. Targets: pages under 2 s, /me under 100 ms.
"""
import argparse
import re
import statistics
import time

from bench.common import DEFAULT_DIR, bench_app, ensure_responses, report

STAFF = "bench-admin@example.org"
PASSWORD = "bench pages correct horse battery"
CONSENT = {"participate": True, "age_confirmed": True, "spi_disclosure": True}


def timed(call, repeat: int) -> tuple[float, float]:
    """(median, slowest) seconds of `repeat` calls, after one call that warms caches and checks the answer."""
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def staff_client(app):
    """A test client signed in as an administrator (made once per instance)."""
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create", STAFF, "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    client = app.test_client()
    page = client.get("/researcher/login")
    signed_in = client.post("/researcher/login", data={"csrf_token": _token(page.data), "email": STAFF,
                                                       "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:300]
    return client


def _token(html: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1).decode()


def ok(response, *expected: bytes):
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    for text in expected:
        assert text in response.data, text
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--dir", default=str(DEFAULT_DIR))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = bench_app(args.dir)
    ensure_responses(app, args.responses)
    staff, respondent = staff_client(app), app.test_client()
    submitted = respondent.post("/api/v1/surveys/wellbeing-demo/responses", json={
        "answers": {"full_name": "Bench Person", "wellbeing": "good", "visits": 2}, "consent": CONSENT})
    assert submitted.status_code == 201, submitted.get_json()
    receipt = submitted.get_json()["receipt"]
    page = staff.get("/researcher/export")
    partner = re.search(rb'<option value="(\d+)">Bench Partner</option>', page.data).group(1).decode()
    preview = {"csrf_token": _token(page.data), "survey": "wellbeing-demo", "recipient": partner,
               "purpose": "care-quality", "format": "csv", "mode": "blank"}
    figures = {
        "dashboard": timed(lambda: ok(staff.get("/researcher/"), b"wellbeing-demo"), args.repeat),
        "survey list": timed(lambda: ok(staff.get("/researcher/surveys")), args.repeat),
        "survey page": timed(lambda: ok(staff.get("/researcher/surveys/wellbeing-demo")), args.repeat),
        "export preview": timed(lambda: ok(staff.post("/researcher/export", data=preview), b"Bench Partner"),
                                args.repeat),
        "/me": timed(lambda: ok(respondent.get("/api/v1/me", headers={"X-Receipt": receipt})),
                     args.repeat * 4),
    }
    for name, (median, slowest) in figures.items():
        target = 0.1 if name == "/me" else 2.0
        verdict = "within" if slowest < target else "OVER"
        print(f"{name:>15}: median {median * 1000:8.1f} ms, slowest {slowest * 1000:8.1f} ms "
              f"({verdict} {target * 1000:.0f} ms) at {args.responses:,} responses", flush=True)
    report(responses=args.responses, **{name.replace(" ", "_").strip("/"): round(median * 1000, 1)
                                        for name, (median, _) in figures.items()})


if __name__ == "__main__":
    main()
