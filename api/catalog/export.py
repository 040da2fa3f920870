"""Derive the assistant's vocabulary from the catalog (one source of truth).

    python -m api.catalog.export assistant/generated

writes catalog.json (names, phrasings, questions), jieba/userdict.txt (so domain words segment as
one token) and nlu/catalog_nlu.yml (synonyms phrasing → key, lookup tables `item`, `topic` and one per
situation field with its answer words).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from api.catalog.loader import Catalog, load_catalog
from api.catalog.places import regions_json, situation_field

HEADER = "# Generated from knowledge/ by `python -m api.catalog.export`. Do not edit.\n"


def _surfaces(catalog: Catalog) -> dict[str, dict[str, list[str]]]:
    """entity → key → phrasings; a phrasing claimed by two keys is ambiguous and left out.

    Entities: `item` and `topic`. The answers to the situation questions are not NLU entities: the
    assistant reads them from catalog.json (actions/answer_reader.py), in the context of the
    question asked, which a lookup table cannot know ("火化" answers a question, "火化证明" names
    an item)."""
    claims: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for item in catalog.items.values():
        for text in (item.name, item.colloquial_name, *item.phrasings):
            claims[text].add(("item", item.key))
    for ref in catalog.referrals.values():
        for text in (ref.name, *ref.phrasings):
            claims[text].add(("topic", ref.key))
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for text, owners in claims.items():
        if len(owners) == 1:
            entity, key = next(iter(owners))
            out[entity][key].append(text)
        else:
            print(
                f"note: '{text}' names {sorted(k for _, k in owners)}; left out of synonyms", file=sys.stderr
            )
    return out


def catalog_json(catalog: Catalog) -> dict:
    return {
        "items": [
            {
                "key": i.key,
                "name": i.name,
                "colloquial_name": i.colloquial_name,
                "phrasings": i.phrasings,
                "department": i.department,
                "department_name": catalog.departments[i.department].name,
                "time_limit_days": i.time_limit_days,
                "extended": i.extended,
                "payout": i.payout,
            }
            for i in catalog.items.values()
        ],
        "referrals": [
            {
                "key": r.key,
                "name": r.name,
                "phrasings": r.phrasings,
                "where": r.where,
                "not_covered": r.not_covered,
            }
            for r in catalog.referrals.values()
        ],
        "situation": [situation_field(catalog, key) for key in catalog.situation_fields],
        "situation_groups": [g.model_dump() for g in catalog.situation_groups],
        "departments": [
            {"key": d.key, "name": d.name, "short_name": d.short_name} for d in catalog.departments.values()
        ],
        # region code → the words naming it (遵义, 湄潭县): the assistant keeps the region a family names
        "regions": regions_json(catalog),
    }


def _block(kind: str, name: str, texts: list[str]) -> str:
    lines = "".join(f"    - {t}\n" for t in texts)
    return f"- {kind}: {name}\n  examples: |\n{lines}"


def nlu_yaml(catalog: Catalog) -> str:
    surfaces = _surfaces(catalog)
    blocks: list[str] = []
    for entity in surfaces:
        for key, texts in surfaces[entity].items():
            synonyms = [t for t in texts if t != key]
            if synonyms:
                blocks.append(_block("synonym", key, synonyms))
        blocks.append(_block("lookup", entity, [t for texts in surfaces[entity].values() for t in texts]))
    return HEADER + 'version: "3.1"\nnlu:\n' + "".join(blocks)


def jieba_dict(catalog: Catalog) -> str:
    words: dict[str, None] = {}
    for item in catalog.items.values():
        for text in (item.colloquial_name, *item.phrasings):
            words.setdefault(text)
    for ref in catalog.referrals.values():
        for text in (ref.name, *ref.phrasings):
            words.setdefault(text)
    for dept in catalog.departments.values():
        words.setdefault(dept.short_name)
    # jieba: "word frequency pos"; a high frequency keeps the phrase as one token
    return "".join(f"{w} 2000 n\n" for w in words if " " not in w and "（" not in w and "(" not in w)


def export(target: Path, catalog: Catalog | None = None) -> None:
    catalog = catalog or load_catalog()
    (target / "jieba").mkdir(parents=True, exist_ok=True)
    (target / "nlu").mkdir(parents=True, exist_ok=True)
    (target / "catalog.json").write_text(
        json.dumps(catalog_json(catalog), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    (target / "jieba" / "userdict.txt").write_text(jieba_dict(catalog), encoding="utf-8")
    (target / "nlu" / "catalog_nlu.yml").write_text(nlu_yaml(catalog), encoding="utf-8")


if __name__ == "__main__":
    export(Path(sys.argv[1] if len(sys.argv) > 1 else "assistant/generated"))
    print(f"wrote {sys.argv[1] if len(sys.argv) > 1 else 'assistant/generated'}")
