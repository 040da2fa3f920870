"""Service guides, the hotline lookup and the survivor-benefit estimate, all read from the catalog."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

from api.catalog import schema as s
from api.catalog.loader import Catalog
from api.catalog.regional import RegionalRules

# ------------------------------------------------------------------ guides


def materials_of(catalog: Catalog, item: s.Item) -> list[s.Material]:
    """Every material this item may need (some only in certain situations)."""
    out = []
    for m in catalog.materials.values():
        rb = m.required_by
        if rb.scope == "case" or (
            item.key not in rb.except_items
            and (
                rb.items == "all"
                or item.key in rb.items
                or (rb.payout_or_query_items and item.payout_or_query)
                or (rb.payout_items and item.payout)
            )
        ):
            out.append(m)
    return out


def _condition_text(catalog: Catalog, cond: s.Condition | None) -> str | None:
    if not cond:
        return None
    parts = []
    for key, values in cond.items():
        f = catalog.situation_fields[key]
        labels = {v.value: v.label for v in f.values} | {True: "是", False: "否"}
        parts.append(f"{f.label}为{'或'.join(str(labels.get(v, v)) for v in values)}")
    return "，".join(parts)


def guide(
    catalog: Catalog,
    item: s.Item,
    region: str | None = None,
    on: dt.date | None = None,
    rules: RegionalRules | None = None,
) -> dict:
    """The item's service guide; `rules` (regional configuration in force) give the region's time limit."""
    dept = catalog.departments[item.department]
    return {
        "key": item.key,
        "code": item.code,
        "code_provisional": item.code_provisional,
        "name": item.name,
        "colloquial_name": item.colloquial_name,
        "phrasings": item.phrasings,
        "department": item.department,
        "department_name": dept.name,
        "co_departments": [catalog.departments[d].name for d in item.co_departments],
        "extended": item.extended,
        "time_limit_days": rules.time_limit(catalog, item.key)
        if rules
        else catalog.time_limit(item.key, region, on),
        "default_time_limit_days": item.time_limit_days,
        "time_limit_note": item.time_limit_note,
        "prerequisites": sorted({k for p in item.prerequisites for k in p.any_of}),
        "prerequisite_rules": [
            {"any_of": p.any_of, "when": _condition_text(catalog, p.when), "reason": p.reason}
            for p in item.prerequisites
        ],
        "materials": [m.key for m in materials_of(catalog, item)],
        "materials_detail": [
            {
                "key": m.key,
                "name": m.name,
                "form": m.form,
                "medium": "paper" if item.key in m.paper_for_items else m.medium,
                "when": _condition_text(catalog, m.required_by.when),
                "exemptions": [e.reason for e in m.exemptions],
                "promise": m.promise.note if m.promise and m.promise.allowed else None,
            }
            for m in materials_of(catalog, item)
        ],
        "basis": [b.model_dump() for b in item.basis],
        "conditions": item.conditions,
        "eligibility": [
            {"when": _condition_text(catalog, r.when), "otherwise": r.reason, "instead": r.instead}
            for r in item.requirements
        ],
        "steps": [st.model_dump() for st in item.steps],
        "result": item.result,
        "fee": item.fee,
        "where": item.where,
        "faq": item.faq,
    }


def summary(
    catalog: Catalog, item: s.Item, region: str | None = None, rules: RegionalRules | None = None
) -> dict:
    return {
        "key": item.key,
        "name": item.name,
        "colloquial_name": item.colloquial_name,
        "department": item.department,
        "department_name": catalog.departments[item.department].name,
        "time_limit_days": rules.time_limit(catalog, item.key)
        if rules
        else catalog.time_limit(item.key, region),
        "prerequisites": sorted({k for p in item.prerequisites for k in p.any_of}),
        "materials": [m.key for m in materials_of(catalog, item)],
        "extended": item.extended,
    }


# ------------------------------------------------------------------ hotline lookup
#
# Every surface is the catalog's own (an item's official and colloquial names and phrasings, a
# referral's name and phrasings), never a copied list. Four signals, the best one counts per item:
# - typed Latin letters: pinyin initials ("hkzx", "zx hk") or full pinyin ("hukou zhuxiao"), exact,
#   as a prefix, or fuzzy (rapidfuzz) for a mistyped letter;
# - Chinese text containing a surface, or contained in one (the longer the shared text, the surer);
# - the same by sound: a surface whose pinyin is in the query's pinyin (户口住销 → 户口注销, a
#   homophone typed by a pinyin input method), and fuzzy pinyin for a short query;
# - a colloquial question: the character pairs it shares with an item's surfaces, weighted by how
#   few items use each pair (IDF over the catalog), so 银行卡 points at the deposits and 去世 at none.

_t2s = opencc.OpenCC("t2s")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_NOT_WORD = re.compile(r"[^0-9a-zA-Z\u4e00-\u9fff]+")  # spaces, apostrophes, brackets, 、 ...
PAIR_WEIGHT = 10.0  # points per unit of shared-pair IDF (measured on the train part of real questions)
PAIR_CAP = 92.0  # a question's shared pairs never outrank an exact name


@dataclass(frozen=True)
class _Entry:
    kind: str  # item | referral
    key: str
    surface: str
    initials: str
    pinyin: str


@dataclass(frozen=True)
class _Index:
    entries: list[_Entry]
    pairs: dict[tuple[str, str], frozenset[str]]  # (kind, key) → character pairs of its surfaces
    idf: dict[str, float]


def _pairs(text: str) -> set[str]:
    out: set[str] = set()
    for run in _HAN.findall(text):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _surfaces(catalog: Catalog) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for item in catalog.items.values():
        out[("item", item.key)] = list(dict.fromkeys([item.name, item.colloquial_name, *item.phrasings]))
    for ref in catalog.referrals.values():
        out[("referral", ref.key)] = list(dict.fromkeys([ref.name, *ref.phrasings]))
    return out


def _entries(catalog: Catalog) -> list[_Entry]:
    return [
        _Entry(
            kind,
            key,
            surface,
            _NOT_WORD.sub("", "".join(lazy_pinyin(surface, style=Style.FIRST_LETTER))).lower(),
            _NOT_WORD.sub("", "".join(lazy_pinyin(surface))).lower(),
        )
        for (kind, key), surfaces in _surfaces(catalog).items()
        for surface in surfaces
    ]


@lru_cache(maxsize=4)
def _index(catalog: Catalog) -> _Index:
    pairs = {
        k: frozenset().union(*(_pairs(_t2s.convert(s)) for s in surfaces))
        for k, surfaces in _surfaces(catalog).items()
    }
    df: dict[str, int] = {}
    for ps in pairs.values():
        for p in ps:
            df[p] = df.get(p, 0) + 1
    n = len(pairs)
    return _Index(_entries(catalog), pairs, {p: math.log(n / d) for p, d in df.items()})


def _latin(text: str) -> str:
    """Typed letters as plain ASCII: full-width ｈｋｚｘ and tone marks (hùkǒu) fold to hkzx, hukou;
    spaces and punctuation go. Chinese characters stay (then the text is not Latin)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _NOT_WORD.sub("", "".join(c for c in decomposed if not unicodedata.combining(c))).lower()


