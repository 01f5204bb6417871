"""Benchmark (b): a consent-filtered export of N responses against a raw SELECT → csv.writer
of the same rows. Each side runs in a process of its own so its peak RSS is its own.

    python -m bench.export [--responses 1000000] [--dir /tmp/surveys-bench]
"""
import argparse
import csv
import os
import time

from bench.common import DEFAULT_DIR, bench_app, ensure_responses, measured_apart, peak_rss_mb, report

RAW = ("SELECT id, public_id, submitted_at, non_pii, pii, spi, data_key, opt_out_third_party, "
       "opt_out_other_purposes, spi_disclosure FROM responses WHERE survey_id = :survey ORDER BY id")


def measure_raw(app) -> None:
    from sqlalchemy import text
    engine = app.extensions["surveys.engine"]
    started, rows = time.perf_counter(), 0
    with engine.connect() as connection, open(os.devnull, "w", newline="") as sink:
        writer = csv.writer(sink)
        survey = connection.execute(text("SELECT id FROM surveys WHERE slug = 'wellbeing-demo'")).scalar_one()
        result = connection.execution_options(stream_results=True, yield_per=5000).execute(text(RAW),
                                                                                            {"survey": survey})
        for partition in result.partitions(5000):
            writer.writerows(partition)
            rows += len(partition)
    seconds = time.perf_counter() - started
    report(kind="raw", rows=rows, seconds=round(seconds, 2), rows_per_s=round(rows / seconds),
           peak_rss_mb=round(peak_rss_mb(), 1))


def measure_export(app) -> None:
    from models.crypto import KeyRing
    from surveys import catalogue, db, disclosures, recipients
    from surveys.exports import export_stream
    with app.app_context():
        session = db.session()
        survey = catalogue.get_survey(session, "wellbeing-demo")
        partner = recipients.list_recipients(session)[1]
        d = disclosures.prepare(survey, partner, "care-quality", "bench")
        ring = KeyRing.load(app.config["KEYRING_FILE"])
        started, lines = time.perf_counter(), 0
        with open(os.devnull, "wb") as sink:
            for chunk in export_stream(app.extensions["surveys.sessions"], ring, d, "csv", "blank"):
                sink.write(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
    rows = lines - 1
    report(kind="export", rows=rows, seconds=round(seconds, 2), rows_per_s=round(rows / seconds),
           peak_rss_mb=round(peak_rss_mb(), 1))



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--dir", default=str(DEFAULT_DIR))
    parser.add_argument("--measure", choices=["raw", "export"])
    args = parser.parse_args()
    app = bench_app(args.dir)
    if args.measure == "raw":
        return measure_raw(app)
    if args.measure == "export":
        return measure_export(app)
    ensure_responses(app, args.responses)
    raw, export = measured_apart("bench.export", "raw", args.dir), measured_apart("bench.export", "export", args.dir)
    print(f"raw SELECT → csv.writer : {raw['rows']:>9,} rows in {raw['seconds']:>6} s = {raw['rows_per_s']:>8,} rows/s,"
          f" peak RSS {raw['peak_rss_mb']} MB")
    print(f"consent-filtered export : {export['rows']:>9,} rows in {export['seconds']:>6} s = "
          f"{export['rows_per_s']:>8,} rows/s, peak RSS {export['peak_rss_mb']} MB")
    print(f"export / raw rate       : {export['rows_per_s'] / raw['rows_per_s']:.2f} (target ≥ 0.50); "
          f"peak RSS target < 300 MB")


if __name__ == "__main__":
    main()
