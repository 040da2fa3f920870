"""Reads what a family types as answers to the situation questions, from the catalog's own words.

Families type, they don't tap: "没得", "在屋头", "户口在遵义", "企业退休的，有职工医保和公积金，没有驾照".
Every value's button title, its phrasings and its answer words come from knowledge/situation.yaml
(through the catalog export), so a word is added there, never here. This module is pure: it takes
a text and the fields just asked and returns the values it read; the form decides what to do.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from actions.catalog_data import generated_catalog

try:  # OpenCC is in the bot environment (the NLU normaliser uses it): 新農保 → 新农保
    import opencc

    _T2S = opencc.OpenCC("t2s")
except ImportError:  # pragma: no cover - the bot environment always has it
    _T2S = None

# A word right after one of these is denied: "不是病死的", "户口不在遵义", "没有驾照".
_NEGATION = re.compile(r"(不是|并不是|不在|没有|没得|莫得|没|无|不|非)$")
_CLAUSES = re.compile(r"[，,。.;；！!？?\n\r\t ]+")
_QUESTION = re.compile(
    r"[？?]|吗$|呢$|么$|怎么|咋|哪里|哪点|哪个|哪儿|(?<!没)什么|(?<!没)啥|多久|好久|(?<!没)多少|要不要|能不能|可不可以|"
    r"需不需要|是不是|会不会|如何|还是.{0,6}(开|办|领|去|交)"
)
_PARTICLES = re.compile(r"[啊呀哦嘛吧呢哈噢喔咯哟的了啦嘞]+$")
_YES = re.compile(
    r"(是|是的|是啊|对|对的|对头|嗯|嗯嗯|有|有的|有啊|要得|得行|可以|好|行|在|在的|肯定|当然|确实)"
)
_NO = re.compile(r"(没有|没得|莫得|无|不是|否|没|不|不在|没有过|从来没有|一个都没有|都没有|都没得|啥都没有)")
_DONT_KNOW = re.compile(
    r"不清楚|不晓得|晓不得|不知道|不确定|搞不清|说不清|说不准|不记得|记不得|不太清楚|不大清楚"
)
_ALL_NO = re.compile(
    r"(都|全都|一样都|啥都|什么都|全部都|别的都|其他都|其它都|其余都|均|全)(没有|没得|莫得|无|没)|一概没有|都不是"
)
_CONTROLS = (
    ("restart", re.compile(r"重新开始|重新来|从头开始|从头来|重来|重新填|重新办")),
    ("handoff", re.compile(r"转人工|人工客服|找人工|人工服务|真人|找工作人员|打12345|转接")),
    (
        "exit",
        re.compile(
            r"^(算了|不办了|不查了|先不办|先不弄|不弄了|不搞了|以后再说|改天再说|先这样|不用了|退出|结束)"
        ),
    ),
    ("thanks", re.compile(r"^(谢谢|谢了|多谢|感谢|谢谢你|谢谢您)")),
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    return _T2S.convert(text) if _T2S else text


def clauses(text: str) -> list[str]:
    return [c for c in _CLAUSES.split(normalise(text)) if c]


def is_question(clause: str) -> bool:
    return bool(_QUESTION.search(clause))


def has_question(text: str) -> bool:
    return any(is_question(c) for c in clauses(text))


def bare(clause: str) -> str:
    """The answer without its closing particles: "没得了" → "没得", "是的嘛" → "是"."""
    return _PARTICLES.sub("", clause) or clause


def control_of(text: str) -> str | None:
    """restart / handoff / exit / thanks when the message is only that (short), else None."""
    t = normalise(text)
    if len(t) > 14:
        return None
    for kind, pattern in _CONTROLS:
        if pattern.search(t):
            return kind
    return None


def dont_know(text: str) -> bool:
    t = normalise(text)
    return bool(_DONT_KNOW.search(t)) and len(t) <= 16


# ---------------------------------------------------------------- the catalog's words


@dataclass(frozen=True)
class FieldWords:
    key: str
    type: str
    values: list[Any]
    words: dict[str, Any]  # word → value
    nouns: tuple[str, ...] = ()
    yes_words: tuple[str, ...] = ()
    no_words: tuple[str, ...] = ()
    yes_means: Any = True
    labels: dict[Any, str] = field(default_factory=dict)
    question: str = ""
    example: str | None = None


def button_words(label: str) -> str:
    return label.split("（")[0].strip()


@cache
def field_words() -> dict[str, FieldWords]:
    out: dict[str, FieldWords] = {}
    for f in generated_catalog()["situation"]:
        if not f.get("asked", True):
            continue
        words: dict[str, Any] = {}
        for v in f.get("values") or []:
            for w in (button_words(v["label"]), *v.get("phrasings", []), *v.get("answer_words", [])):
                if w and w not in ("有", "没有", "不清楚"):  # the bare yes/no/unknown are read as such
                    words.setdefault(normalise(w), v["value"])
        values = [v["value"] for v in f.get("values") or []] or [True, False]
        out[f["key"]] = FieldWords(
            key=f["key"],
            type=f["type"],
            values=values,
            words=words,
            nouns=tuple(normalise(n) for n in f.get("nouns", [])),
            yes_words=tuple(normalise(w) for w in f.get("yes_words", [])),
            no_words=tuple(normalise(w) for w in f.get("no_words", [])),
            yes_means=f.get("yes_means", True),
            labels={v["value"]: v["label"] for v in f.get("values") or []},
            question=f["question"],
            example=f.get("example"),
        )
    return out


@cache
def groups() -> dict[str, dict[str, Any]]:
    return {g["key"]: g for g in generated_catalog().get("situation_groups", [])}


def group_of(field_key: str) -> dict[str, Any] | None:
    return next((g for g in groups().values() if field_key in g["fields"]), None)


def _yes_no_values(fw: FieldWords) -> tuple[Any, Any]:
    """The values a plain yes and a plain no give this field (None when they say nothing)."""
    if fw.type == "bool":
        return fw.yes_means, not fw.yes_means
    yes = "yes" if "yes" in fw.values else None
    no = "no" if "no" in fw.values else "none" if "none" in fw.values else None
    return yes, no


def _negated(clause: str, start: int) -> bool:
    return bool(_NEGATION.search(clause[max(0, start - 3) : start]))


def _occurrences(clause: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), clause)]


def _enum_value(fw: FieldWords, clause: str, asked: bool) -> Any:
    """The value this clause names; the longest word wins where words overlap, the last one otherwise."""
    if fw.nouns and not asked and not any(n in clause for n in fw.nouns):
        return None
    hits: list[tuple[int, int, Any]] = []
    for word, value in fw.words.items():
        for start in _occurrences(clause, word):
            word_negates = bool(_NEGATION.match(word))
            if not word_negates and _negated(clause, start):
                continue
            hits.append((start, start + len(word), value))
    kept: list[tuple[int, int, Any]] = []
    for hit in sorted(hits, key=lambda h: h[0] - h[1]):  # longest first
        if all(hit[1] <= k[0] or hit[0] >= k[1] for k in kept):
            kept.append(hit)
    if not kept:
        return None
    return max(kept, key=lambda h: h[0])[2]


def _noun_value(fw: FieldWords, clause: str) -> Any:
    """ "有公积金" / "没有驾照" / "驾照没得" / "低保没领": the field's thing is had or not."""
    yes, no = _yes_no_values(fw)
    for noun in fw.nouns:
        for start in _occurrences(clause, noun):
            before, after = (
                clause[max(0, start - 4) : start],
                clause[start + len(noun) : start + len(noun) + 3],
            )
            if _negated(clause, start) or re.search(r"没有|没得|莫得|没|无", before):
                return no
            if re.match(r"(没有|没得|莫得|没|无|也没|都没)", after):
                return no
            return yes
    return None


