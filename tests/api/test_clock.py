"""One clock for the case API: China's date (Asia/Shanghai) on both sides of midnight UTC.

The clock is frozen with time_machine:

- 2026-11-29T15:59Z = 23:59 on 11-29 in China;
- 2026-11-29T16:30Z = 00:30 on 11-30 in China, while the machine's UTC date is still 11-29.

Seen bug: between 00:00 and 08:00 in China the API used the UTC date, so a death "today" was refused
as a future date and the checklist counted from yesterday.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from api import clock
from api.checklist.calendar import add_working_days
from tests.api.conftest import case_body, make_id_number

BEFORE = dt.datetime(2026, 11, 29, 15, 59, tzinfo=dt.timezone.utc)  # China: 11-29 23:59
AFTER = dt.datetime(2026, 11, 29, 16, 30, tzinfo=dt.timezone.utc)  # China: 11-30 00:30

CHECKLIST = {
    "situation": {
        "death_nature": "normal",
        "death_place": "home",
        "hukou_in_guizhou": True,
        "pension_scheme": "enterprise",
        "pension_status": "retired",
        "relationship": "child",
    },
    "items": ["hukou_cancel", "survivor_benefits", "pension_account_refund"],
}


@pytest.mark.parametrize(
    "instant,china_date", [(BEFORE, dt.date(2026, 11, 29)), (AFTER, dt.date(2026, 11, 30))]
)
def test_clock_is_china_time(instant: dt.datetime, china_date: dt.date) -> None:
    with time_machine.travel(instant, tick=False):
        assert clock.today() == china_date
        now = clock.now()
        assert now.date() == china_date and now.utcoffset() == dt.timedelta(hours=8)
        assert clock.utcnow() == instant.replace(tzinfo=None)  # storage stays naive UTC
        assert clock.utcnow().date() == dt.date(2026, 11, 29)
        assert clock.local_date(clock.utcnow()) == china_date
        from api.cases import clock as old_clock  # the thin re-export

        assert old_clock.today() == china_date and old_clock.now() == clock.utcnow()


@pytest.mark.parametrize(
    "instant,china_date", [(BEFORE, dt.date(2026, 11, 29)), (AFTER, dt.date(2026, 11, 30))]
)
def test_checklist_counts_from_china_date(client, instant: dt.datetime, china_date: dt.date) -> None:
    with time_machine.travel(instant):
        r = client.post("/api/v1/checklist", json=CHECKLIST)
    assert r.status_code == 200, r.text
    estimate = r.json()["estimate"]
    assert estimate["start_date"] == china_date.isoformat()
    assert estimate["finish_by"] == add_working_days(china_date, estimate["together_days"]).isoformat()


@pytest.mark.parametrize(
    "instant,china_date", [(BEFORE, dt.date(2026, 11, 29)), (AFTER, dt.date(2026, 11, 30))]
)
def test_catalog_figures_in_force_on_china_date(catalog, instant: dt.datetime, china_date: dt.date) -> None:
    key = next(iter(catalog.figures))
    with time_machine.travel(instant, tick=False):
        assert catalog.figure(key) == catalog.figure(key, on=china_date)
        item = next(iter(catalog.items))
        assert catalog.time_limit(item) == catalog.time_limit(item, on=china_date)


def _case_dying_on(day: dt.date) -> dict:
    return case_body(
        deceased={"death_date": day.isoformat(), "id_number": make_id_number(dt.date(1941, 3, 8))}
    )


def test_death_today_in_china_is_accepted_after_midnight_china(client) -> None:
    with time_machine.travel(AFTER):  # 00:30 on 11-30 in China, still 11-29 in UTC
        r = client.post("/api/v1/cases", json=_case_dying_on(dt.date(2026, 11, 30)))
    assert r.status_code == 201, r.text


def test_death_tomorrow_in_china_is_refused_before_midnight_china(client) -> None:
    with time_machine.travel(BEFORE):  # 23:59 on 11-29 in China
        r = client.post("/api/v1/cases", json=_case_dying_on(dt.date(2026, 11, 30)))
    assert r.status_code == 422, r.text
    assert "去世日期不能晚于今天" in r.text
