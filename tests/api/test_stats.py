"""GET /api/v1/stats: cases, handling time against the limit, overdue counts, ratings."""

from __future__ import annotations

import datetime as dt
import uuid

from api import clock  # China's date (Asia/Shanghai), as the API sees it
from api.stats.service import working_days_between
from tests.api.conftest import case_body, db_session
from tests.api.test_tasks import act, dept_task


def stats(api, creds):
    r = api.get("/api/v1/stats", headers=creds.staff("admin"))
    assert r.status_code == 200, r.text
    return r.json()


def row(rows, key):
    return next((r for r in rows if r["key"] == key), None)


def test_stats_count_cases_tasks_staff_and_ratings(api, creds):
    from api.tasks.models import Task

    before = stats(api, creds)
    staff = "WJ-" + uuid.uuid4().hex[:6]
    case = api.post("/api/v1/cases", json=case_body()).json()
    t = dept_task(api, creds, case["case_no"], "death_cert_normal", "health")
    t = act(api, creds, "health", t, "accept")
    act(api, creds, "health", t, "complete", result={"certificate_no": "S1"}, staff_id=staff)
    r = api.post(
        f"/api/v1/cases/{case['case_no']}/ratings",
        json={"item": "death_cert_normal", "score": 2, "staff_score": 4},
        headers=creds.applicant(case["access_token"]),
    )
    assert r.status_code == 201
    # one released task made overdue
    hukou = dept_task(api, creds, case["case_no"], "hukou_cancel", "public_security")
    with db_session() as s:
        s.get(Task, hukou["id"]).due_date = clock.today() - dt.timedelta(days=5)
        s.commit()
    after = stats(api, creds)
    assert after["cases"]["total"] == before["cases"]["total"] + 1
    assert after["cases"]["open"] == before["cases"]["open"] + 1
    assert after["tasks"]["overdue_open"] == before["tasks"]["overdue_open"] + 1
    s_row = row(after["by_staff"], staff)
    assert s_row["completed"] == 1 and s_row["avg_rating"] == 4.0  # the staff score
    assert s_row["avg_handling_working_days"] == 0 and s_row["avg_time_limit_days"] >= 0
    item_before = row(before["by_item"], "death_cert_normal") or {"completed": 0, "ratings": 0}
    item_after = row(after["by_item"], "death_cert_normal")
    assert item_after["completed"] == item_before["completed"] + 1
    assert item_after["ratings"] == item_before["ratings"] + 1
    assert item_after["name"] == "开死亡证明"
    dept = row(after["by_department"], "public_security")
    assert dept["overdue_open"] >= 1
    assert after["ratings"]["distribution"]["2"] == before["ratings"]["distribution"]["2"] + 1


def test_stats_are_for_administrators_only(api, creds):
    assert api.get("/api/v1/stats").status_code == 401
    for headers in (creds.staff("window_staff"), creds.staff("hotline_staff"), creds.dept("health")):
        assert api.get("/api/v1/stats", headers=headers).status_code == 403


def test_date_range(api, creds):
    r = api.get(
        "/api/v1/stats", params={"since": "2030-01-02", "until": "2030-01-01"}, headers=creds.staff("admin")
    )
    assert r.status_code == 422
    r = api.get("/api/v1/stats", params={"since": "2099-01-01"}, headers=creds.staff("admin"))
    assert r.status_code == 200 and r.json()["cases"]["total"] == 0


def test_working_days_between_counts_holidays():
    assert working_days_between(dt.date(2026, 11, 27), dt.date(2026, 11, 27)) == 0
    assert working_days_between(dt.date(2026, 11, 27), dt.date(2026, 11, 30)) == 1  # Fri → Mon
