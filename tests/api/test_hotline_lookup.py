"""The hotline lookup (GET /api/v1/lookup, api.catalog.service.lookup): what a 12345 operator types
while the caller talks — pinyin initials, full pinyin, homophone and letter typos, colloquial
questions — ranks the right item first. Quality is measured on the TRAIN part of
bench/real_questions.jsonl only (the test part is never read here; bench/real_questions.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.catalog import service

ROOT = Path(__file__).resolve().parents[2]


def top(catalog, q: str) -> str | None:
    results = service.lookup(catalog, q, 5)
    return results[0]["key"] if results else None


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("hkzx", "hukou_cancel"),  # initials of 户口注销
        ("zxhk", "hukou_cancel"),  # initials of 注销户口
        ("zx hk", "hukou_cancel"),  # initials with a space
        ("hukou zhuxiao", "hukou_cancel"),  # full pinyin with a space
        ("hu kou zhu xiao", "hukou_cancel"),
        ("HUKOUZHUXIAO", "hukou_cancel"),
        ("ｈｋｚｘ", "hukou_cancel"),  # full-width letters
        ("hùkǒu zhùxiāo", "hukou_cancel"),  # with tone marks
        ("hukou zhuxaio", "hukou_cancel"),  # two letters swapped
        ("户口住销", "hukou_cancel"),  # a homophone from a pinyin input method
        ("户口注消", "hukou_cancel"),
        ("銷戶口", "hukou_cancel"),  # traditional characters
        ("sfz", None),  # initials that name nothing in the catalog
        ("jszzx", "driving_license_cancel"),  # 驾驶证注销
        ("gjj", "housing_fund_withdraw"),  # 公积金
        ("fuxujin", "survivor_benefits"),  # 抚恤金
        ("ylj", "social_insurance_suspend"),  # 养老金 (停发 first: a retired person's pension stops)
        ("hhzm", "cremation_cert"),  # 火化证明
    ],
)
def test_fast_typing(catalog, query, key):
    assert top(catalog, query) == key


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("人死亡后银行卡怎么办", "small_deposit_withdraw"),
        ("老人过世后医保卡上剩余的钱怎么办", "medical_account_withdraw"),
        ("人去世了银行卡还能用吗", "small_deposit_withdraw"),
        ("我妈走了，她的公积金能取出来吗", "housing_fund_withdraw"),
        ("老爷子在家里过世了，死亡证明找哪个开", "death_cert_normal"),
    ],
)
def test_colloquial_questions(catalog, question, key):
    assert top(catalog, question) == key


def test_every_name_and_phrasing_of_the_catalog_finds_its_item(catalog):
    """Derived from knowledge/: each surface, typed as is and as full pinyin."""
    from pypinyin import lazy_pinyin

    misses = []
    for item in catalog.items.values():
        for surface in (item.name, item.colloquial_name, *item.phrasings):
            keys = [r["key"] for r in service.lookup(catalog, surface, 5)]
            if item.key not in keys[:3]:
                misses.append((surface, keys[:3]))
            if len(surface) >= 3:
                pinyin = " ".join(lazy_pinyin(surface))
                keys = [r["key"] for r in service.lookup(catalog, pinyin, 5)]
                if item.key not in keys[:3]:
                    misses.append((pinyin, keys[:3]))
    assert not misses, misses


def _train_rows() -> list[dict]:
    rows = [
        json.loads(line)
        for line in (ROOT / "bench" / "real_questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [r for r in rows if r["split"] == "train"]


def test_real_questions_train_part(catalog):
    """Catalog lookup alone (no NLU) on the train part: the right item first for about seven in ten
    questions, among the first three for about four in five; no item offered for about half of the
    questions outside the service. Measured 73.3 % (63/86) / 81.4 % / 53.6 % (52/97) on the 339-line
    file; the lookup before the hotline work: 68.6 % / 76.7 % / 37.1 %. On the 541-line file (sixth
    round, the same lookup): 67.8 % (97/143) / 74.1 % (106/143) / 57.2 % (83/145) — the rounds since
    added questions the catalog's words do not reach (the NLU's cue rules do). On the 590-line file
    (seventh round): 68.5 % (100/146) / 74.7 % (109/146) / 56.5 % (91/161), floors unchanged. The floors
    below keep a margin of about five points, since lines are appended to the file."""
    with_items = top1 = top3 = without = quiet = 0
    for row in _train_rows():
        results = service.lookup(catalog, row["text"][:100], 5)
        keys = [r["key"] for r in results if r["type"] == "item"]
        if row["items"]:
            with_items += 1
            top1 += bool(results) and results[0]["type"] == "item" and results[0]["key"] in row["items"]
            top3 += any(k in row["items"] for k in keys[:3])
        else:
            without += 1
            quiet += not keys
    assert with_items >= 60 and without >= 60
    assert top1 / with_items >= 0.63, (top1, with_items)
    assert top3 / with_items >= 0.69, (top3, with_items)
    assert quiet / without >= 0.48, (quiet, without)


def test_http_lookup_returns_ranked_items(client):
    r = client.get("/api/v1/lookup", params={"q": "hkzx"})
    assert r.status_code == 200
    body = r.json()
    assert body["results"][0]["key"] == "hukou_cancel"
    assert body["results"][0]["colloquial_name"] == "注销户口"
