"""Benchmark (c): `keys rotate` over N responses.

    python -m bench.rotate [--responses 1000000] [--dir /tmp/surveys-bench]
"""
import argparse
import time

from bench.common import DEFAULT_DIR, bench_app, ensure_responses, peak_rss_mb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--dir", default=str(DEFAULT_DIR))
    args = parser.parse_args()
    app = bench_app(args.dir)
    ensure_responses(app, args.responses)
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    rewrapped = int(result.output.split("re-wrapped ")[1].split()[0])
    print(result.output.strip())
    print(f"keys rotate: {rewrapped:,} data keys in {seconds:.1f} s = {rewrapped / seconds:,.0f} keys/s, "
          f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
