"""Chinese date expressions inside a family's free text, resolved against China's date.

``find_date("我爸昨天走的", today)`` → ``ParsedDate(date=today - 1 day, lunar=False, text="昨天")``.

What does the work (maintained packages, no download at run time):

- JioNLP's time parser (``jionlp.ner.extract_time``) finds and resolves relative and absolute
  expressions: 今天, 昨天, 前天, 大前天, 前天晚上, 今天凌晨两点, 凌晨/半夜 (still today's date),
  上周三 / 上个礼拜三, 上个月15号, 25号, 2026-11-27, 20261127, 2026年11月27日, 3天前 ...
- ``cn2an`` turns Chinese numerals into numbers (十一月二十五, 二十五号).
- ``lunar_python`` converts a lunar date (农历十月初八, 阴历冬月初八, 腊月二十三, 闰六月初一) to the
  solar date, with the real length of each lunar month (29 or 30 days) and leap months.

Around them, only what a death date needs and the parser does not do: a month-day (solar or lunar)
without a year is the last one not in the future ("11月25号" said on 11-20 is last year's); a bare
"25号" in the future is last month's; a bare "星期三" in the future is last week's; a month-day that
does not exist ("2月30号", "11月31号", a lunar 三十 in a 29-day month) is ``None``, never a nearby
date; an expression must name one day (上个月, 去年, 一周前 are not a date). Chinese month-day
expressions are read here (JioNLP reads "十一月二十五" without 号 as a lunar date, and "2月30号" as
"30号"), as are "11.25" and a few spoken forms it lacks (昨儿个, 今早).

The expression nearest the start of the text wins, except one the family denies ("不是昨天，是前天")
or gives as a birth date ("1950年3月5号出生"). ``today`` is China's date
(``actions.clock.china_today()``); nothing here reads the machine's clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["ParsedDate", "find_date", "parse_date_answer"]


@dataclass(frozen=True)
class ParsedDate:
    """A date found in a text: the solar date, whether the family gave it in the lunar calendar,
    the expression as it appears in the (normalised) text, and the lunar date's canonical name."""

    date: dt.date
    lunar: bool
    text: str
    lunar_label: str | None = None

    @property
    def solar_text(self) -> str:
        """'2026年11月26日'."""
        return f"{self.date.year}年{self.date.month}月{self.date.day}日"

    @property
    def confirmation(self) -> str:
        """What to say back to the family: '农历十月初八，也就是公历2026年11月16日' for a lunar date,
        '2026年11月27日' otherwise."""
        if self.lunar and self.lunar_label:
            return f"{self.lunar_label}，也就是公历{self.solar_text}"
        return self.solar_text


# ---------------------------------------------------------------------------------------------
# Normalisation

_T2S: Any = None


def _normalise(text: str) -> str:
    """Full-width digits and punctuation to half-width (NFKC), traditional to simplified."""
    global _T2S
    t = unicodedata.normalize("NFKC", text or "").strip()
    if _T2S is None:
        try:
            import opencc

            _T2S = opencc.OpenCC("t2s")
        except Exception:  # pragma: no cover - opencc is in the bot's lock
            _T2S = False
    if _T2S:
        converted = _T2S.convert(t)
        if len(converted) == len(t):  # keep offsets meaningful
            t = converted
    return t


def _cn_number(s: str) -> int:
    """'二十五' → 25, '十一' → 11, '25' → 25 (cn2an)."""
    if s.isdigit():
        return int(s)
    import cn2an

    return int(cn2an.cn2an(s, "smart"))


_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGIT.update({"六": 6, "七": 7, "八": 8, "九": 9})


def _year_number(s: str) -> int:
    """'2026' / '26' / '二〇二六' → 2026."""
    if not s.isdigit():
        s = "".join(str(_CN_DIGIT[c]) for c in s)
    year = int(s)
    return 2000 + year if len(s) == 2 else year


# ---------------------------------------------------------------------------------------------
# Month-day expressions (solar or lunar), with an optional year

