"""Identity numbers (GB 11643) and masking of personal data.

Pure Python with no third-party imports (standard library only, Python >= 3.10): the case API
(.venv/api, 3.11) and the assistant's actions (.venv/bot, 3.10) both install this package from their
lock files (``-e ./packages/gz_identity``), so the rules live in one place. The API also reaches it
as ``api.identity``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII digits only: `\d` would also accept full-width and other scripts' digits (see ascii_digits)
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")


class IdNumberError(ValueError):
    """The message is a Chinese sentence a person can act on."""


class DigitsError(ValueError):
    """A number written with digits other than 0–9 (the message is a Chinese sentence)."""


def ascii_digits(value: str, what: str = "号码") -> str:
    """NFKC-normalise `value` (full-width ０-９ → 0-9, full-width Ｘ → X, ideographic space → space)
    and refuse any digit still outside ASCII 0–9 (Arabic-Indic ٣, Devanagari ३, ...), which NFKC
    leaves as they are. Numbers are validated, hashed and stored only in this form: otherwise the
    same ID number typed with other digits would hash differently and slip past the
    one-open-case-per-deceased rule."""
    v = unicodedata.normalize("NFKC", value)
    for ch in v:
        if not ch.isascii() and (ch.isdigit() or ch.isnumeric() or unicodedata.category(ch) == "Nd"):
            raise DigitsError(
                f"{what}里有无法识别的数字“{ch}”，"
                "请只用 0–9 这十个数字填写（可切换到中文或英文输入法重新输入）"
            )
    return v


# Invisible or direction-changing characters (zero-width space, right-to-left override, ...),
# control characters, private-use and unassigned code points have no place in a person's name.
_NAME_BAD_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def clean_name(value: str) -> str:
    """A person's name, NFKC-normalised and trimmed; ValueError (Chinese) when it holds invisible,
    control or direction-changing characters, or no letter at all (e.g. only a zero-width space)."""
    v = unicodedata.normalize("NFKC", value).strip()
    bad = next((ch for ch in v if unicodedata.category(ch) in _NAME_BAD_CATEGORIES), None)
    if bad is not None:
        raise ValueError(f"姓名里有看不见的或控制字符（U+{ord(bad):04X}），请删除后重新输入")
    if not any(unicodedata.category(ch).startswith("L") for ch in v):
        raise ValueError("姓名应包含文字，请填写身份证上的姓名")
    return v


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def parse_id_number(value: str, *, not_after: dt.date | None = None) -> dt.date:
    """Validate an 18-digit resident ID number and return the birth date inside it."""
    try:
        number = ascii_digits(value, "身份证号").strip().upper()
    except DigitsError as exc:
        raise IdNumberError(str(exc)) from None
    if not _ID_RE.match(number):
        raise IdNumberError("身份证号应为 18 位，前 17 位是数字，最后一位是数字或 X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("身份证号中的出生日期不是真实的日期，请核对第 7–14 位") from None
    if birth.year < 1880:
        raise IdNumberError("身份证号中的出生年份不对，请核对第 7–10 位")
    if check_digit(number[:17]) != number[17]:
        raise IdNumberError("身份证号校验位不对，可能有一位输错了，请逐位核对")
    if not_after is not None and birth > not_after:
        raise IdNumberError("身份证号中的出生日期晚于去世日期，请核对")
    return birth


def normalize_id_number(value: str) -> str:
    """The form that is hashed and stored: NFKC (full-width digits → ASCII), trimmed, upper-case X."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def valid_phone(value: str) -> bool:
    """11 digits starting 13–19, after NFKC (full-width digits count; other scripts' do not)."""
    return bool(PHONE_RE.match(unicodedata.normalize("NFKC", value).strip()))


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    return v[:3] + "*" * max(len(v) - 7, 0) + v[-4:] if len(v) > 7 else "*" * len(v)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    return v[:3] + "****" + v[-4:] if len(v) >= 11 else "*" * len(v)


def mask_account(value: str | None) -> str:
    if not value:
        return ""
    v = re.sub(r"\s", "", value)
    return "*" * max(len(v) - 4, 0) + v[-4:]


def mask_name(value: str | None) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: enough for a family to recognise their case."""
    if not value:
        return ""
    v = value.strip()
    return v[0] + "*" * (len(v) - 1)


# Free text (chat messages, log lines) may carry numbers anywhere; replace them before they leave.
_TEXT_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)"), lambda m: m[1][:3] + "*" * 11 + m[3][-4:]),
    (re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)"), lambda m: m[1] + "****" + m[3]),
    (re.compile(r"(?<!\d)(\d{8,15})(\d{4})(?!\d)"), lambda m: "*" * len(m[1]) + m[2]),
)


def mask_text(text: str) -> str:
    for pattern, repl in _TEXT_PATTERNS:
        text = pattern.sub(repl, text)
    return text
