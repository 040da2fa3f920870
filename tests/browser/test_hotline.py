"""The 12345 hotline console (/hotline) in Chromium, keyboard first: the search box has the focus,
"hkzx" and a colloquial question find their items (arrow keys, Enter), the situation is toggled, the
personal checklist appears, the PDF downloads (read back); a signed-in hotline staff member texts the
link (the fake SMS outbox receives it; the link opens the PDF). The assistant's NLU is not running
here, and the page says so quietly. axe-core clean; screenshot docs/screenshots/hotline.png."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import ROOT, api_env, axe_clean, free_port, screenshot, stop, wait_http

STAFF_USER, STAFF_PASSWORD = "hotline-bt", "browser-test-password-0123"
PHONE = "13987654321"


@pytest.fixture(scope="module")
def hotline_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A case API whose RASA_URL points at a port where nothing listens (the assistant is down), with
    the fake SMS adapter writing to a file of this run and one hotline staff account."""
    tmp = tmp_path_factory.mktemp("hotline_api")
    port = free_port()
    env = api_env(
        tmp / "cases.db",
        RASA_URL=f"http://127.0.0.1:{free_port()}",
        SMS_ADAPTER="fake",
        SMS_OUTBOX_FILE=str(tmp / "sms.jsonl"),
        API_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    log = tmp / "api.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/healthz", proc, 60, log)
    account = (
        "from api.db import get_sessionmaker; from api.staff import service; s = get_sessionmaker()(); "
        f"service.create_account(s, {STAFF_USER!r}, {STAFF_PASSWORD!r}, 'hotline_staff'); s.commit()"
    )
    subprocess.run([sys.executable, "-c", account], cwd=ROOT, env=env, check=True)
    yield {"url": url, "outbox": tmp / "sms.jsonl"}
    stop(proc)


def _results(page: Any) -> list[str]:
    return page.locator("#results li").all_inner_texts()


def test_hotline_console_by_keyboard(page: Any, hotline_api: dict[str, Any]) -> None:
    from pypdf import PdfReader

    base = hotline_api["url"]
    # sign in first (the page's link goes to the staff sign-in and comes back)
    page.goto(base + "/hotline")
    page.click("#staff-signin a")
    page.fill("#username", STAFF_USER)
    page.fill("#password", STAFF_PASSWORD)
    page.click("#login-button")
    page.wait_for_url(base + "/hotline")
    page.wait_for_function("document.querySelector('#staff-signin').textContent.includes('已登录')")
    version = page.get_attribute("body", "data-catalog-version")
    assert version and len(version) == 12
    assert page.evaluate("document.activeElement.id") == "q", "the search box has the focus"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16

    # pinyin initials
    page.keyboard.type("hkzx")
    page.wait_for_selector("#results li[aria-selected=true]")
    assert "注销户口" in _results(page)[0]
    page.keyboard.press("Enter")
    page.wait_for_selector("#chosen li:has-text('注销户口')")
    page.wait_for_selector("#guide dt:has-text('设定依据')")
    guide = page.inner_text("#guide")
    for part in ("申请材料", "在哪里办", "办结时限", "设定依据", "派出所"):
        assert part in guide, part
    assert page.evaluate("document.activeElement.id") == "q", "focus goes back to the search box"

    # a colloquial question, typed as the caller says it; arrow keys pick the item
    page.keyboard.type("老人去世了银行卡里的钱怎么取")
    page.wait_for_function(
        "[...document.querySelectorAll('#results li')].some(li => li.textContent.includes('小额存款'))"
    )
    texts = _results(page)
    target = next(i for i, t in enumerate(texts) if "小额存款" in t)
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chosen li:has-text('小额存款')")
    # the assistant is down here: the page says so quietly, the catalog still answered
    assert "助手的语义理解暂时不可用" in page.inner_text("#nlu-status")

    # the situation as toggles
    page.click("#field-death_nature label:has-text('因病或年老去世')")
    page.click("#field-death_place label:has-text('在家里')")
    page.click("#field-hukou_in_guizhou label:has-text('是')")
    page.click("#field-relationship label:has-text('子女')")
    page.click("#field-deposits label:has-text('每家银行都不多')")
    page.wait_for_function("document.querySelector('#checklist').textContent.includes('要带的材料')")
    page.wait_for_function("document.querySelector('#checklist').textContent.includes('居家死亡情况申报')")
    checklist = page.inner_text("#checklist")
    assert "开死亡证明" in checklist and "要先办" in checklist  # added as a prerequisite
    assert "居民户口簿" in checklist and "多久办完" in checklist

    axe_clean(page, "hotline")
    screenshot(page, "hotline")

    # the printable PDF
    with page.expect_download() as info:
        page.click("#pdf")
    with open(info.value.path(), "rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\n", "")
    assert version in text and "注销户口" in text and "取去世亲人的小额存款" in text
    today = page.get_attribute("body", "data-today")
    y, m, d = today.split("-")
    assert f"{y}年{m}月{d}日" in text
    page.wait_for_function("document.querySelector('#pdf-status').textContent.includes('PDF 已生成')")

    # the caller gets the link by SMS: masked on the page, the link opens the PDF
    page.fill("#phone", PHONE)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#sms-status').textContent.includes('已发送到')")
    status = page.inner_text("#sms-status")
    assert "139****4321" in status and PHONE not in status
    assert PHONE not in page.content()
    message = json.loads(Path(hotline_api["outbox"]).read_text(encoding="utf-8").splitlines()[-1])
    assert message["to_masked"] == "139****4321"
    link = next(word for word in message["text"].replace("：", " ").split() if "/c/" in word)
    opened = httpx.get(link, timeout=30)
    assert opened.status_code == 200 and opened.headers["content-type"] == "application/pdf"
