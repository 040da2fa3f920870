"""Statistics in SQL (issue 9 item 4): figures checked against a hand count on seeded data, scope by
region, a constant number of statements whatever the number of cases, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from api import clock
from api.stats.queries import region_prefix
from api.stats.service import working_days_between
from tests.api.conftest import case_body, db_session

# Counties used only by this file (other tests file their cases in 520000, 520100 and 520102).
HUAXI, WUDANG, BAIYUN = "520111", "520112", "520113"


def utc(day: dt.date, hour: int) -> dt.datetime:
    """Naive UTC of `hour` o'clock China time on `day`."""
    return dt.datetime.combine(day, dt.time(hour)) - dt.timedelta(hours=8)


def new_case(api, region: str) -> dict:
    r = api.post("/api/v1/cases", json=case_body(region=region))
    assert r.status_code == 201, r.text
    return r.json()


def stats(api, creds, **params) -> dict:
    r = api.get("/api/v1/stats", params=params, headers=creds.staff("admin"))
    assert r.status_code == 200, r.text
    return r.json()


def row(rows, key):
    return next((r for r in rows if r["key"] == key), None)


def seed(case_no: str, plan: dict[str, dict]) -> None:
    """Set tasks of a case as in `plan` (item → fields), written straight to the database, and add
    ratings: the rows a hand count is compared with."""
    from api.cases.models import Case
    from api.ratings.models import Rating
    from api.tasks.models import Task

    with db_session() as s:
        case = s.scalar(select(Case).where(Case.case_no == case_no))
        tasks = {t.item_key: t for t in s.scalars(select(Task).where(Task.case_id == case.id))}
        for item, fields in plan.items():
            t = tasks[item]
            rating = fields.pop("rating", None)
            for k, v in fields.items():
                setattr(t, k, v)
            if rating:
                s.add(
                    Rating(
                        case_id=case.id,
                        task_id=t.id,
                        item_key=t.item_key,
                        department=t.department,
                        staff_id=t.staff_id,
                        created_at=clock.utcnow(),
                        **rating,
                    )
                )
        s.commit()


