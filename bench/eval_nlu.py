"""Item recognition on a question set: top-1, exact set, out-of-scope rejection, per-item P/R/F1,
for the trained model and, beside it, a plain keyword lookup over the catalog's phrasings.

Run with the bot interpreter from the repository root, after training:

    RASA_TELEMETRY_ENABLED=false .venv/bot/bin/python bench/eval_nlu.py [DEV_JSONL] [--model PATH] [--verbose]
    RASA_TELEMETRY_ENABLED=false .venv/bot/bin/python bench/eval_nlu.py \
        bench/real_questions.jsonl --split test

DEV_JSONL defaults to ../shared/eval/dev_questions.jsonl (one {"text", "items": [keys]} per line);
the model defaults to the newest archive in models/. The model is loaded in-process
(``Agent.load`` + ``processor.parse_message``), the same code path as ``POST /model/parse``.

``--split train|test`` keeps the rows of that part of a file whose rows carry a ``split`` field
(bench/real_questions.jsonl: the part is fixed by the SHA-1 of the text, see bench/real_questions.md;
the script refuses a file whose split fields disagree with that rule). ``--marker-only`` runs the
catalog item marker (assistant/components/item_marker.py) without a trained model: the quick loop for
cue rules and phrasings, on the train part only. ``--since-line N`` keeps only the rows from line N of
the file on (1-based, as ``sed -n 'N,$p'`` counts): the lines of the latest collection round, read by
the rules written before it (their validation estimate). ``--no-baseline`` skips the keyword lookup.

Definitions (questions "with items" have a non-empty ``items``):
- top-1: the first ``item`` entity (by position) is one of the expected items, over questions with items;
- exact set: the set of ``item`` values equals the expected set, over questions with items;
- OOS rejection: no ``item`` entity at all, over questions whose ``items`` is empty.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

from local_model import ROOT, latest_model, load_parser, quiet_logs

DEFAULT_DEV = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
CATALOG = ROOT / "assistant" / "generated" / "catalog.json"


def split_of(text: str) -> str:
    """The part a question belongs to, fixed once by its text: even SHA-1 → train, odd → test."""
    return "train" if int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"


def read_rows(path: Path, since_line: int = 1) -> list[dict]:
    """The JSON rows of a file, from its line ``since_line`` on (1-based; blank lines count as lines)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for number, line in enumerate(lines, 1) if number >= since_line and line.strip()]


def select(rows: list[dict], split: str | None) -> list[dict]:
    if split is None:
        return rows
    wrong = [r["text"] for r in rows if r.get("split") != split_of(r["text"])]
    if wrong:
        sys.exit(f"{len(wrong)} rows have a split field against the SHA-1 rule, e.g. {wrong[0]!r}")
    return [r for r in rows if r["split"] == split]


