"""What the operator types → ranked items: the catalog lookup (api.catalog.service.lookup: names,
phrasings, pinyin initials and full pinyin, typos) merged with the assistant's NLU (Rasa
``/model/parse``), when it answers in time. Typed pinyin is never sent to Rasa (it reads Chinese)."""

from __future__ import annotations

from api.catalog import service
from api.catalog.loader import Catalog
from api.hotline import nlu

THRESHOLD = 50.0  # lower than GET /lookup's: an operator scans a few more candidates ("可能")
WEAK_BELOW = 60.0
NLU_SCORE = 90.0  # an item the assistant recognised; +5 when the catalog found it too
BOTH_BONUS = 5.0


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _row(catalog: Catalog, kind: str, key: str) -> dict | None:
    obj = catalog.items.get(key) if kind == "item" else catalog.referrals.get(key)
    if obj is None:  # a model trained on an older catalog
        return None
    return {
        "type": kind,
        "key": key,
        "name": obj.name,
        "colloquial_name": getattr(obj, "colloquial_name", obj.name),
        "matched": None,
        "score": 0.0,
        "department_name": catalog.departments[obj.department].name if kind == "item" else None,
        "where": obj.where,
    }


async def search(catalog: Catalog, query: str, limit: int = 8, use_nlu: bool = True) -> dict:
    q = query.strip()
    rows = service.lookup(catalog, q, max(limit, 10), threshold=THRESHOLD)
    for r in rows:
        r["sources"] = ["catalog"]
    parsed = nlu.Parse(False, reason="not asked")
    asked = use_nlu and _has_han(q) and len(q) >= 2
    if asked:
        parsed = await nlu.parse(q)
    if parsed.available:
        found = {(r["type"], r["key"]): r for r in rows}
        for kind, keys in (("item", parsed.items), ("referral", parsed.topics)):
            for key in keys:
                row = found.get((kind, key))
                if row is None:
                    row = _row(catalog, kind, key)
                    if row is None:
                        continue
                    row["sources"] = []
                    rows.append(row)
                    found[(kind, key)] = row
                row["score"] = round(max(row["score"], NLU_SCORE) + (BOTH_BONUS if row["sources"] else 0), 1)
                row["sources"].append("assistant")
    rows.sort(key=lambda r: (-r["score"], r["type"] != "item"))
    for r in rows:
        r["weak"] = r["score"] < WEAK_BELOW
    return {
        "query": q,
        "results": rows[:limit],
        "assistant": {
            "asked": asked,
            "available": parsed.available,
            "intent": parsed.intent,
        },
    }
