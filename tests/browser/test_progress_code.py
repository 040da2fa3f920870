"""The progress page in Chromium with what an elderly person can keep (issue 11 item 2): open
/cases/<no>, type the 6-character progress code, see the progress; or the applicant's phone, the SMS
code read from the fake SMS adapter's outbox (api/notify/sms.py), every case of that phone. Large
text, axe-core, screenshots."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_clean, family_case, file_case, screenshot


@pytest.fixture
def filed(live_api: dict[str, Any]) -> dict[str, Any]:
    """A case filed through the API, as a family would: its answer and the applicant's phone."""
    body = family_case(
        situation={"death_nature": "normal", "death_place": "hospital", "hukou_in_guizhou": True},
        items=["hukou_cancel"],
    )
    return {**file_case(live_api["url"], body), "phone": body["applicant"]["phone"]}


def _sms_code(outbox: Path, phone: str) -> str:
    for line in reversed(outbox.read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        if record["to"] == phone and "验证码" in record["text"]:
            return re.search(r"验证码是 (\d{6})", record["text"]).group(1)
    raise AssertionError("no SMS code in the fake outbox")


def _px(page: Any, selector: str) -> float:
    return float(page.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)"))


def test_case_number_and_short_code_show_the_progress(page: Any, live_api: dict[str, Any], filed) -> None:
    page.goto(f"{live_api['url']}/cases/{filed['case_no_readable']}")
    assert page.input_value("#case-input") == filed["case_no_readable"]
    assert _px(page, "body") >= 18 and _px(page, "#code") >= 18 and _px(page, "label[for=code]") >= 18
    box = page.locator("#code-form button").bounding_box()
    assert box and box["height"] >= 44
    axe_clean(page, "progress_code_form")
    # a wrong code: a message the family can act on, nothing shown
    wrong = "ZZZZZZ" if filed["progress_code"] != "ZZZZZZ" else "YYYYYY"
    page.fill("#code", wrong)
    page.click("#code-form button")
    page.wait_for_selector("#message.err")
    assert "查询码不对" in page.inner_text("#message") and page.inner_text("#result") == ""
    # typed as an elderly person may: lower case, in two groups
    code = filed["progress_code"].lower()
    page.fill("#code", f"{code[:3]} {code[3:]}")
    page.click("#code-form button")
    page.wait_for_selector("#result .case")
    text = page.inner_text("#result")
    assert "注销户口" in text and "开死亡证明" in text and filed["case_no_readable"] in text
    assert filed["phone"] not in page.content()
    axe_clean(page, "progress_code")
    screenshot(page, "progress_code")


def test_phone_and_sms_code_show_every_case_of_that_phone(page: Any, live_api: dict[str, Any], filed) -> None:
    page.goto(f"{live_api['url']}/cases/{filed['case_no_readable']}")
    page.click("#by-phone summary")
    page.fill("#phone", filed["phone"])
    page.click("#phone-form button")
    page.wait_for_selector("#otp-form:not([hidden])")
    assert "验证码" in page.inner_text("#message")
    assert page.input_value("#phone") == filed["phone"][:3] + "****" + filed["phone"][7:]  # shown masked
    page.fill("#otp", _sms_code(live_api["sms_outbox"], filed["phone"]))
    page.click("#otp-form button")
    page.wait_for_selector("#result .case")
    text = page.inner_text("#result")
    assert filed["case_no_readable"] in text and "注销户口" in text
    assert filed["phone"] not in page.content()
    axe_clean(page, "progress_phone")
    screenshot(page, "progress_phone")


def test_the_link_with_the_long_token_still_works(page: Any, live_api: dict[str, Any], filed) -> None:
    page.goto(f"{live_api['url']}/cases/{filed['case_no_readable']}#token={filed['access_token']}")
    page.wait_for_selector("#result .case")
    assert "注销户口" in page.inner_text("#result")
    assert "token" not in page.url  # the fragment is cleared from the address bar