_CN = "一二三四五六七八九"
_MONTH_DAY = re.compile(
    r"(?:(?P<prefix0>农历|阴历|老历|旧历)(?:的)?\s*)?"
    r"(?:(?P<year>(?<!\d)\d{4}|(?<!\d)\d{2}|[〇零○一二三四五六七八九]{4}|今|去|前)\s*年\s*)?"
    r"(?P<prefix>农历|阴历|老历|旧历)?(?:的)?\s*"
    r"(?P<leap>闰)?"
    r"(?P<month>(?<![\d〇零一二三四五六七八九十两])(?:正|冬|腊|十一|十二|[一二三四五六七八九十]|1[0-2]|0?[1-9]))"
    r"\s*月(?:份)?\s*"
    r"(?P<day>初[一二三四五六七八九十]|二十[一二三四五六七八九]?|廿[一二三四五六七八九]|三十一?|卅"
    rf"|十[{_CN}]?|[{_CN}]|3[01]|[12]\d|0?[1-9])(?![\d十])"
    r"\s*(?:日|号)?"
)
_LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12}


def _month_number(s: str) -> int:
    return _LUNAR_MONTHS.get(s) or _cn_number(s)


def _day_number(s: str) -> int:
    s = s.removeprefix("初")
    s = s.replace("廿", "二十").replace("卅", "三十")
    return _cn_number(s)


def _explicit_year(group: str | None, today: dt.date) -> int | None:
    if not group:
        return None
    relative = {"今": 0, "去": 1, "前": 2}
    if group in relative:
        return today.year - relative[group]
    return _year_number(group)


def _latest(month: int, day: int, today: dt.date, text: str) -> ParsedDate | None:
    """A month-day said without a year: this year's, or last year's when this year's is to come."""
    for y in (today.year, today.year - 1):
        try:
            date = dt.date(y, month, day)
        except ValueError:
            continue
        if date <= today:
            return ParsedDate(date, False, text)
    return None


def _solar_month_day(m: re.Match[str], today: dt.date) -> ParsedDate | None:
    month, day = _month_number(m.group("month")), _day_number(m.group("day"))
    text = m.group(0).strip()
    year = _explicit_year(m.group("year"), today)
    if year is not None:
        try:
            return ParsedDate(dt.date(year, month, day), False, text)
        except ValueError:
            return None
    return _latest(month, day, today, text)


def _lunar_month_day(m: re.Match[str], today: dt.date) -> ParsedDate | None:
    from lunar_python import Lunar, LunarMonth, Solar

    month, day = _month_number(m.group("month")), _day_number(m.group("day"))
    leap = bool(m.group("leap"))
    if not (1 <= month <= 12 and 1 <= day <= 30):
        return None
    lunar_month = -month if leap else month
    year = _explicit_year(m.group("year"), today)
    if year is not None:
        years = [year]
    else:
        this_year = Solar.fromYmd(today.year, today.month, today.day).getLunar().getYear()
        # A leap month comes back every few years: look back for the last one.
        years = list(range(this_year, this_year - (40 if leap else 2), -1))
    for y in years:
        found = LunarMonth.fromYm(y, lunar_month)
        if found is None:
            continue
        first = Lunar.fromYmd(y, lunar_month, 1).getSolar()
        if year is None and dt.date(first.getYear(), first.getMonth(), first.getDay()) > today:
            continue  # that month is still to come this year: last year's
        if day > found.getDayCount():
            return None  # e.g. 三十 in a 29-day month: no such date
        lunar = Lunar.fromYmd(y, lunar_month, day)
        solar = lunar.getSolar()
        date = dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
        if year is None and date > today:
            continue
        label = f"农历{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"
        return ParsedDate(date, True, m.group(0).strip(), label)
    return None


def _month_day(m: re.Match[str], today: dt.date) -> ParsedDate | None:
    day = m.group("day")
    lunar = (
        bool(m.group("prefix") or m.group("prefix0"))
        or m.group("month") in _LUNAR_MONTHS
        or day[0] in "初廿卅"
    )
    return _lunar_month_day(m, today) if lunar else _solar_month_day(m, today)


# "11.25", "11/25" (month.day); not part of a longer number or an amount
_DOTTED = re.compile(
    r"(?<![\d./])(?P<month>1[0-2]|0?[1-9])[./](?P<day>3[01]|[12]\d|0?[1-9])(?![\d./%])(?!\s*(?:元|块|万|岁|米|斤))"
)