def test_figures_match_a_hand_count(api, creds):
    today = clock.today()
    a = new_case(api, HUAXI)
    b = new_case(api, HUAXI)
    c = new_case(api, WUDANG)
    mon = dt.date(2026, 11, 2)  # a Monday; Wednesday 4th is 2 working days later, Friday 6th 4
    wed, fri = dt.date(2026, 11, 4), dt.date(2026, 11, 6)
    # case a: death certificate completed late (2 working days, limit 1) by S-A, rated 2 (staff 4);
    #         hukou completed on time the same day by S-A, rated 5 (no staff score: the item score counts)
    seed(
        a["case_no"],
        {
            "death_cert_normal": {
                "status": "completed",
                "released_at": utc(mon, 9),
                "completed_at": utc(wed, 17),
                "due_date": dt.date(2026, 11, 3),
                "time_limit_days": 1,
                "staff_id": "S-A",
                "rating": {"score": 2, "staff_score": 4, "comment": "请回电 139****5678"},
            },
            "hukou_cancel": {
                "status": "completed",
                "released_at": utc(wed, 9),
                "completed_at": utc(wed, 23),  # 23:00 China time, still Wednesday
                "due_date": fri,
                "time_limit_days": 3,
                "staff_id": "S-A",
                "rating": {"score": 5, "staff_score": None},
            },
            "social_insurance_suspend": {"status": "accepted", "due_date": today - dt.timedelta(days=3)},
        },
    )
    # case b: death certificate completed in 4 working days (limit 5) by S-B, rated 3; one rejected task
    seed(
        b["case_no"],
        {
            "death_cert_normal": {
                "status": "completed",
                "released_at": utc(mon, 9),
                "completed_at": utc(fri, 10),
                "due_date": dt.date(2026, 11, 9),
                "time_limit_days": 5,
                "staff_id": "S-B",
                "rating": {"score": 3, "staff_score": 3},
            },
            "hukou_cancel": {"status": "rejected", "note": "test"},
            "social_insurance_suspend": {"status": "ready", "due_date": today + dt.timedelta(days=5)},
        },
    )
    # case c (another county): one overdue open task
    seed(c["case_no"], {"hukou_cancel": {"status": "ready", "due_date": today - dt.timedelta(days=10)}})

    out = stats(api, creds, region=HUAXI)
    assert out["region"] == HUAXI and out["region_name"] == "花溪区"
    assert out["cases"]["total"] == 2 and out["cases"]["open"] == 2

    # hand count of the two 花溪 cases
    from api.cases.models import Case
    from api.tasks.models import Task

    with db_session() as s:
        ids = [s.scalar(select(Case.id).where(Case.case_no == x["case_no"])) for x in (a, b)]
        n_tasks = len(s.scalars(select(Task.id).where(Task.case_id.in_(ids))).all())
        n_open = len(
            s.scalars(
                select(Task.id).where(Task.case_id.in_(ids), Task.status.not_in(["completed", "rejected"]))
            ).all()
        )
    t = out["tasks"]
    assert t["tasks"] == n_tasks and t["open"] == n_open
    assert (t["completed"], t["rejected"], t["overdue_open"], t["completed_late"]) == (3, 1, 1, 1)
    assert working_days_between(mon, wed) == 2 and working_days_between(mon, fri) == 4
    assert t["avg_handling_working_days"] == round((2 + 0 + 4) / 3, 2)
    assert t["avg_time_limit_days"] == 3.0  # (1 + 3 + 5) / 3
    assert t["on_time_rate"] == round(1 - 1 / 3, 3)
    assert t["ratings"] == 3 and t["avg_rating"] == round((2 + 5 + 3) / 3, 2)

    death = row(out["by_item"], "death_cert_normal")
    assert death["name"] == "开死亡证明"
    assert (death["completed"], death["completed_late"], death["avg_handling_working_days"]) == (2, 1, 3.0)
    assert death["avg_rating"] == 2.5
    # staff: the staff score, or the item score when there is none
    s_a, s_b = row(out["by_staff"], "S-A"), row(out["by_staff"], "S-B")
    assert (s_a["completed"], s_a["ratings"], s_a["avg_rating"]) == (2, 2, 4.5)
    assert s_a["avg_handling_working_days"] == 1.0 and s_b["avg_rating"] == 3.0
    assert out["ratings"]["distribution"] == {"1": 0, "2": 1, "3": 1, "4": 0, "5": 1}
    assert [x["comment"] for x in out["ratings"]["comments"]] == ["请回电 139****5678"]
    assert out["region_level"] == "county" and [r["key"] for r in out["by_region"]] == [HUAXI]
    assert [x["case_no"] for x in out["overdue_tasks"]] == [a["case_no"]]
    assert out["overdue_tasks"][0]["days_overdue"] == 3
    this_week = today - dt.timedelta(days=today.weekday())
    assert out["cases_per_week"][-1] == {"week_start": this_week.isoformat(), "cases": 2}
    assert out["answer_ratings"] is None  # not attributable to a county

    # materials: the checklist summaries of the two cases, summed by hand
    with db_session() as s:
        sums = [s.get(Case, i).checklist["reduction"] for i in ids]
    m = out["materials"]
    assert m["cases"] == 2
    assert m["separately"] == sum(r["separately"] for r in sums)
    assert m["together"] == sum(r["together"] for r in sums)
    assert m["saved"] == m["separately"] - m["together"] > 0

    # the city sees both counties, one row each
    city = stats(api, creds, region="520100")
    assert city["region_level"] == "county"
    assert row(city["by_region"], HUAXI)["tasks"] == n_tasks
    assert row(city["by_region"], WUDANG)["overdue_open"] == 1
    # the province groups them under the city
    prov = stats(api, creds)
    assert prov["region_level"] == "city" and prov["answer_ratings"] is not None
    assert row(prov["by_region"], "520100")["tasks"] >= n_tasks + 1


def test_region_prefixes():
    assert [region_prefix(c) for c in ("520000", "520100", "520102", "522300")] == [
        "52",
        "5201",
        "520102",
        "5223",
    ]


def test_unknown_region_is_refused(api, creds):
    r = api.get("/api/v1/stats", params={"region": "110000"}, headers=creds.staff("admin"))
    assert r.status_code == 422 and "地区" in r.json()["message"]


