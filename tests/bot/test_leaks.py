"""The leak detector itself (tests/bot/leaks.py) on messages a family may and may not be shown."""

from __future__ import annotations

import pytest

from tests.bot.leaks import find_internal, leaks_in

GOOD = [
    "请节哀。亲人走后的事，我可以帮您一件一件理清楚。",
    "【注销户口】办多久：一般 5 个工作日。",
    "【小额存款提取】每家银行 5 万元（50,000 元）以内，2024年6月1日起施行。",
    "案件号：SH20261129-48273-5\n查询码：Zq3x_kP9-aB7cD2eF4gH6iJ8kL0mN1o（只显示这一次，请截图或抄下来保存好）\n"
    "查看进度：http://127.0.0.1:8000/cases/SH20261129-48273-5#token=Zq3x_kP9-aB7cD2eF4gH6iJ8kL0mN1o",
    "身份证号是18位，最后一位可能是X，请再发一次。",
    "逝者身份证号：520***********123X",
    "可以下载 PDF 申请表，也可以在贵人服务 APP 上办。",
    "抚恤金是 14 个月的计发基数，丧葬补助金是 2 个月的计发基数。",
    "去哪办：遵义市红花岗区政务服务中心（负责部门：县级公安机关）。",
    "黔东南、黔西南、黔南的家属都可以在当地办。",
    "",
]

BAD = [
    ("字段 situation.deposits 的取值 '清楚' 无效，可选：'none', 'small', 'large' or 'unknown'", "situation"),
    ("办多久：5 个工作日（默认时限（非贵州官方公布时限）；参考：昆明2个工作日。）", "非贵州官方公布"),
    ("贵州省本年度的计发基数尚未在系统中配置，先按“几个月的基数”告诉您。", "未配置"),
    ("参考：湖南2个工作日。", "参考"),
    ("济宁的做法是当场办结。", "外省"),
    ("这件事是 hukou_cancel。", "hukou_cancel"),
    ("死亡性质：death_nature", "death_nature"),
    ("存款：unknown", "unknown"),
    ("是否在贵州：True", "True"),
    ("没有找到：None", "None"),
    ("Field required", "英文"),
    ("String should have at least 2 characters", "英文"),
    ('出错了：Traceback (most recent call last):\n  File "actions/answers.py", line 3, in run', "堆栈"),
    ("出错了：KeyError: 'time_limit_days'", "异常"),
    ("出错了：httpx.ConnectError", "字段名"),
    ("结果：{'items': ['hukou_cancel']}", "JSON"),
    ('{"detail": "Not Found"}', "JSON"),
    ("Sorry, something went wrong.", "英文句子"),
]


@pytest.mark.parametrize("text", GOOD)
def test_legitimate_messages_pass(text: str) -> None:
    assert find_internal(text) == []


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_internal_things_are_found(text: str, expected: str) -> None:
    reasons = find_internal(text)
    assert reasons, text
    assert any(expected in r for r in reasons), reasons


def test_button_titles_are_scanned_and_payloads_are_not() -> None:
    shown = [{"text": "您看：", "buttons": [{"title": "small", "payload": '/inform{"deposits": "small"}'}]}]
    assert any("small" in f for f in leaks_in(shown))
    fine = [{"text": "您看：", "buttons": [{"title": "有，不多", "payload": '/inform{"deposits": "small"}'}]}]
    assert leaks_in(fine) == []
