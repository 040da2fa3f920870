"""The department workbench and the delivery of results in Chromium (issue 9 items 1, 6).

A 卫健 clerk signs in, sees the department's queue by due date (an overdue task highlighted), reveals
the deceased's ID number (audited), accepts a death certificate task, completes it with the
certificate number the catalog asks for, and enters the tracking number of the mailed original. The
family opens its progress page: the result with its label, the electronic result document (a PDF with
its number and the issuing department) downloaded, and the receipt confirmed. Each page passes axe;
screenshots docs/screenshots/department-workbench.png, department-workbench-task.png and
case-delivery.png (UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap

import pytest
from pypdf import PdfReader

from tests.browser.conftest import (
    axe_clean,
    china_today,
    create_staff,
    family_case,
    file_case,
    run_in_api,
    screenshot,
)

PASSWORD = "browser-department-pw-1"
CLERK = "clerk-health-browser"
ADDRESS = "贵州省贵阳市云岩区中华北路 188 号"
# one task made overdue, to show the highlight (a department's late task, as it happens)
OVERDUE = textwrap.dedent(
    """
    import datetime as dt, sys
    from sqlalchemy import select
    from api.db import get_sessionmaker
    from api.models_registry import load_models
    from api.cases.models import Case
    from api.tasks.models import Task

    load_models()
    s = get_sessionmaker()()
    case = s.scalar(select(Case).where(Case.case_no == sys.argv[1]))
    task = next(t for t in case.tasks if t.item_key == "death_cert_normal")
    task.due_date = dt.date.fromisoformat(sys.argv[2])
    s.commit()
    """
)


@pytest.fixture(scope="module")
def world(live_api):
    clerk = {"department": "health", "display_name": "卫健经办人"}
    create_staff(
        live_api["env"], {"user": CLERK, "password": PASSWORD, "role": "department", "fields": clerk}
    )
    url = live_api["url"]
    late = file_case(url, family_case())
    run_in_api(live_api["env"], OVERDUE, late["case_no"], (china_today() - dt.timedelta(days=7)).isoformat())
    body = family_case(delivery={"method": "mail", "address": ADDRESS})
    case = file_case(url, body)
    return {"url": url, "body": body, "case": case, "late": late}


def test_clerk_completes_a_task_and_the_family_receives_the_result(world, page, browser) -> None:
    url, case, body = world["url"], world["case"], world["body"]
    page.goto(url + "/workbench/department")
    assert "/staff/login" in page.url  # not signed in: the sign-in page, coming back afterwards
    page.fill("#username", CLERK)
    page.fill("#password", "wrong-password-1")
    page.click("#login-button")
    page.wait_for_function("document.getElementById('login-message').textContent.includes('不对')")
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url("**/workbench/department", timeout=20_000)
    page.wait_for_selector("#queue tbody tr", timeout=20_000)

    # the queue: by due date, the late task first and highlighted; nothing personal in clear
    rows = page.locator("#queue tbody tr")
    assert world["late"]["case_no"] in rows.nth(0).inner_text() and "已超期" in rows.nth(0).inner_text()
    assert "overdue" in (rows.nth(0).get_attribute("class") or "")
    for secret in (body["deceased"]["name"], body["deceased"]["id_number"], body["applicant"]["phone"]):
        assert secret not in page.content()
    axe_clean(page, "department-workbench")
    screenshot(page, "department-workbench")

    # open the family's task by keyboard, reveal the ID number (an explicit, audited click)
    page.get_by_role("button", name=re.compile("办理：开死亡证明（" + case["case_no"])).focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail:not([hidden])")
    page.get_by_role("button", name="显示完整逝者身份证号").click()
    shown = "document.querySelector('[data-field=deceased_id]').textContent"
    page.wait_for_function(f"{shown} === '{body['deceased']['id_number']}'")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_function("document.getElementById('status').textContent.includes('已受理')")

    screenshot(page, "department-workbench-task")
    # complete with the result field the catalog names
    page.get_by_label("死亡医学证明编号（必填）").fill("GZ-SW-2026-000188")
    page.get_by_role("button", name="办结", exact=True).click()
    page.wait_for_function("document.getElementById('status').textContent.includes('已办结')")
    # the family chose mailing: the original's tracking number
    page.wait_for_selector("#tracking")
    assert "贵州省贵阳市****" in page.inner_text("#detail")
    page.fill("#tracking", "EA123456789CN")
    page.get_by_role("button", name="登记已寄出").click()
    page.wait_for_function("document.getElementById('status').textContent.includes('已登记快递单号')")
    axe_clean(page, "department-workbench-done")

    # the family's progress page (its own browser, the link the assistant gave)
    family = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1000, "height": 900}
    )
    fp = family.new_page()
    fp.goto(f"{url}/cases/{case['case_no']}#token={case['access_token']}")
    fp.wait_for_selector("text=结果文书", timeout=20_000)
    text = fp.inner_text("#result")
    assert "死亡医学证明编号：GZ-SW-2026-000188" in text and "EA123456789CN" in text
    with fp.expect_download() as info:
        fp.get_by_role("button", name="下载电子结果文书（PDF）").click()
    with open(info.value.path(), "rb") as fh:
        data = fh.read()
    flat = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    doc_no = re.search(r"结果文书 (\S+-\d+)（", text).group(1)
    assert doc_no in flat and "GZ-SW-2026-000188" in flat and "出具部门" in flat and "卫生健康" in flat
    fp.get_by_role("button", name="我已收到纸质原件").click()
    fp.wait_for_selector("text=家属已确认收到", timeout=20_000)
    axe_clean(fp, "case-delivery")
    screenshot(fp, "case-delivery")
    family.close()
