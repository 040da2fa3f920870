"""The hotline console's lookup latency, catalog part (a benchmark, not a test).

    .venv/api/bin/python bench/hotline_bench.py [--rounds 3] [--json PATH]

Times the catalog part of the console's search (``api.catalog.service.lookup`` with the console's
threshold, in-process, one call at a time) over every question of ``bench/real_questions.jsonl`` as
typed (up to 100 characters, the endpoint's limit), and over every name and phrasing of the catalog
typed as pinyin initials and as full pinyin. The assistant's NLU (Rasa ``/model/parse``, which the
console asks with a 0.4 s timeout) is not part of this figure: its latency is bench/parse_bench.py's.
Prints the median over the rounds of each round's p50 and p95 (target p95 ≤ 50 ms), and the catalog
lookup's top-1 / top-3 on the train part (questions naming an item; the test part is timed, never scored).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypinyin import Style, lazy_pinyin  # noqa: E402

from api.catalog import service  # noqa: E402
from api.catalog.loader import get_catalog  # noqa: E402
from api.hotline.search import THRESHOLD  # noqa: E402

TARGET_P95_MS = 50.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def questions() -> list[dict]:
    path = ROOT / "bench" / "real_questions.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pinyin_queries() -> list[str]:
    catalog = get_catalog()
    out = []
    for item in catalog.items.values():
        for surface in (item.name, item.colloquial_name, *item.phrasings):
            out.append("".join(lazy_pinyin(surface, style=Style.FIRST_LETTER)))
            out.append(" ".join(lazy_pinyin(surface)))
    return [q[:100] for q in dict.fromkeys(out)]


def timed(queries: list[str]) -> list[float]:
    catalog = get_catalog()
    out = []
    for q in queries:
        t0 = time.perf_counter()
        service.lookup(catalog, q, 10, threshold=THRESHOLD)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def train_quality(rows: list[dict]) -> dict:
    catalog = get_catalog()
    n = top1 = top3 = 0
    for row in rows:
        if row["split"] != "train" or not row["items"]:
            continue
        keys = [r["key"] for r in service.lookup(catalog, row["text"][:100], 10, threshold=THRESHOLD)]
        n += 1
        top1 += bool(keys) and keys[0] in row["items"]
        top3 += any(k in row["items"] for k in keys[:3])
    return {"n": n, "top1": top1 / n if n else None, "top3": top3 / n if n else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    rows = questions()
    sets = {"questions": [r["text"][:100] for r in rows], "pinyin": pinyin_queries()}
    timed(sets["pinyin"][:20])  # build the index (once per catalog) outside the timing
    out: dict = {"rounds": args.rounds, "target_p95_ms": TARGET_P95_MS}
    for name, queries in sets.items():
        rounds = [timed(queries) for _ in range(args.rounds)]
        out[name] = {
            "n": len(queries),
            "median_p50_ms": statistics.median(statistics.median(r) for r in rounds),
            "median_p95_ms": statistics.median(percentile(r, 0.95) for r in rounds),
            "max_ms": max(max(r) for r in rounds),
        }
        print(
            f"hotline lookup, catalog part, {name} ({len(queries)} queries, {args.rounds} rounds): "
            f"p50 {out[name]['median_p50_ms']:.2f} ms, p95 {out[name]['median_p95_ms']:.2f} ms, "
            f"max {out[name]['max_ms']:.1f} ms"
        )
    out["p95_ms"] = max(out["questions"]["median_p95_ms"], out["pinyin"]["median_p95_ms"])
    out["met"] = out["p95_ms"] <= TARGET_P95_MS
    out["train"] = train_quality(rows)
    verdict = "met" if out["met"] else "NOT met"
    print(
        f"p95 {out['p95_ms']:.2f} ms (target ≤ {TARGET_P95_MS:.0f} ms: {verdict}); "
        f"train part, {out['train']['n']} questions naming an item: top-1 {out['train']['top1']:.1%}, "
        f"top-3 {out['train']['top3']:.1%} (catalog alone, without the assistant's NLU)"
    )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
