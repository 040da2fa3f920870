"""Place words: the names of knowledge/regions.yaml as people say them.

"户口在湄潭" or "贵阳花溪的": a family names a 市州 or a county by its short form, not by its official
name. The short form drops the level (市/县/区/特区/省) and, for an autonomous 州 or county, the peoples
and 自治州/自治县 (黔东南苗族侗族自治州 → 黔东南, 三都水族自治县 → 三都). A short form that is an
everyday word or another province's place too is counted only in full (situation.yaml
``yes_places.in_full``: 大方县, not 大方). Pure: used by the catalog export (assistant/generated).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from api.catalog.loader import Catalog

# the 55 minority peoples (the names in autonomous divisions' names), longest first in the pattern so
# that 土家族 is not read as 土族
_PEOPLES = [
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
_PEOPLE = "(?:" + "|".join(sorted(_PEOPLES, key=len, reverse=True)) + ")族"
_AUTONOMOUS = re.compile(f"{_PEOPLE}(?:{_PEOPLE})*自治[州县旗]$")
_LEVEL = re.compile(r"(特区|新区|市|县|区|省|州)$")


def short_name(name: str) -> str:
    """遵义市 → 遵义, 湄潭县 → 湄潭, 黔东南苗族侗族自治州 → 黔东南, 六枝特区 → 六枝; at least 2 characters."""
    stem = _AUTONOMOUS.sub("", name)
    if stem != name and len(stem) >= 2:
        return stem
    stem = _LEVEL.sub("", name)
    return stem if len(stem) >= 2 else name


def region_words(catalog: Catalog, in_full: Iterable[str] = ()) -> dict[str, list[str]]:
    """region code → the words that name it (short form first, then the official name)."""
    full_only = set(in_full)
    out: dict[str, list[str]] = {}
    for code, region in catalog.regions.items():
        short = short_name(region.name)
        words = [region.name] if region.name in full_only or short == region.name else [short, region.name]
        out[code] = words
    return out


def under(catalog: Catalog, code: str) -> list[str]:
    """The codes of `code` and every region below it, in regions.yaml's order."""
    return [c for c in catalog.regions if any(r.code == code for r in catalog.region_chain(c))]


def place_words(catalog: Catalog, code: str, in_full: Iterable[str] = ()) -> list[str]:
    """The words naming `code` or a place in it: what a substring search needs (the short form covers
    the official name: 湄潭 is in 湄潭县), each once."""
    words = region_words(catalog, in_full)
    out: dict[str, None] = {}
    for c in under(catalog, code):
        out.setdefault(words[c][0])
    return list(out)


def situation_field(catalog: Catalog, key: str) -> dict:
    """A situation field as the assistant reads it: yes_words with the place words of `yes_places`."""
    f = catalog.situation_fields[key]
    out = f.model_dump()
    if f.yes_places is not None:
        derived = place_words(catalog, f.yes_places.under, f.yes_places.in_full)
        out["yes_words"] = list(dict.fromkeys([*f.yes_words, *derived]))
    return out


def regions_json(catalog: Catalog) -> list[dict]:
    """Every region with the words that name it, for the assistant to keep the region a family names
    (the in_full names of every field's yes_places apply)."""
    in_full = {n for f in catalog.situation_fields.values() if f.yes_places for n in f.yes_places.in_full}
    words = region_words(catalog, in_full)
    return [
        {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent, "words": words[r.code]}
        for r in catalog.regions.values()
    ]
