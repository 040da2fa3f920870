"""Detector of internal things in a bot message shown to a family (issue 10, item 2).

`find_internal(text)` returns human-readable reasons (empty list = the message is fine). A family
must never see: a situation field key, item key or enum value in Latin letters, English words or
sentences, a Python traceback or exception name, JSON braces or a raw dict, a raw API message, a
configuration note ("not configured", "default time limit") or a reference figure from another
province or city.

Allowed Latin text (what the bot legitimately shows): URLs (the case link), case numbers
(SH20261129-48273-5), the access code after "查询码：", masked ID numbers (520***********123X), the
letter X in ID-number hints, and a few tokens families know (PDF, APP, QQ, EMS, ID).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

# Latin tokens a family may be shown.
ALLOWED_WORDS = frozenset({"X", "x", "PDF", "pdf", "APP", "App", "app", "QQ", "EMS", "ID", "SH"})

# Spans removed before looking for Latin words: they are legitimate and carry letters.
_ALLOWED_SPANS = (
    re.compile(r"https?://[^\s，。；、）)”\"]+"),  # links (the case page, #token=... fragment included)
    re.compile(r"(?i)\bSH\d{8}-?\d{5}-?\d\b"),  # case numbers
    re.compile(r"快递单号\s*[A-Za-z0-9-]{6,}"),  # a mailed original's tracking number (证照送达)
    re.compile(r"查询码[：:]\s*[A-Za-z0-9_\-]{6,}"),  # the access code or the 6-character progress code
    re.compile(r"\d{3}\*{6,}\d{3}[\dXx]"),  # masked ID numbers
    re.compile(r"\d{17}[\dXx]|\d{15}"),  # an ID-number example (masking is checked elsewhere)
)

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_ENGLISH_RUN = re.compile(r"[A-Za-z]+(?:[\s,.'’-]+[A-Za-z]+){2,}")  # three or more English words in a row

_TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|"
    r"\b[A-Z][A-Za-z]*(?:Error|Exception|Refused|Unavailable|Timeout)\b|\bErrno\b"
)
_JSON = re.compile(r"[{}]|\[\s*['\"]|['\"]\s*\]|['\"]\w+['\"]\s*:")

# Raw API messages (pydantic, FastAPI, our own error texts naming a field).
_RAW_API = (
    (re.compile(r"字段\s*[A-Za-z_]"), "API 原始报错（字段 + 英文字段名）"),
    (re.compile(r"situation\.[A-Za-z_]+"), "API 原始报错（situation.xxx 字段路径）"),
    (re.compile(r"的取值\s*['\"‘“]"), "API 原始报错（“的取值 'xxx'”）"),
    (re.compile(r"可选[：:]\s*['\"‘]"), "API 原始报错（可选：'a', 'b'）"),
    (
        re.compile(r"Field required|String should|Input should|value is not a valid|Not Found|Unprocessable"),
        "API 原始英文报错",
    ),
    (re.compile(r"\b(?:detail|loc|msg|type|code)\b\s*['\"]?\s*[:=]"), "API 原始 JSON 字段"),
    (re.compile(r"\b[1-5]\d\d\b\s*(?:Client|Server)?\s*(?:Error|错误)|HTTP\s*\d{3}"), "HTTP 状态码"),
)

# Configuration notes meant for staff.
_CONFIG_NOTES = (
    (re.compile(r"非贵州官方公布"), "配置说明（非贵州官方公布时限）"),
    (re.compile(r"默认时限"), "配置说明（默认时限）"),
    (re.compile(r"系统中配置|尚未配置|未配置|没有配置|待配置"), "配置说明（未配置）"),
    (re.compile(r"本系统"), "配置说明（本系统…）"),
)

# Provinces and cities outside Guizhou: a figure "参考" from elsewhere is not Guizhou's rule.
_OTHER_PLACES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
    "海南|四川|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|"
    "昆明|济宁|成都|长沙|广州|深圳|杭州|南京|武汉|西安|郑州|济南|青岛|苏州|厦门|福州|南宁|南昌|合肥|"
    "石家庄|太原|沈阳|长春|哈尔滨|兰州|西宁|银川|乌鲁木齐|拉萨|呼和浩特|海口|曲靖|泸州|宜宾|怀化|柳州|桂林"
)
_REFERENCE = re.compile(r"参考[：:]")
_OTHER_PLACE = re.compile(rf"(?:{_OTHER_PLACES})(?!时间)")


_KEY_FIELDS = ("key", "value", "enum", "values", "items", "prerequisites", "required_by")


@lru_cache(maxsize=1)
def internal_words() -> frozenset[str]:
    """Field keys, item keys and enum values of the catalog (read from knowledge/, never copied)."""
    words: set[str] = {"True", "False", "None", "null", "true", "false", "none", "unknown", "small", "large"}
    kdir = ROOT / "knowledge"

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in _KEY_FIELDS or k.endswith("_key"):
                    collect(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    def collect(v: object) -> None:
        if isinstance(v, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v):
            words.add(v)
        elif isinstance(v, list):
            for x in v:
                collect(x)

    for path in sorted(kdir.glob("*.yaml")):
        try:
            walk(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError):
            continue
    return frozenset(words)


def find_internal(text: str) -> list[str]:
    """Reasons why `text`, shown to a family, contains something internal ([] when it is fine)."""
    if not text:
        return []
    reasons: list[str] = []

    if _TRACEBACK.search(text):
        reasons.append(f"Python 异常或堆栈：{_TRACEBACK.search(text).group(0)!r}")
    for pattern, why in _RAW_API:
        m = pattern.search(text)
        if m:
            reasons.append(f"{why}：{m.group(0)!r}")
    for pattern, why in _CONFIG_NOTES:
        m = pattern.search(text)
        if m:
            reasons.append(f"{why}：{m.group(0)!r}")
    m = _REFERENCE.search(text)
    if m:
        reasons.append(f"参考数字（别处的规定）：{text[m.start() : m.start() + 12]!r}")
    m = _OTHER_PLACE.search(text)
    if m:
        reasons.append(f"外省或外地的地名（别处的规定）：{m.group(0)!r}")

    cleaned = text
    for pattern in _ALLOWED_SPANS:
        cleaned = pattern.sub(" ", cleaned)

    if _JSON.search(cleaned):
        reasons.append(f"JSON 或原始字典：{_JSON.search(cleaned).group(0)!r}")
    m = _ENGLISH_RUN.search(cleaned)
    if m:
        reasons.append(f"英文句子：{m.group(0)!r}")

    known = internal_words()
    seen: set[str] = set()
    for m in _LATIN_WORD.finditer(cleaned):
        word = m.group(0)
        if word in ALLOWED_WORDS or word in seen:
            continue
        seen.add(word)
        if word in known or "_" in word or "." in word:
            reasons.append(f"字段名、事项键或枚举值：{word!r}")
        else:
            reasons.append(f"英文：{word!r}")
    return reasons


def messages_text(messages: list[dict]) -> list[str]:
    """What a family sees of dispatcher messages: texts and button titles (payloads are not shown)."""
    shown: list[str] = []
    for msg in messages:
        if msg.get("text"):
            shown.append(msg["text"])
        for button in msg.get("buttons") or []:
            if button.get("title"):
                shown.append(button["title"])
    return shown


def leaks_in(messages: list[dict]) -> list[str]:
    """Every finding in a list of dispatcher messages, each with the message it was found in."""
    found: list[str] = []
    for shown in messages_text(messages):
        for reason in find_internal(shown):
            found.append(f"{reason} — in {shown[:120]!r}")
    return found
