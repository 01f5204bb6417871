"""The service at N responses, through its own surfaces, on SQLite or PostgreSQL: data from the seeded
generator, then the export, the API paged to the end, aggregates, the dashboard, the export preview,
the results page, one respondent's record, `audit verify` and `retention purge`, each timed.

    python -m bench.scale --responses 10000000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/scale

Prints a Markdown table for the README.
"""
import argparse
import gc
import os
import re
import statistics
import time

from sqlalchemy import select, text

from bench.common import bench_app, ensure_responses
from models.response import Response

PASSWORD = "scale-bench-password-2026"
PURPOSE = "care-quality"


def timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def csrf(html: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1).decode()


class Table:
    def __init__(self):
        self.rows = []

    def add(self, what: str, seconds: float, note: str = "") -> None:
        self.rows.append((what, seconds, note))
        print(f"  {what}: {seconds:.3f} s {note}", flush=True)

    def markdown(self) -> str:
        lines = ["| step | time | |", "| --- | --- | --- |"]
        lines += [f"| {what} | {seconds:.2f} s | {note} |" for what, seconds, note in self.rows]
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--dir", default="/tmp/surveys-bench-scale")
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out: export,paging")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    app = bench_app(args.dir, database_url=args.database_url)
    table = Table()
    seconds, _ = timed(lambda: ensure_responses(app, args.responses))
    table.add(f"responses present (generated if missing): {args.responses:,}", seconds)
    runner, client = app.test_cli_runner(), app.test_client()
    gc.freeze()  # as gunicorn.conf.py's post_worker_init does in every worker: full collections skip the app
    runner.invoke(args=["users", "create", "scale@example.org", "--role", "admin", "--spi-access", "--password-stdin"],
                  input=f"{PASSWORD}\n{PASSWORD}\n")
    with app.app_context():
        from surveys import db, recipients
        partner = next(r for r in recipients.list_recipients(db.session()) if r.name == "Bench Partner")
        partner_id, token = partner.id, recipients.issue_token(db.session(), partner)
        db.commit()
    bearer = {"Authorization": f"Bearer {token}"}

    if "export" not in skip:
        output = os.path.join(args.dir, "export.csv")
        seconds, result = timed(lambda: runner.invoke(args=[
            "export", "wellbeing-demo", "--recipient", "Bench Partner", "--purpose", PURPOSE, "--format", "csv",
            "--output", output]))
        assert result.exit_code == 0, result.output
        with open(output, "rb") as handle:
            rows = sum(1 for _ in handle) - 1
        os.unlink(output)
        table.add("export, CSV, third party (`export`)", seconds, f"{rows:,} rows, {rows / seconds:,.0f} rows/s")

    if "paging" not in skip:
        cursor, pages, times = "", 0, []
        started = time.perf_counter()
        while True:
            page_started = time.perf_counter()
            reply = client.get(f"/api/v1/surveys/wellbeing-demo/responses?purpose={PURPOSE}&limit=1000{cursor}",
                               headers=bearer)
            times.append(time.perf_counter() - page_started)
            assert reply.status_code == 200, reply.data[:300]
            pages += 1
            following = reply.get_json()["next_cursor"]
            if not following:
                break
            cursor = f"&cursor={following}"
        times.sort()
        table.add("API paged to the end, 1,000 a page", time.perf_counter() - started,
                  f"{pages:,} pages; a page: median {statistics.median(times) * 1000:.0f} ms, "
                  f"p99 {times[int(len(times) * 0.99)] * 1000:.0f} ms")

    for attempt in ("first", "second"):
        seconds, reply = timed(lambda: client.get(f"/api/v1/surveys/wellbeing-demo/aggregates?purpose={PURPOSE}",
                                                  headers=bearer))
        assert reply.status_code == 200
        table.add(f"aggregates ({attempt} call)", seconds)

    page = client.get("/researcher/login")
    client.post("/researcher/login", data={"csrf_token": csrf(page.data), "email": "scale@example.org",
                                           "password": PASSWORD})
    seconds, reply = timed(lambda: client.get("/researcher/"))
    assert reply.status_code == 200
    table.add("dashboard", seconds)
    page = client.get("/researcher/export")
    seconds, reply = timed(lambda: client.post("/researcher/export", data={
        "csrf_token": csrf(page.data), "survey": "wellbeing-demo", "recipient": str(partner_id),
        "purpose": PURPOSE, "format": "csv", "mode": "blank"}))
    assert reply.status_code == 200
    table.add("export preview", seconds)
    seconds, reply = timed(lambda: client.get("/researcher/surveys/wellbeing-demo/results"))
    assert reply.status_code == 200
    table.add("results page", seconds)

    submitted = client.post("/api/v1/surveys/wellbeing-demo/responses", json={
        "answers": {"wellbeing": "good", "full_name": "Scale Bench"},
        "consent": {"participate": True, "age_confirmed": True}}).get_json()
    me = []
    for _ in range(21):
        seconds, reply = timed(lambda: client.get("/api/v1/me", headers={"X-Receipt": submitted["receipt"]}))
        assert reply.status_code == 200
        me.append(seconds)
    table.add("one respondent's record (`GET /api/v1/me`, median of 21)", statistics.median(me))

    for flags in ([], ["--full"]):
        seconds, result = timed(lambda: runner.invoke(args=["audit", "verify", *flags]))
        assert result.exit_code == 0, result.output
        table.add(f"`audit verify {' '.join(flags)}`".replace(" `", "`"), seconds, result.output.strip()[:90])

    with app.extensions["surveys.engine"].begin() as connection:
        # The oldest hundredth of the responses past their survey's retention.
        oldest = connection.execute(select(Response.submitted_at).order_by(Response.id).limit(1)
                                    .offset(max(args.responses // 100, 1))).scalar_one()
        connection.execute(text("UPDATE surveys SET retention_days = :days WHERE slug = 'wellbeing-demo'"),
                           {"days": max((time.time() - oldest.timestamp()) // 86400, 1)})
    seconds, result = timed(lambda: runner.invoke(args=["retention", "purge"]))
    assert result.exit_code == 0, result.output
    table.add("`retention purge`", seconds, result.output.strip()[:90])
    print(table.markdown())


if __name__ == "__main__":
    main()