def _score_latin(q: str, entry: _Entry) -> float:
    if q == entry.initials or q == entry.pinyin:
        return 100.0
    if entry.initials.startswith(q) or entry.pinyin.startswith(q):
        return 90.0 * min(1.0, len(q) / max(len(entry.initials), 1) + 0.5)
    return max(fuzz.ratio(q, entry.initials), fuzz.partial_ratio(q, entry.pinyin)) * 0.8


def _score_han(query: str, query_pinyin: str, entry: _Entry) -> float:
    if entry.surface in query or query in entry.surface:
        # the longer the shared text, the surer the match
        return 80.0 + 20.0 * min(len(entry.surface), len(query)) / max(len(entry.surface), len(query))
    score = fuzz.partial_ratio(query, entry.surface) * 0.85
    # the same sounds: a homophone typed by a pinyin input method (户口住销)
    if len(entry.surface) >= 3 and entry.pinyin in query_pinyin:
        score = max(score, 72.0 + 18.0 * len(entry.pinyin) / len(query_pinyin))
    elif len(query) >= 3 and query_pinyin in entry.pinyin:
        score = max(score, 72.0 + 18.0 * len(query_pinyin) / len(entry.pinyin))
    elif 3 <= len(query) <= 8:
        score = max(score, fuzz.partial_ratio(query_pinyin, entry.pinyin) * 0.8)
    return score