class KeywordLookup:
    """The baseline: every official name, colloquial name and phrasing of the catalog's items, found
    as a plain substring (traditional characters folded with OpenCC when it is installed); items in
    order of their first mention, the longest phrase winning where two overlap."""

    def __init__(self, catalog_path: Path = CATALOG) -> None:
        catalog = json.loads(catalog_path.read_text(encoding="utf-8"))
        self.phrases: list[tuple[str, str]] = []
        for item in catalog["items"]:
            for phrase in (item.get("name"), item.get("colloquial_name"), *item.get("phrasings", [])):
                if phrase:
                    self.phrases.append((phrase, item["key"]))
        self.phrases.sort(key=lambda p: -len(p[0]))
        try:
            from opencc import OpenCC

            self.t2s = OpenCC("t2s").convert
        except Exception:  # the baseline stays usable without OpenCC
            self.t2s = lambda text: text

    def items(self, text: str) -> list[str]:
        text = self.t2s(text)
        taken = [False] * len(text)
        found: list[tuple[int, str]] = []
        for phrase, key in self.phrases:
            pos = text.find(phrase)
            while pos >= 0:
                span = range(pos, pos + len(phrase))
                if not any(taken[i] for i in span):
                    for i in span:
                        taken[i] = True
                    found.append((pos, key))
                pos = text.find(phrase, pos + 1)
        out: list[str] = []
        for _, key in sorted(found):
            if key not in out:
                out.append(key)
        return out


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
    parser.add_argument("--split", choices=["train", "test"], help="only this part (rows with `split`)")
    parser.add_argument(
        "--marker-only", action="store_true", help="the catalog item marker alone, no trained model needed"
    )
    parser.add_argument(
        "--since-line",
        type=int,
        default=1,
        metavar="N",
        help="only the rows from line N of the file on (1-based): the newest collection round",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the keyword lookup baseline")
    parser.add_argument(
        "--confidences",
        action="store_true",
        help="intent accuracy and the raw DIET confidences (rows with an `intent` field), for tuning the "
        "FallbackClassifier thresholds",
    )
    args = parser.parse_args()

    dev = Path(args.dev).resolve()
    if args.since_line < 1:
        parser.error("--since-line counts from 1")
    rows = select(read_rows(dev, args.since_line), args.split)
    part = f" [{args.split} part]" if args.split else ""
    if args.since_line > 1:
        part += f" [lines {args.since_line}–]"
    if args.marker_only:
        sys.path.insert(0, str(ROOT))
        from assistant.components.item_marker import ItemMarker

        marker = ItemMarker.from_files(CATALOG)
        t0 = time.perf_counter()
        predictions = [marker.items(r["text"]) for r in rows]
        elapsed = time.perf_counter() - t0
        results = [{} for _ in rows]
        label = "catalog item marker alone (no model)"
    else:
        model = Path(args.model).resolve() if args.model else latest_model(ROOT / "models")
        quiet_logs()
        parse = load_parser(model)

        async def run() -> tuple[list[dict], float]:
            t0 = time.perf_counter()
            results = [await parse(r["text"]) for r in rows]
            return results, time.perf_counter() - t0

        results, elapsed = asyncio.run(run())
        predictions = [item_values(res) for res in results]
        label = f"model: {model.name}"
    figures = evaluate(rows, predictions)
    baseline = None
    if not args.no_baseline:
        lookup = KeywordLookup()
        baseline = evaluate(rows, [lookup.items(r["text"]) for r in rows])

    print(f"{label}   questions: {dev}{part} ({figures['n']} questions, {elapsed:.1f} s)")
    f = figures
    b = baseline
    head = f"{'':15} {'model':>18}" + (f"  {'keyword lookup':>18}" if b else "")
    print(head)
    rows_out = [
        ("item top-1", "top1", "top1_count", "with_items", "≥ 90%"),
        ("exact set", "exact", "exact_count", "with_items", "≥ 80%"),
        ("OOS rejection", "oos_rejection", "oos_count", "without_items", "≥ 90%"),
    ]
    for name, rate, count, total, target in rows_out:
        line = f"{name:15} {f[rate]:6.1%} ({f[count]:>3}/{f[total]:<3})"
        if b:
            line += f"     {b[rate]:6.1%} ({b[count]:>3}/{b[total]:<3})"
        print(f"{line}   target {target}")
    print()
    print(f"{'item':28} {'support':>7} {'prec':>6} {'recall':>6} {'F1':>6}" + ("   keyword F1" if b else ""))
    keys = sorted(set(figures["per_item"]) | set(b["per_item"] if b else ()))
    for key in keys:
        m = figures["per_item"].get(key)
        if m is None:  # neither expected nor predicted by the model: nothing to score
            line = f"{key:28} {0:7d} {'–':>6} {'–':>6} {'–':>6}"
        else:
            line = f"{key:28} {m['support']:7d} {m['precision']:6.2f} {m['recall']:6.2f} {m['f1']:6.2f}"
        if b:
            line += f"   {b['per_item'].get(key, {}).get('f1', 0.0):10.2f}"
        print(line)
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
        out = {k: v for k, v in figures.items() if k != "per_item"}
        if b:
            out["keyword_lookup"] = {k: v for k, v in b.items() if k != "per_item"}
        print(json.dumps(out, ensure_ascii=False))
    flags = (
        (f" --split {args.split}" if args.split else "")
        + (f" --since-line {args.since_line}" if args.since_line > 1 else "")
        + (" --marker-only" if args.marker_only else "")
    )
    model_arg = "" if args.marker_only else f" --model {model}"
    print(
        f"\nreproduce: RASA_TELEMETRY_ENABLED=false {sys.executable} bench/eval_nlu.py "
        f"{dev}{flags}{model_arg}"
    )


if __name__ == "__main__":
    main()
