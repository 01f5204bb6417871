"""Exports for analysis: a consent-filtered export of N responses of the demo survey for a third party, in each
of CSV, Excel, SPSS and Stata, each in a process of its own so that its peak RSS is its own. The files are
written (SPSS, Stata and Excel to a temporary file first, as the service does) and their bytes thrown away.

    python -m bench.analysis [--responses 1000000] [--dir /tmp/surveys-bench] [--formats csv,xlsx,sav,dta]
"""
import argparse
import os
import time

from bench.common import DEFAULT_DIR, bench_app, ensure_responses, measured_apart, peak_rss_mb, report

FORMATS = ["csv", "xlsx", "sav", "dta"]
LIMIT_MB = 1024


def measure(app, fmt: str) -> None:
    from models.crypto import KeyRing
    from surveys import catalogue, db, disclosures, previews, recipients
    from surveys.exports import export_stream
    with app.app_context():
        session = db.session()
        survey = catalogue.get_survey(session, "wellbeing-demo")
        partner = recipients.list_recipients(session)[1]
        d = disclosures.prepare(survey, partner, "care-quality", "bench")
        rows = previews.preview(session, d, "blank").going_out  # from consent alone: no answer is read
        ring = KeyRing.load(app.config["KEYRING_FILE"])
        started, size = time.perf_counter(), 0
        with open(os.devnull, "wb") as sink:
            for chunk in export_stream(app.extensions["surveys.sessions"], ring, d, fmt, "blank"):
                sink.write(chunk)
                size += len(chunk)
        seconds = time.perf_counter() - started
    report(kind=fmt, rows=rows, seconds=round(seconds, 1), rows_per_s=round(rows / seconds),
           megabytes=round(size / 2**20, 1), peak_rss_mb=round(peak_rss_mb(), 1))



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--dir", default=str(DEFAULT_DIR))
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--measure", choices=FORMATS)
    args = parser.parse_args()
    app = bench_app(args.dir)
    if args.measure:
        return measure(app, args.measure)
    ensure_responses(app, args.responses)
    for fmt in args.formats.split(","):
        figures = measured_apart("bench.analysis", fmt, args.dir)
        verdict = "within" if figures["peak_rss_mb"] < LIMIT_MB else "OVER"
        print(f"{fmt:>4}: {figures['rows']:>9,} rows in {figures['seconds']:>6} s = {figures['rows_per_s']:>7,} rows/s,"
              f" {figures['megabytes']:>7} MB written, peak RSS {figures['peak_rss_mb']} MB ({verdict} {LIMIT_MB} MB)",
              flush=True)


if __name__ == "__main__":
    main()
