"""Death records from departments are validated like submissions (issue 7, medium): a death date in
2099 or before the birth date in the ID number, or a name that does not match the open case, once
settled the family's certificate task anyway."""

from __future__ import annotations

import datetime as dt

import pytest

from api import clock  # China's date (Asia/Shanghai), as the API sees it
from tests.api.conftest import case_body
from tests.api.test_sharing import push, record


@pytest.mark.parametrize(
    ("kind", "event_date", "fragment"),
    [
        ("death", "2099-01-01", "晚于今天"),
        ("death", (clock.today() + dt.timedelta(days=3)).isoformat(), "晚于今天"),
        ("death", "1940-01-01", "早于身份证号中的出生日期"),
        ("cremation", "2099-01-01", "晚于今天"),
    ],
)
def test_impossible_dates_are_refused_and_nothing_changes(api, creds, kind, event_date, fragment):
    body = case_body()
    data = api.post("/api/v1/cases", json=body).json()
    dept = "health" if kind == "death" else "civil_affairs"
    r = push(api, creds, dept, **record(body, kind=kind, event_date=event_date))
    assert r.status_code == 422, r.text
    assert fragment in r.json()["message"]
    view = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"])).json()
    assert view["shared_data"].get("death_record_shared") is not True
    assert next(t for t in view["tasks"] if t["item"] == "death_cert_normal")["status"] != "completed"


def test_a_name_that_does_not_match_the_open_case_settles_nothing(api, creds):
    body = case_body()
    data = api.post("/api/v1/cases", json=body).json()
    r = push(api, creds, "health", **record(body, name="李四"))
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "name_mismatch"
    view = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"])).json()
    assert next(t for t in view["tasks"] if t["item"] == "death_cert_normal")["status"] != "completed"
    # the same name written with a space still matches, and settles the certificate
    spaced = body["deceased"]["name"][0] + " " + body["deceased"]["name"][1:]
    ok = push(api, creds, "health", **record(body, name=spaced))
    assert ok.status_code == 201, ok.text
    assert ok.json()["cases_updated"] == [data["case_no"]] and ok.json()["created"] is True