def _bool_words(fw: FieldWords, clause: str, asked: bool) -> Any:
    if not asked and fw.nouns and not any(n in clause for n in fw.nouns):
        return None
    places = place_words()
    for words, value in ((fw.no_words, False), (fw.yes_words, True)):
        for word in sorted(words, key=len, reverse=True):
            for start in _occurrences(clause, word):
                if _negated(clause, start) and not _NEGATION.match(word):
                    if word in places:  # "不是遵义" says another place, not "outside Guizhou"
                        continue
                    return not value
                return value
    return None


# ---------------------------------------------------------------- the region a family names


@cache
def _region_words() -> tuple[tuple[str, str, str], ...]:
    """(word, region code, level) for every 市州 and county (catalog.json ``regions``, from
    knowledge/regions.yaml), longest word first."""
    out = [
        (normalise(w), r["code"], r["level"])
        for r in generated_catalog().get("regions", [])
        if r["level"] in ("city", "county")
        for w in r["words"]
    ]
    return tuple(sorted(out, key=lambda x: -len(x[0])))


@cache
def place_words() -> frozenset[str]:
    """The words that name a 市州 or a county of Guizhou (遵义, 湄潭, 湄潭县)."""
    return frozenset(w for w, _, _ in _region_words())


def read_region(text: str) -> str | None:
    """The region code of the Guizhou place the message names, the most specific one: a county, else a
    市州 ("贵阳花溪的" → 花溪区; "户口在安顺，不是遵义" → 安顺市). A place after 不是/不在 is not it;
    of two named places the later one counts. None when no 市州 or county is named."""
    hits: list[tuple[int, int, int, str, str]] = []  # clause, start, end, code, level
    for n, clause in enumerate(c for c in clauses(text) if not is_question(c)):
        kept: list[tuple[int, int, int, str, str]] = []
        for word, code, level in _region_words():  # longest first: 黔西南 before 黔西
            for start in _occurrences(clause, word):
                end = start + len(word)
                if all(end <= k[1] or start >= k[2] for k in kept):
                    kept.append((n, start, end, code, level))
        hits += [h for h in kept if not _negated(clause, h[1])]
    counties = [h for h in hits if h[4] == "county"]
    best = max(counties or hits, key=lambda h: (h[0], h[1]), default=None)
    return best[3] if best else None


