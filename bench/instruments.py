"""Benchmark (d): what logic costs a submission. Two surveys of 40 fields through the JSON API in one process:
one flat, one with 10 `show_if` conditions and 2 calculated scores; rounds alternate, medians are compared.

    python -m bench.instruments [--rounds 7] [--submissions 300]
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import bench_app, report
from models.definition import parse_definition
from surveys import catalogue, db

SIZE = 40
CONDITIONED = (1, 2, 3, 4, 6, 7, 8, 9, 11, 12)
CONSENT = {"participate": True, "age_confirmed": True, "spi_disclosure": True}
KINDS = [("integer", "non_pii", 3), ("text", "pii", "some words"), ("choice", "spi", 2), ("boolean", "non_pii", True),
         ("number", "spi", 2.5)]


def definition(slug: str, logic: bool) -> str:
    lines = [f"slug: {slug}", "title: Bench", "purpose: care-quality", "fields:"]
    for i in range(SIZE - (2 if logic else 0)):
        kind, cls, _ = KINDS[i % len(KINDS)]
        extra = ", choices: [{value: 1, label: a}, {value: 2, label: b}, {value: 3, label: c}]" \
            if kind == "choice" else ""
        # Ten conditions, each reading the integer answer before it, true for the answers sent.
        condition = f", show_if: 'q{i - i % 5} >= 1 and q{i - i % 5} < 10'" if logic and i in CONDITIONED else ""
        lines.append(f"  - {{name: q{i}, type: {kind}, classification: {cls}{extra}{condition}}}")
    if logic:
        integers = ", ".join(f"q{i}" for i in range(0, SIZE - 2, 5))
        lines.append(f"  - {{name: total, type: calculated, classification: non_pii, formula: 'sum({integers})'}}")
        lines.append("  - {name: mean_score, type: calculated, classification: spi, "
                     "formula: 'round(mean(q2, q7, q12, q17) * 2 + q4, 1)'}")
    return "\n".join(lines) + "\n"


def answers(logic: bool) -> dict:
    return {f"q{i}": KINDS[i % len(KINDS)][2] for i in range(SIZE - (2 if logic else 0))}


def timed(client, slug: str, body: dict, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        response = client.post(f"/api/v1/surveys/{slug}/responses", json=body)
        assert response.status_code == 201, response.get_json()
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--submissions", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app = bench_app(Path(directory))
        with app.app_context():
            for slug, logic in (("flat", False), ("logic", True)):
                spec = parse_definition(definition(slug, logic))
                assert sum(f.show_if is not None for f in spec.fields) == 10 or not logic
                catalogue.save_survey(db.session(), spec)
            db.commit()
        client = app.test_client()
        bodies = {slug: {"answers": answers(slug == "logic"), "consent": CONSENT} for slug in ("flat", "logic")}
        timed(client, "flat", bodies["flat"], 50)  # warm both paths
        timed(client, "logic", bodies["logic"], 50)
        rounds = {"flat": [], "logic": []}
        for _ in range(args.rounds):
            for slug in ("flat", "logic"):
                rounds[slug].append(timed(client, slug, bodies[slug], args.submissions))
        flat, logic = statistics.median(rounds["flat"]), statistics.median(rounds["logic"])
        report(flat_ms=round(flat * 1000, 3), logic_ms=round(logic * 1000, 3), extra_cost=round(logic / flat - 1, 3),
               rounds_extra=[round(b / a - 1, 3) for a, b in zip(rounds["flat"], rounds["logic"], strict=True)])


if __name__ == "__main__":
    main()
