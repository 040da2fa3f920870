"""The supervisor dashboard in Chromium (issue 9 item 4): a supervisor signs in, the ECharts charts
render on canvases from the API's statistics, the page passes axe, and a screenshot is taken
(docs/screenshots/supervisor-dashboard.png with UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import json
import textwrap

import pytest

from api.web.bundles import bundle_ready
from tests.browser.conftest import IN_CI, axe_clean, family_case, file_case, run_in_api, screenshot

PASSWORD = "browser-supervisor-pw-1"
REGIONS = ("520111", "520111", "520112", "520102", "520300", "520500")


def case_body(region: str) -> dict:
    items = ["hukou_cancel", "social_insurance_suspend", "survivor_benefits", "medical_account_withdraw"]
    return family_case(items=items, payee_account="6222 0212 3456 7890 123", region=region)


# Run in the live API's environment (its database): a supervisor account, and the cases' tasks
# completed, rated and made overdue the way months of work would leave them.
SEED = textwrap.dedent(
    """
    import datetime as dt, json, sys
    from sqlalchemy import select
    from api import clock
    from api.db import get_sessionmaker
    from api.cases.models import Case
    from api.tasks.models import Task
    from api.ratings.models import Rating
    from api.staff import service

    s = get_sessionmaker()()
    if service.authenticate(s, "supervisor-browser", sys.argv[1]) is None:
        service.create_account(s, "supervisor-browser", sys.argv[1], "supervisor", display_name="监督员")
    today = clock.today()
    staff = ["WJ-101", "GA-202", "RS-303"]
    comments = ["医生很耐心，谢谢", "跑了一次就办完了", None, "等得有点久，请回电 13912345678", None,
                "窗口很热情"]
    mine = json.loads(sys.argv[2])  # only this test's cases: the live API is shared by the browser tests
    for n, case in enumerate(s.scalars(select(Case).where(Case.case_no.in_(mine)).order_by(Case.id))):
        case.created_at = clock.utcnow() - dt.timedelta(days=9 * n)
        for m, task in enumerate(case.tasks):
            start = clock.utcnow() - dt.timedelta(days=9 * n + 6)
            if m < 2:
                task.status = "completed"
                task.released_at = start
                task.completed_at = start + dt.timedelta(days=1 + (n + m) % 4)
                task.due_date = clock.local_date(start) + dt.timedelta(days=3)
                task.staff_id = staff[(n + m) % 3]
                s.add(Rating(case_id=case.id, task_id=task.id, item_key=task.item_key,
                             department=task.department, staff_id=task.staff_id,
                             score=5 - (n + m) % 4, staff_score=5 - (n + 2 * m) % 3,
                             comment=comments[(n + m) % len(comments)], created_at=clock.utcnow()))
            elif m == 2:
                task.status = "accepted"
                task.due_date = today - dt.timedelta(days=1 + n)
    # the website widget's 有帮助 / 没帮助 (api.chat), counted province-wide
    from api.chat.models import AnswerRating
    for k in range(7):
        s.add(AnswerRating(conversation="browser-supervisor-seed", message_id=f"m{k}", helpful=k < 5,
                           answer=None, channel="web", created_at=clock.utcnow()))
    s.commit()
    """
)


@pytest.fixture(scope="module")
def seeded(live_api):
    if not bundle_ready("dashboard"):
        msg = "web/dashboard is not built (make web)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    case_nos = []
    for region in REGIONS:
        case_nos.append(file_case(live_api["url"], case_body(region))["case_no"])
    run_in_api(live_api["env"], SEED, PASSWORD, json.dumps(case_nos))
    return live_api


def test_supervisor_signs_in_and_sees_the_charts(seeded, page):
    url = seeded["url"]
    page.goto(f"{url}/workbench/supervisor")
    assert "/staff/login" in page.url  # not signed in: the sign-in page, coming back afterwards
    page.fill("#username", "supervisor-browser")
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url("**/workbench/supervisor", timeout=20_000)
    page.wait_for_selector("#dashboard[data-loaded='1']", timeout=30_000)

    # every chart is drawn by ECharts on a canvas
    charts = page.locator(".chart[data-rendered='1']")
    assert charts.count() == 10
    for i in range(charts.count()):
        assert charts.nth(i).locator("canvas").count() >= 1

    # the figures on the page are the API's (same session, same statistics)
    stats = page.evaluate(
        "async () => (await fetch('/api/v1/supervision/stats', {credentials: 'same-origin'})).json()"
    )
    assert stats["cases"]["total"] >= len(REGIONS)  # other browser tests may have filed cases too
    summary = page.inner_text("#summary")
    assert f"{stats['cases']['total']}\n案件" in summary or f"{stats['cases']['total']}案件" in summary
    assert str(stats["materials"]["saved"]) in summary and stats["materials"]["saved"] > 0
    assert stats["tasks"]["overdue_open"] >= 1
    assert stats["answer_ratings"]["helpful"] >= 5 and stats["answer_ratings"]["not_helpful"] >= 2
    overdue = page.locator("#overdue-rows tr")
    assert overdue.count() == min(len(stats["overdue_tasks"]), 20) >= 1
    comments = page.inner_text("#comment-rows")
    assert "13912345678" not in comments and "139****5678" in comments
    # the chart of handling time by item names the items it drew (ECharts' aria description)
    label = page.get_attribute("#chart-handling-item", "aria-label") or ""
    first_item = next(r["name"] for r in stats["by_item"] if r["completed"])
    assert first_item in label

    axe_clean(page, "supervisor-dashboard")
    screenshot(page, "supervisor-dashboard")
