"""China's date in the assistant: actions/clock.py and actions/dates.py (pure: no case API needed).

The clock is frozen (freezegun) on both sides of midnight UTC:

- 2026-11-29T15:59Z = 23:59 on Sunday 11-29 in China;
- 2026-11-29T16:30Z = 00:30 on Monday 11-30 in China (the machine's UTC date is still 11-29);
- 2026-11-29T20:00Z = 04:00 on 11-30 in China: "2026年11月30日" is today there, not the future.

Every expression is parsed against ``china_today()``, as the forms do.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from freezegun import freeze_time
from rasa_sdk.executor import CollectingDispatcher

from actions.clock import china_now, china_today
from actions.dates import ParsedDate, find_date, parse_date_answer

D = dt.date
BEFORE = "2026-11-29T15:59:00Z"  # China: 2026-11-29 23:59 (Sunday)
AFTER = "2026-11-29T16:30:00Z"  # China: 2026-11-30 00:30 (Monday)
FOUR_AM = "2026-11-29T20:00:00Z"  # China: 2026-11-30 04:00

# expression inside a sentence -> (date when China's today is 11-29, date when it is 11-30, text matched)
EXPRESSIONS = {
    "我爸昨天走的": (D(2026, 11, 28), D(2026, 11, 29), "昨天"),
    "今天凌晨两点走的": (D(2026, 11, 29), D(2026, 11, 30), "今天凌晨两点"),
    "是上周三": (D(2026, 11, 18), D(2026, 11, 25), "上周三"),  # weeks run Monday to Sunday
    "上个礼拜三走的": (D(2026, 11, 18), D(2026, 11, 25), "上个礼拜三"),
    "上个月15号": (D(2026, 10, 15), D(2026, 10, 15), "上个月15号"),
    "11月25号": (D(2026, 11, 25), D(2026, 11, 25), "11月25号"),
    "十一月二十五": (D(2026, 11, 25), D(2026, 11, 25), "十一月二十五"),
    "十一月二十五号走的": (D(2026, 11, 25), D(2026, 11, 25), "十一月二十五号"),
    "11.25": (D(2026, 11, 25), D(2026, 11, 25), "11.25"),
    "25号": (D(2026, 11, 25), D(2026, 11, 25), "25号"),
    "2026年11月27日": (D(2026, 11, 27), D(2026, 11, 27), "2026年11月27日"),
    "2026-11-27": (D(2026, 11, 27), D(2026, 11, 27), "2026-11-27"),
    "20261127": (D(2026, 11, 27), D(2026, 11, 27), "20261127"),
    "前天晚上": (D(2026, 11, 27), D(2026, 11, 28), "前天晚上"),
    "大前天": (D(2026, 11, 26), D(2026, 11, 27), "大前天"),
    "凌晨走的": (D(2026, 11, 29), D(2026, 11, 30), "凌晨"),
    "昨儿个走的": (D(2026, 11, 28), D(2026, 11, 29), "昨儿个"),
    # a month-day without a year that would lie in the future is last year's
    "11月30号": (D(2025, 11, 30), D(2026, 11, 30), "11月30号"),
    "12月5号": (D(2025, 12, 5), D(2025, 12, 5), "12月5号"),
    # lunar: 2026's 十月初八 is 11-16; 冬月 and 腊月 of lunar 2026 are still to come: last year's
    "农历十月初八走的": (D(2026, 11, 16), D(2026, 11, 16), "农历十月初八"),
    "阴历冬月初八": (D(2025, 12, 27), D(2025, 12, 27), "阴历冬月初八"),
    "腊月二十三": (D(2026, 2, 10), D(2026, 2, 10), "腊月二十三"),
}


def _today_at(instant: str) -> dt.date:
    with freeze_time(instant):
        return china_today()


def test_china_clock_on_both_sides_of_midnight_utc() -> None:
    with freeze_time(BEFORE):
        assert dt.datetime.now(dt.timezone.utc).date() == D(2026, 11, 29)
        assert china_today() == D(2026, 11, 29)
        assert china_now().hour == 23
    with freeze_time(AFTER):
        assert dt.datetime.now(dt.timezone.utc).date() == D(2026, 11, 29)  # UTC: still yesterday
        assert china_today() == D(2026, 11, 30)
        assert china_now().utcoffset() == dt.timedelta(hours=8)
    with freeze_time(FOUR_AM):
        assert china_today() == D(2026, 11, 30)


@pytest.mark.parametrize("instant,column", [(BEFORE, 0), (AFTER, 1)])
@pytest.mark.parametrize("sentence", list(EXPRESSIONS))
def test_expression_in_a_sentence(sentence: str, instant: str, column: int) -> None:
    today = _today_at(instant)
    found = find_date(sentence, today)
    assert found is not None, sentence
    assert found.date == EXPRESSIONS[sentence][column]
    assert found.text == EXPRESSIONS[sentence][2]
    assert found.lunar is sentence.startswith(("农历", "阴历", "腊月"))
    assert parse_date_answer(sentence, today) == found


def test_full_width_and_traditional_and_chinese_year() -> None:
    today = D(2026, 11, 30)
    assert find_date("１１月２５日", today).date == D(2026, 11, 25)  # type: ignore[union-attr]
    assert find_date("農曆十月初八", today).date == D(2026, 11, 16)  # type: ignore[union-attr]
    assert find_date("二〇二六年十一月二十七日", today).date == D(2026, 11, 27)  # type: ignore[union-attr]
    assert find_date("去年11月25号", today).date == D(2025, 11, 25)  # type: ignore[union-attr]
    assert find_date("星期三走的", today).date == D(2026, 11, 25)  # type: ignore[union-attr]  # the last one


@pytest.mark.parametrize(
    "text,expected",
    [
        ("不是昨天，是前天", D(2026, 11, 28)),  # the denied date is set aside
        ("他1950年3月5号出生，昨天走的", D(2026, 11, 29)),  # so is a birth date
        ("农历2025年冬月初八", D(2025, 12, 27)),  # an explicit lunar year
        ("农历10月8日", D(2026, 11, 16)),  # lunar with Arabic numerals
        ("上个月31号", None),  # October has 31 days, but said on 12-15: November 31 is no date
    ],
)
def test_which_date_is_meant(text: str, expected: dt.date | None) -> None:
    today = D(2026, 12, 15) if text == "上个月31号" else D(2026, 11, 30)
    found = find_date(text, today)
    assert (found.date if found else None) == expected


@pytest.mark.parametrize(
    "text",
    ["2月30号", "11月31号", "2026年2月30日", "农历腊月三十"],  # 腊月 of lunar 2025 has 29 days
)
def test_a_day_that_does_not_exist_is_none(text: str) -> None:
    assert find_date(text, D(2026, 11, 30)) is None


@pytest.mark.parametrize(
    "text", ["", "我想办户口注销", "交了20年", "上个月", "去年", "身份证520102195011271234", "一周前"]
)
def test_no_single_day_is_none(text: str) -> None:
    assert find_date(text, D(2026, 11, 30)) is None


def test_lunar_confirmation_text() -> None:
    found = find_date("我妈是农历十月初八走的", D(2026, 11, 30))
    assert found == ParsedDate(D(2026, 11, 16), True, "农历十月初八", "农历十月初八")
    assert found.confirmation == "农历十月初八，也就是公历2026年11月16日"
    assert find_date("阴历冬月初八", D(2026, 11, 30)).confirmation == (  # type: ignore[union-attr]
        "农历冬月初八，也就是公历2025年12月27日"
    )
    assert find_date("闰六月初一", D(2026, 11, 30)).confirmation == (  # type: ignore[union-attr]
        "农历闰六月初一，也就是公历2025年7月25日"
    )
    solar = find_date("昨天", D(2026, 11, 30))
    assert solar is not None and not solar.lunar and solar.confirmation == "2026年11月29日"


def test_the_forms_today_is_china_date() -> None:
    from actions.validation import BaseFormValidation

    with freeze_time(AFTER):
        assert BaseFormValidation.today() == D(2026, 11, 30)
        assert find_date("我爸昨天走的", BaseFormValidation.today()).date == D(2026, 11, 29)
        assert find_date("上周三", BaseFormValidation.today()).date == D(2026, 11, 25)
    assert find_date("没有日期", D(2026, 11, 30)) is None


def _validate_death_date(text: str) -> tuple[dict, list[str]]:
    from actions.application import ValidateApplicationForm

    dispatcher = CollectingDispatcher()
    out = asyncio.run(ValidateApplicationForm().validate_death_date(text, dispatcher, None, {}))
    return out, [m.get("text") or "" for m in dispatcher.messages]


def test_today_in_china_at_four_am_is_not_the_future() -> None:
    """The bug: at 04:00 China time "2026年11月30日" (today in China) was refused as a future date."""
    with freeze_time(FOUR_AM):
        out, said = _validate_death_date("2026年11月30日")
        assert out == {"death_date": "2026-11-30"} and said == []
        out, _ = _validate_death_date("今天凌晨两点走的")
        assert out == {"death_date": "2026-11-30"}
        out, _ = _validate_death_date("昨天")
        assert out == {"death_date": "2026-11-29"}
    with freeze_time(BEFORE):  # 23:59 on 11-29 in China: 11-30 is tomorrow
        out, said = _validate_death_date("2026年11月30日")
        assert out == {"death_date": None} and "不能晚于今天" in said[0]


def test_lunar_death_date_is_confirmed_back() -> None:
    with freeze_time(AFTER):
        out, said = _validate_death_date("农历十月初八走的")
    assert out == {"death_date": "2026-11-16"}
    assert len(said) == 1 and said[0].startswith("好的，农历十月初八，也就是公历2026年11月16日。")
