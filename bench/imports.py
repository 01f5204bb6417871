"""Benchmark (e): importing a 500-field instrument, as a REDCap data dictionary and as an XLSForm: read, translate
and check, as `surveys load` does (nothing stored).

    python -m bench.imports [--fields 500] [--rounds 5]
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import report
from models.definition import parse_definition
from models.interop.loading import export_definition, load_any

KINDS = [
    "{{name: q{i}, label: Question {i}, type: integer, classification: non_pii, min: 0, max: 100}}",
    "{{name: q{i}, label: Question {i}, type: choice, classification: spi, choices: "
    "[{{value: 0, label: Never}}, {{value: 1, label: Sometimes}}, {{value: 2, label: Often}}]}}",
    "{{name: q{i}, label: Question {i}, type: text, classification: pii}}",
    "{{name: q{i}, label: Question {i}, type: multi_choice, classification: spi, choices: [a, b, c, d]}}",
    "{{name: q{i}, label: Question {i}, type: date, classification: pii}}",
]


def definition(count: int) -> str:
    """Sections of 25 fields; every fifth field asked only when the integer before it is over 10; a score per
    section."""
    lines = ["slug: big", "title: Big", "purpose: care-quality", "sections:"]
    i = 0
    for section in range(count // 25):
        lines += [f"  - name: part_{section}", "    fields:"]
        for _ in range(24):
            item = KINDS[i % len(KINDS)].format(i=i)
            if i % 5 == 1:
                item = item[:-1] + f", show_if: 'q{i - 1} > 10'}}"
            lines.append("      - " + item)
            i += 1
        first = i - 24
        lines.append(f"      - {{name: score_{section}, type: calculated, classification: spi, "
                     f"formula: 'sum(q{first}, q{first + 5}, q{first + 10}) + q{first + 1}'}}")
        i += 1
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fields", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    spec = parse_definition(definition(args.fields))
    options = {"slug": "big", "title": "Big", "purpose": "care-quality"}
    figures = {"fields": len(spec.fields)}
    with tempfile.TemporaryDirectory() as directory:
        for suffix in (".csv", ".xlsx", ".yaml"):
            path = Path(directory) / f"big{suffix}"
            path.write_bytes(export_definition(spec, suffix))
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                loaded = load_any(path, options)
                times.append(time.perf_counter() - started)
            assert len(loaded.spec.fields) == len(spec.fields)
            figures[f"{suffix[1:]}_seconds"] = round(statistics.median(times), 3)
            figures[f"{suffix[1:]}_first"] = round(times[0], 3)
    report(**figures)


if __name__ == "__main__":
    main()
