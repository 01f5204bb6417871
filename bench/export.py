"""Benchmark: a consent-filtered export of N responses against the floor of its work, in one run.

(a) raw: a plain SELECT of the rows → csv.writer (the old baseline: mostly csv quoting bytes);
(b) floor: the same rows (the columns the export reads), straight from the driver, each data key unwrapped, both
    blobs decrypted and their JSON decoded with models.crypto's open_answers, as the service opens them; nothing
    written, one process;
(c) export: CSV to the third party "Bench Partner" for care-quality, blank mode, through export_stream exactly as
    the service runs it, ledger included, one process;
(d) export with both cores: the same, `workers=2` (rows opened and written by a pool of processes).
Each runs in a process of its own, so its peak RSS is its own; (d)'s counts its workers too.

    python -m bench.export [--responses 1000000] [--dir /tmp/surveys-bench]
"""
# Only light imports up here: the pool's workers are spawned, and each imports this module again.
import argparse
import os
import threading
import time

SURVEY = "wellbeing-demo"
PARTNER, PURPOSE = "Bench Partner", "care-quality"
RAW = ("SELECT id, public_id, submitted_at, non_pii, pii, spi, data_key, opt_out_third_party, "
       "opt_out_other_purposes, spi_disclosure FROM responses WHERE survey_id = :survey ORDER BY id")
#: The same columns of the same rows as the export reads; only the blobs are opened.
FLOOR = ("SELECT id, public_id, submitted_at, language, non_pii, pii, spi, data_key, opt_out_third_party, "
         "opt_out_other_purposes, spi_disclosure FROM responses WHERE survey_id = :survey ORDER BY id")
#: Driver rows handed out at a time: few enough that a batch is freed before the collector would sweep it.
PARTITION = 100


def measure_raw(app) -> dict:
    import csv

    from sqlalchemy import text
    with app.extensions["surveys.engine"].connect() as connection, open(os.devnull, "w", newline="") as sink:
        writer = csv.writer(sink)
        started, rows = time.perf_counter(), 0
        result = connection.execution_options(yield_per=5000).execute(text(RAW), {"survey": _survey_id(connection)})
        for partition in result.partitions(PARTITION):
            writer.writerows(partition)
            rows += len(partition)
        return {"rows": rows, "seconds": time.perf_counter() - started}


def measure_floor(app) -> dict:
    from sqlalchemy import text

    from models.crypto import KeyRing, open_answers
    ring = KeyRing.load(app.config["KEYRING_FILE"])
    with app.extensions["surveys.engine"].connect() as connection:
        survey = _survey_id(connection)
        started, rows = time.perf_counter(), 0
        result = connection.execution_options(yield_per=5000).execute(text(FLOOR), {"survey": survey})
        for partition in result.partitions(PARTITION):
            for _, public_id, _, _, _, pii, spi, data_key, *_ in partition:
                open_answers(ring, survey, public_id, data_key, pii, spi)
            rows += len(partition)
        return {"rows": rows, "seconds": time.perf_counter() - started}


def measure_export(app, workers: int = 1) -> dict:
    from models.crypto import KeyRing
    from surveys import catalogue, db, disclosures, recipients
    from surveys.exports import export_stream
    with app.app_context():
        session = db.session()
        partner = recipients.find_recipient(session, PARTNER)
        d = disclosures.prepare(catalogue.get_survey(session, SURVEY), partner, PURPOSE, "bench")
        ring = KeyRing.load(app.config["KEYRING_FILE"])
        extra = {"workers": workers, "ring_file": app.config["KEYRING_FILE"]} if workers > 1 else {}
        started, lines = time.perf_counter(), 0
        with open(os.devnull, "wb") as sink:
            for chunk in export_stream(app.extensions["surveys.sessions"], ring, d, "csv", "blank", **extra):
                sink.write(chunk)
                lines += chunk.count(b"\n")
        return {"rows": lines - 1, "seconds": time.perf_counter() - started}


def _survey_id(connection) -> int:
    from sqlalchemy import text
    return connection.execute(text("SELECT id FROM surveys WHERE slug = :slug"), {"slug": SURVEY}).scalar_one()