def read_facts(text: str, asked: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Every situation value the message states, question clauses left out.

    ``asked`` are the fields of the question just asked: for them the bare answers count too
    (是/有/没得/不晓得), a Guizhou place is a hukou answer without the word 户口, and in a group asked
    as "有的说一下" a field the answer does not mention is a no.
    """
    words = field_words()
    found: dict[str, Any] = {}
    parts = [c for c in clauses(text) if not is_question(c)]
    for clause in parts:
        for key, fw in words.items():
            is_asked = key in asked
            if fw.type == "enum":
                value = _enum_value(fw, clause, is_asked)
                if value is None and fw.nouns and "yes" in fw.values:
                    value = _noun_value(fw, clause)
            else:
                value = _bool_words(fw, clause, is_asked)
                if value is None and (is_asked or not fw.yes_words):  # 户口 alone says nothing
                    value = _noun_value(fw, clause)
            if value is not None:
                found[key] = value
    # bare answers to the question just asked
    asked_here = [k for k in asked if k in words]
    whole = bare("".join(parts))
    if asked_here and whole:
        if _ALL_NO.search(whole) or (len(asked_here) > 1 and _NO.fullmatch(whole)):
            for key in asked_here:
                found.setdefault(key, _yes_no_values(words[key])[1])
        elif len(asked_here) == 1 and asked_here[0] not in found:
            key = asked_here[0]
            yes, no = _yes_no_values(words[key])
            if _NO.fullmatch(whole) and no is not None:
                found[key] = no
            elif _YES.fullmatch(whole) and yes is not None:
                found[key] = yes
            elif dont_know(whole) and "unknown" in words[key].values:
                found[key] = "unknown"
    group = next(
        (g for g in groups().values() if set(asked_here) and set(asked_here) <= set(g["fields"])), None
    )
    if group and group.get("unmentioned_means_no") and any(k in found for k in asked_here):
        for key in asked_here:
            found.setdefault(key, _yes_no_values(words[key])[1])
    return found


def options_text(field_key: str) -> str:
    """ "可以这样回答：在医院、在家里、其他地方，比如“在医院”。" for the second asking."""
    fw = field_words()[field_key]
    labels = [button_words(label) for label in fw.labels.values()] or ["是", "不是"]
    example = f"，比如“{fw.example}”" if fw.example else ""
    return f"可以这样回答：{'、'.join(labels)}{example}。"