def _dotted(m: re.Match[str], today: dt.date) -> ParsedDate | None:
    return _latest(int(m.group("month")), int(m.group("day")), today, m.group(0))


# spoken forms JioNLP does not know: 昨儿个, 前儿, 今早, 昨夜
_SPOKEN = re.compile(r"(?P<word>大前|前|昨|今)(?:儿个|儿|早上?|夜里?)")
_SPOKEN_BACK = {"今": 0, "昨": 1, "前": 2, "大前": 3}


def _spoken(m: re.Match[str], today: dt.date) -> ParsedDate | None:
    return ParsedDate(today - dt.timedelta(days=_SPOKEN_BACK[m.group("word")]), False, m.group(0))


# ---------------------------------------------------------------------------------------------
# JioNLP


@cache
def _jionlp() -> Any:
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
        import jionlp

    return jionlp


_BARE_WEEKDAY = re.compile(r"^(?:礼拜|星期|周)[一二三四五六日天1-7]")
_BARE_DAY = re.compile(r"^(?:\d{1,2}|[十二三一四五六七八九]{1,3})\s*[号日]")


def _previous_month(date: dt.date) -> dt.date | None:
    year, month = (date.year, date.month - 1) if date.month > 1 else (date.year - 1, 12)
    try:
        return dt.date(year, month, date.day)
    except ValueError:
        return None


def _jionlp_dates(t: str, today: dt.date) -> list[tuple[int, int, ParsedDate | None]]:
    jio = _jionlp()
    base = [today.year, today.month, today.day, 12, 0, 0]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            found = jio.ner.extract_time(t, time_base=base, with_parsing=True)
    except Exception:
        return []
    out: list[tuple[int, int, ParsedDate | None]] = []
    for item in found:
        detail = item.get("detail") or {}
        if item.get("type") != "time_point" or not isinstance(detail.get("time"), list):
            continue
        start, end = item["offset"]
        if (start > 0 and t[start - 1].isdigit()) or (end < len(t) and t[end].isdigit()):
            continue  # part of a longer number (an ID number, a phone)
        try:
            first, last = (dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S") for s in detail["time"][:2])
        except (ValueError, TypeError):
            continue  # open ranges ("inf")
        if last - first >= dt.timedelta(days=1):
            continue  # a week, a month, a year: not one day
        text = item["text"]
        date: dt.date | None = first.date()
        if date is not None and date > today:
            if _BARE_WEEKDAY.match(text):
                date = date - dt.timedelta(days=7)
            elif _BARE_DAY.match(text):
                date = _previous_month(date)
        out.append((start, end, ParsedDate(date, False, text) if date else None))
    return out


# ---------------------------------------------------------------------------------------------


def find_date(text: str, today: dt.date) -> ParsedDate | None:
    """The first date expression in ``text``, resolved against ``today`` (China's date).

    None when there is none, or when the first one names a day that does not exist."""
    t = _normalise(text)
    if not t:
        return None
    found: list[tuple[int, int, ParsedDate | None]] = []
    for pattern, resolve in ((_MONTH_DAY, _month_day), (_DOTTED, _dotted), (_SPOKEN, _spoken)):
        for m in pattern.finditer(t):
            if not any(s < m.end() and m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), resolve(m, today)))
    for start, end, parsed in _jionlp_dates(t, today):
        if not any(s < end and start < e for s, e, _ in found):
            found.append((start, end, parsed))
    if not found:
        return None
    # "不是昨天，是前天", "他1950年3月5号出生，昨天走的": the other date is the one meant
    meant = [f for f in found if not _set_aside(t, f[0], f[1])] or found
    meant.sort(key=lambda f: (f[0], f[0] - f[1]))
    return meant[0][2]


_DENIED = re.compile(r"(?:不是|并非|不在)\s*(?:在)?\s*$")
_BIRTH = re.compile(r"^\s*(?:出生|生的|生日|出世)")


def _set_aside(t: str, start: int, end: int) -> bool:
    """A date the family denies or gives as a birth date."""
    return bool(_DENIED.search(t[max(0, start - 4) : start]) or _BIRTH.match(t[end : end + 4]))


def parse_date_answer(text: str, today: dt.date) -> ParsedDate | None:
    """A bare answer at the date question ("上周三", "农历十月初八"): the same as ``find_date``."""
    return find_date(text, today)