class ChildrenPeak:
    """The peak RSS of each process this one starts (the pool's workers), read from /proc as they run: getrusage
    gives only the largest child's, and (d)'s figure is the parent's plus every worker's."""

    def __init__(self):
        self.peaks: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()

    def _watch(self):
        me = str(os.getpid())
        while not self._done.wait(0.1):
            for pid in os.listdir("/proc"):
                try:
                    with open(f"/proc/{pid}/stat") as stat:
                        if not pid.isdigit() or stat.read().rsplit(")", 1)[1].split()[1] != me:
                            continue
                    with open(f"/proc/{pid}/status") as status:
                        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
                except (OSError, ValueError, IndexError, StopIteration):
                    continue
                self.peaks[int(pid)] = max(self.peaks.get(int(pid), 0), peak / 1024)


def measure(kind: str, directory: str) -> None:
    from bench.common import bench_app, peak_rss_mb, report
    app = bench_app(directory)
    before = os.times()
    if kind == "pool":
        with ChildrenPeak() as children:
            figures = measure_export(app, workers=2)
        figures["workers_rss_mb"] = [round(mb, 1) for mb in children.peaks.values()]
    else:
        figures = {"raw": measure_raw, "floor": measure_floor, "export": measure_export}[kind](app)
    after = os.times()
    rows, seconds = figures["rows"], figures["seconds"]
    # CPU time moves less than the clock when others share the cores: this process's (threads included) and its
    # workers' (their start included), in µs per row.
    cpu = (after.user + after.system - before.user - before.system) / rows * 1e6
    workers = (after.children_user + after.children_system - before.children_user - before.children_system) / rows * 1e6
    report(kind=kind, **figures, rows_per_s=round(rows / seconds), peak_rss_mb=round(peak_rss_mb(), 1),
           cpu_us_per_row=round(cpu, 2), workers_cpu_us_per_row=round(workers, 2), load=round(os.getloadavg()[0], 2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--dir")
    parser.add_argument("--measure", choices=["raw", "floor", "export", "pool"])
    args = parser.parse_args()
    from bench.common import DEFAULT_DIR, bench_app, ensure_responses, measured_apart
    directory = args.dir or str(DEFAULT_DIR)
    if args.measure:
        return measure(args.measure, directory)
    ensure_responses(bench_app(directory), args.responses)
    load = os.getloadavg()
    found = {kind: measured_apart("bench.export", kind, directory) for kind in ("raw", "floor", "export", "pool")}
    raw, floor, export, pool = found.values()
    pool_rss = pool["peak_rss_mb"] + sum(pool["workers_rss_mb"])
    names = {"raw": "(a) raw SELECT → csv.writer", "floor": "(b) floor: unwrap, decrypt, decode",
             "export": "(c) export, one process", "pool": "(d) export, 2 worker processes"}
    for kind, figures in found.items():
        rss = (f"{pool_rss:.0f} MB ({figures['peak_rss_mb']:.0f} + workers "
               f"{' + '.join(f'{mb:.0f}' for mb in figures['workers_rss_mb'])})" if kind == "pool"
               else f"{figures['peak_rss_mb']:.0f} MB")
        cpu = f"{figures['cpu_us_per_row']:.1f}" + (f" + workers {figures['workers_cpu_us_per_row']:.1f}"
                                                    if kind == "pool" else "")
        print(f"{names[kind]:<36}: {figures['rows']:>9,} rows in {figures['seconds']:>6.1f} s = "
              f"{figures['rows_per_s']:>7,} rows/s, CPU {cpu} µs/row, peak RSS {rss} (load {figures['load']:.1f})")
    print(f"(c)/(b) = {export['rows_per_s'] / floor['rows_per_s']:.2f} (target ≥ 0.9); "
          f"(d)/(b) = {pool['rows_per_s'] / floor['rows_per_s']:.2f} (target ≥ 1.5); "
          f"(c)/(a) = {export['rows_per_s'] / raw['rows_per_s']:.2f}; peak RSS target < 300 MB")
    print(f"load average (1, 5, 15 min) before the run: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}; "
          f"after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
