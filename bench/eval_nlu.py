"""Item recognition on the dev set: top-1, exact set, out-of-scope rejection, per-item P/R/F1.

Run with the bot interpreter from the repository root, after training:

    RASA_TELEMETRY_ENABLED=false .venv/bot/bin/python bench/eval_nlu.py [DEV_JSONL] [--model PATH] [--verbose]

DEV_JSONL defaults to ../shared/eval/dev_questions.jsonl (one {"text", "items": [keys]} per line);
the model defaults to the newest archive in models/. The model is loaded in-process
(``Agent.load`` + ``processor.parse_message``), the same code path as ``POST /model/parse``.

Definitions (questions "with items" have a non-empty ``items``):
- top-1: the first ``item`` entity (by position) is one of the expected items, over questions with items;
- exact set: the set of ``item`` values equals the expected set, over questions with items;
- OOS rejection: no ``item`` entity at all, over questions whose ``items`` is empty.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

from local_model import ROOT, latest_model, load_parser, quiet_logs

DEFAULT_DEV = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def item_values(result: dict) -> list[str]:
    entities = sorted(result.get("entities") or [], key=lambda e: e.get("start", 0))
    out: list[str] = []
    for e in entities:
        if e.get("entity") == "item" and e.get("value") not in out:
            out.append(e["value"])
    return out


def evaluate(rows: list[dict], predictions: list[list[str]]) -> dict:
    with_items = [(r, p) for r, p in zip(rows, predictions, strict=True) if r["items"]]
    without = [(r, p) for r, p in zip(rows, predictions, strict=True) if not r["items"]]
    top1 = sum(1 for r, p in with_items if p and p[0] in r["items"])
    exact = sum(1 for r, p in with_items if set(p) == set(r["items"]))
    rejected = sum(1 for _, p in without if not p)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for r, p in zip(rows, predictions, strict=True):
        gold, pred = set(r["items"]), set(p)
        for k in gold & pred:
            tp[k] += 1
        for k in pred - gold:
            fp[k] += 1
        for k in gold - pred:
            fn[k] += 1
    per_item = {}
    for k in sorted(set(tp) | set(fp) | set(fn)):
        prec = tp[k] / (tp[k] + fp[k]) if tp[k] + fp[k] else 0.0
        rec = tp[k] / (tp[k] + fn[k]) if tp[k] + fn[k] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_item[k] = {"support": tp[k] + fn[k], "precision": prec, "recall": rec, "f1": f1}
    return {
        "n": len(rows),
        "with_items": len(with_items),
        "without_items": len(without),
        "top1": top1 / len(with_items) if with_items else 0.0,
        "top1_count": top1,
        "exact": exact / len(with_items) if with_items else 0.0,
        "exact_count": exact,
        "oos_rejection": rejected / len(without) if without else 0.0,
        "oos_count": rejected,
        "per_item": per_item,
    }


def raw_ranking(result: dict) -> list[tuple[str, float]]:
    """DIET's intent ranking without the FallbackClassifier's nlu_fallback entry."""
    ranking = [(r["name"], float(r["confidence"])) for r in result.get("intent_ranking") or []]
    return [r for r in ranking if r[0] != "nlu_fallback"]


def print_confidences(rows: list[dict], results: list[dict]) -> None:
    labelled = [(r, raw_ranking(res)) for r, res in zip(rows, results, strict=True) if r.get("intent")]
    if not labelled:
        print("\nno `intent` field in these rows: nothing to tune on")
        return
    correct = sum(1 for r, rk in labelled if rk and rk[0][0] == r["intent"])
    rate = correct / len(labelled)
    print(f"\nintent accuracy (DIET, before fallback) {correct}/{len(labelled)} = {rate:.1%}")
    inside = [rk for r, rk in labelled if r["intent"] != "out_of_scope" and rk]
    outside = [rk for r, rk in labelled if r["intent"] == "out_of_scope" and rk]

    def top(rk):
        return rk[0][1]

    def gap(rk):
        return rk[0][1] - (rk[1][1] if len(rk) > 1 else 0.0)

    print("in-scope top confidences: " + " ".join(f"{top(rk):.2f}" for rk in sorted(inside, key=top)))
    print("in-scope top-2 gaps:      " + " ".join(f"{gap(rk):.2f}" for rk in sorted(inside, key=gap)))
    print("out-of-scope (top intent, confidence): " + ", ".join(f"{r[0][0]} {top(r):.2f}" for r in outside))
    print(f"{'threshold':>9} {'ambiguity':>9} {'in-scope falling back':>22} {'out-of-scope rejected':>22}")
    for threshold in (0.3, 0.4, 0.45, 0.5, 0.6, 0.7):
        for ambiguity in (0.0, 0.05, 0.1):
            falls = sum(1 for rk in inside if top(rk) < threshold or gap(rk) < ambiguity)
            caught = sum(
                1 for r in outside if r[0][0] == "out_of_scope" or top(r) < threshold or gap(r) < ambiguity
            )
            n_in, n_out = len(inside), len(outside)
            print(f"{threshold:9.2f} {ambiguity:9.2f} {falls:>14}/{n_in:<7} {caught:>14}/{n_out:<7}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dev", nargs="?", default=str(DEFAULT_DEV), help="dev questions (JSON lines)")
    parser.add_argument("--model", help="model archive (default: newest in models/)")
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON as well")
    parser.add_argument(
        "--confidences",
        action="store_true",
        help="intent accuracy and the raw DIET confidences (rows with an `intent` field), for tuning the "
        "FallbackClassifier thresholds",
    )
    args = parser.parse_args()

    dev = Path(args.dev).resolve()
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    model = Path(args.model).resolve() if args.model else latest_model(ROOT / "models")
    quiet_logs()
    parse = load_parser(model)

    async def run() -> tuple[list[dict], float]:
        t0 = time.perf_counter()
        results = [await parse(r["text"]) for r in rows]
        return results, time.perf_counter() - t0

    results, elapsed = asyncio.run(run())
    predictions = [item_values(res) for res in results]
    figures = evaluate(rows, predictions)

    print(f"model: {model.name}   dev set: {dev} ({figures['n']} questions, {elapsed:.1f} s)")
    f = figures
    rows_out = [
        ("item top-1", f["top1"], f["top1_count"], f["with_items"], "≥ 90%"),
        ("exact set", f["exact"], f["exact_count"], f["with_items"], "≥ 80%"),
        ("OOS rejection", f["oos_rejection"], f["oos_count"], f["without_items"], "≥ 85%"),
    ]
    for label, rate, count, total, target in rows_out:
        print(f"{label:15} {rate:6.1%}  ({count}/{total})  target {target}")
    print()
    print(f"{'item':28} {'support':>7} {'prec':>6} {'recall':>6} {'F1':>6}")
    for key, m in figures["per_item"].items():
        print(f"{key:28} {m['support']:7d} {m['precision']:6.2f} {m['recall']:6.2f} {m['f1']:6.2f}")
    if args.verbose:
        print("\nmisses (expected → predicted, intent):")
        for r, p, res in zip(rows, predictions, results, strict=True):
            if set(p) != set(r["items"]) or (r["items"] and (not p or p[0] not in r["items"])):
                intent = res.get("intent") or {}
                print(
                    f"- {r['text'][:80]}\n    {r['items']} → {p}   "
                    f"{intent.get('name')} {intent.get('confidence', 0):.2f}"
                )
    if args.confidences:
        print_confidences(rows, results)
    if args.json:
        print(json.dumps({k: v for k, v in figures.items() if k != "per_item"}, ensure_ascii=False))
    print(
        f"\nreproduce: RASA_TELEMETRY_ENABLED=false {sys.executable} bench/eval_nlu.py {dev} --model {model}"
    )


if __name__ == "__main__":
    main()
