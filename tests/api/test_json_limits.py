"""Free-form JSON (a task's result, a case's situation) is bounded in size and depth at validation
time, before anything is committed (issue 7, high: one department request broke a case for good).

A `result` nested 300 levels deep answered 500 *after committing*; from then on the task, the
department's list and the family's case read all answered 500. A 5 MB `result` was stored and
returned on every read.
"""

from __future__ import annotations

import json

import pytest

from api.limits import JsonLimitError, check_json
from tests.api.conftest import case_body
from tests.api.test_cases import count_cases
from tests.api.test_tasks import dept_task, new_case


def nested(depth: int) -> dict:
    value: dict = {"certificate_no": "GZ-1"}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def _reads_still_work(api, creds, case, task_id):
    assert api.get(f"/api/v1/tasks/{task_id}", headers=creds.dept("health")).status_code == 200
    listed = api.get("/api/v1/departments/health/tasks", headers=creds.dept("health"))
    assert listed.status_code == 200, listed.text
    read = api.get(f"/api/v1/cases/{case['case_no']}", headers=creds.applicant(case["access_token"]))
    assert read.status_code == 200, read.text
    return read.json()


def _complete(api, creds, task, result):
    return api.post(
        f"/api/v1/tasks/{task['id']}/transition",
        json={"action": "complete", "version": task["version"], "result": result},
        headers=creds.dept("health"),
    )


@pytest.mark.parametrize("depth", [5, 300])
def test_a_deeply_nested_result_is_refused_before_commit(api, creds, depth):
    case = new_case(api)
    task = dept_task(api, creds, case["case_no"], "death_cert_normal", "health")
    accepted = api.post(
        f"/api/v1/tasks/{task['id']}/transition",
        json={"action": "accept", "version": task["version"]},
        headers=creds.dept("health"),
    ).json()
    r = _complete(api, creds, accepted, nested(depth))
    assert r.status_code == 422, r.text[:500]
    assert "嵌套" in r.json()["message"] and "result" in r.json()["message"]
    after = _reads_still_work(api, creds, case, task["id"])
    t = next(t for t in after["tasks"] if t["item"] == "death_cert_normal")
    assert t["status"] == "accepted" and t["result"] is None  # nothing was committed
    # the same department can still complete it with a normal result
    ok = _complete(api, creds, accepted, nested(3))
    assert ok.status_code == 200, ok.text
    _reads_still_work(api, creds, case, task["id"])


@pytest.mark.parametrize(
    "result",
    [
        {"scan": "x" * 200_000},  # one huge string
        {f"k{i}": "y" * 900 for i in range(40)},  # many short ones: 36 KB
        {"items": list(range(1000))},
    ],
    ids=["long-string", "large-object", "long-list"],
)
def test_a_large_result_is_refused(api, creds, result):
    case = new_case(api)
    task = dept_task(api, creds, case["case_no"], "death_cert_normal", "health")
    accepted = api.post(
        f"/api/v1/tasks/{task['id']}/transition",
        json={"action": "accept", "version": task["version"]},
        headers=creds.dept("health"),
    ).json()
    r = _complete(api, creds, accepted, result)
    assert r.status_code in (413, 422), r.text[:500]
    assert len(r.content) < 2000  # the value is not echoed back
    after = _reads_still_work(api, creds, case, task["id"])
    assert next(t for t in after["tasks"] if t["item"] == "death_cert_normal")["status"] == "accepted"


def test_a_5mb_result_is_refused(api, creds):
    case = new_case(api)
    task = dept_task(api, creds, case["case_no"], "death_cert_normal", "health")
    r = _complete(api, creds, task, {"blob": "z" * 5_000_000})
    assert r.status_code in (413, 422)
    assert len(r.content) < 2000
    read = _reads_still_work(api, creds, case, task["id"])
    assert len(json.dumps(read)) < 100_000


@pytest.mark.parametrize(
    "situation",
    [
        {"death_nature": {"a": {"b": 1}}},
        {"death_place": nested(300)},
        {"death_place": ["hospital"]},
        {"funeral": "c" * 5000},
    ],
    ids=["nested-object", "nested-300", "list", "long-string"],
)
def test_a_nested_or_large_situation_is_a_clean_422(api, situation):
    before = count_cases()
    body = case_body()
    body["situation"].update(situation)
    r = api.post("/api/v1/cases", json=body)
    assert r.status_code == 422, r.text[:500]
    assert "situation" in r.json()["message"]
    assert len(r.content) < 2000
    assert count_cases() == before


def test_check_json_is_iterative_and_exact():
    check_json(nested(4), what="result", max_depth=4, max_bytes=1000)
    with pytest.raises(JsonLimitError, match="最多 4 层"):
        check_json(nested(5), what="result", max_depth=4, max_bytes=1000)
    with pytest.raises(JsonLimitError):
        check_json(nested(50_000), what="result", max_depth=4, max_bytes=1000)  # no RecursionError
    for bad in (float("nan"), float("inf"), 10**20):
        with pytest.raises(JsonLimitError):
            check_json({"amount_paid": bad}, what="result", max_depth=4, max_bytes=1000)