def _pair_scores(index: _Index, query: str) -> dict[tuple[str, str], float]:
    q = _pairs(query)
    out = {}
    for k, ps in index.pairs.items():
        shared = sum(index.idf[p] for p in q & ps)
        if shared:
            x = PAIR_WEIGHT * shared  # linear up to 80, then slowly towards PAIR_CAP (ties stay apart)
            out[k] = x if x <= 80.0 else 80.0 + (PAIR_CAP - 80.0) * (1.0 - math.exp(-(x - 80.0) / 40.0))
    return out


def lookup(catalog: Catalog, query: str, limit: int = 5, threshold: float = 60.0) -> list[dict]:
    """Ranked items and referral topics for what a caller said or a staff member typed."""
    q = _t2s.convert(query.strip())
    index = _index(catalog)
    best: dict[tuple[str, str], tuple[float, str]] = {}

    def offer(k: tuple[str, str], score: float, surface: str) -> None:
        if score >= threshold and score > best.get(k, (0.0, ""))[0]:
            best[k] = (score, surface)

    latin = _latin(q)
    if latin.isascii():
        if latin:
            for entry in index.entries:
                offer((entry.kind, entry.key), _score_latin(latin, entry), entry.surface)
    else:
        q_pinyin = "".join(lazy_pinyin(q)).lower()
        for entry in index.entries:
            offer((entry.kind, entry.key), _score_han(q, q_pinyin, entry), entry.surface)
        for k, score in _pair_scores(index, q).items():
            offer(k, score, "")
    # ties: items before referral topics, then the catalog's order
    order = {k: n for n, k in enumerate(index.pairs)}
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0][0] != "item", order[kv[0]]))[:limit]
    out = []
    for (kind, key), (score, surface) in ranked:
        obj = catalog.items[key] if kind == "item" else catalog.referrals[key]
        out.append(
            {
                "type": kind,
                "key": key,
                "name": obj.name,
                "colloquial_name": getattr(obj, "colloquial_name", obj.name),
                "matched": surface or None,
                "score": round(score, 1),
                "department_name": catalog.departments[obj.department].name if kind == "item" else None,
                "where": obj.where,
            }
        )
    return out


# ------------------------------------------------------------------ survivor benefits


def survivor_estimate(
    catalog: Catalog,
    contribution_years: int,
    retired: bool,
    years_drawn: int = 0,
    region: str | None = None,
    on: dt.date | None = None,
    rules: RegionalRules | None = None,
) -> dict:
    """丧葬补助金 and 抚恤金 in months of the base B (人社部发〔2021〕18号), and money once B is set."""
    rule = catalog.survivor_rule
    months = 0
    for band in rule.pension_bands:
        if contribution_years >= band.from_years and (
            band.to_years is None or contribution_years < band.to_years
        ):
            months = band.months
            if band.to_years is None:
                months += contribution_years - rule.extra_month_per_year_over
    months = min(months, rule.max_months)
    if retired:
        reduced = months - rule.retiree_deduction_per_year * years_drawn
        months = max(reduced, min(months, rule.retiree_floor_months))
    key = "survivor_benefit_base_monthly"
    base = rules.figure(catalog, key) if rules else catalog.figure(key, region, on)
    total_months = rule.funeral_grant_months + months
    caveats = [
        "丧葬补助金只发一份，即使逝者同时参加了几种养老保险。",
        "养老金从去世后的下个月起停发；去世后多发的养老金会从待遇中扣回，或需要退还。",
        "实际金额以人社部门核定为准。",
    ]
    staff_note = None
    if base.value is None:
        # for families: what the amount depends on, in plain words; for staff: the configuration gap
        caveats.insert(
            0, "具体金额要看省里每年公布的计发基数，公布后才能算出来；现在先按几个月的基数告诉您。"
        )
        staff_note = (
            "贵州省本年度的计发基数尚未在系统中配置（knowledge/figures.yaml 或 regions.yaml），只按月数回答。"
        )
    return {
        "funeral_grant_months": rule.funeral_grant_months,
        "pension_months": months,
        "total_months": total_months,
        "base_name": catalog.figures["survivor_benefit_base_monthly"].name,
        "base_configured": base.value is not None,
        "base_monthly": base.value,
        "amount": round(base.value * total_months, 2) if base.value is not None else None,
        "basis": rule.basis.model_dump(),
        "caveats": caveats,
        "staff_note": staff_note,
    }