def test_no_n_plus_one(api, creds):
    """The number of statements of one statistics request does not grow with the number of cases."""
    from api.db import get_engine

    def count_statements(**params) -> int:
        n = 0

        def on_execute(*_args, **_kw):
            nonlocal n
            n += 1

        event.listen(get_engine(), "before_cursor_execute", on_execute)
        try:
            stats(api, creds, **params)
        finally:
            event.remove(get_engine(), "before_cursor_execute", on_execute)
        return n

    new_case(api, BAIYUN)
    stats(api, creds)  # the calendar is filled on the first call
    few = count_statements(region=BAIYUN)
    for _ in range(6):
        new_case(api, BAIYUN)
    many = count_statements(region=BAIYUN)
    assert few == many, (few, many)
    assert many <= 20


@pytest.mark.parametrize("role", ["window_staff", "hotline_staff"])
def test_header_stats_stay_for_administrators(api, creds, role):
    assert api.get("/api/v1/stats", headers=creds.staff(role)).status_code == 403


# ------------------------------------------------------------------ signed-in staff: the dashboard


def test_dashboard_scope_by_role(api, creds):
    from tests.api.staff_helpers import make_account, sign_in

    new_case(api, HUAXI)
    url = "/api/v1/supervision/stats"
    api.cookies.clear()
    assert api.get(url).status_code == 401
    assert api.get(url, headers=creds.staff("admin")).status_code == 401  # machine tokens: no session

    sign_in(api, *make_account("regional_admin", region="520100"))
    own = api.get(url)
    assert own.status_code == 200, own.text
    assert own.json()["region"] == "520100" and own.json()["region_level"] == "county"
    assert all(r["key"].startswith("5201") for r in own.json()["by_region"])
    assert api.get(url, params={"region": HUAXI}).json()["region"] == HUAXI
    refused = api.get(url, params={"region": "520300"})
    assert refused.status_code == 403 and "本地区" in refused.json()["message"]
    assert api.get(url, params={"region": "520000"}).status_code == 403

    api.cookies.clear()
    sign_in(api, *make_account("regional_admin", region=HUAXI))
    assert api.get(url, params={"region": WUDANG}).status_code == 403
    assert api.get(url).json()["region"] == HUAXI

    api.cookies.clear()
    sign_in(api, *make_account("supervisor", region="520100"))  # a 贵阳 supervisor
    assert api.get(url).json()["region"] == "520100"
    assert api.get(url, params={"region": "520300"}).status_code == 403

    for role in ("supervisor", "admin"):
        api.cookies.clear()
        sign_in(api, *make_account(role))
        whole = api.get(url).json()
        assert whole["region"] is None and whole["region_name"] == "全省" and whole["region_level"] == "city"
        assert api.get(url, params={"region": "520300"}).json()["region"] == "520300"

    for role, dept in (("window_staff", None), ("hotline_staff", None), ("department", "health")):
        api.cookies.clear()
        sign_in(api, *make_account(role, department=dept))
        assert api.get(url).status_code == 403
    api.cookies.clear()


def test_dashboard_page(api, creds):
    from api.web.bundles import bundle_ready
    from tests.api.staff_helpers import make_account, sign_in

    api.cookies.clear()
    r = api.get("/workbench/supervisor", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login?next=")
    sign_in(api, *make_account("window_staff"))
    assert api.get("/workbench/supervisor").status_code == 403
    api.cookies.clear()
    sign_in(api, *make_account("regional_admin", region="520100"))
    page = api.get("/workbench/supervisor")
    assert page.status_code == 200 and "chart-handling-region" in page.text
    if bundle_ready("dashboard"):
        assert "/static/dashboard/dashboard.js" in page.text
    else:  # `make test` runs the API tests before `make web` builds the bundle
        assert "make web" in page.text
    assert "花溪区" in page.text and "遵义市" not in page.text  # only its own region is offered
    api.cookies.clear()


def test_staff_rows_carry_the_account_name(api, creds):
    from tests.api.staff_helpers import make_account

    username, _ = make_account("department", department="health")
    with db_session() as s:
        from api.staff.models import StaffAccount

        s.scalar(select(StaffAccount).where(StaffAccount.username == username)).display_name = "李医生"
        s.commit()
    case = new_case(api, BAIYUN)
    seed(case["case_no"], {"death_cert_normal": {"status": "completed", "staff_id": username}})
    out = stats(api, creds, region=BAIYUN)
    assert row(out["by_staff"], username)["name"] == f"李医生（{username}）"
