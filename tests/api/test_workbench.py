"""Department workbench (signed-in clerks) and delivery of results (证照送达), through HTTP on both
databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from api.checklist.calendar import add_working_days
from api.security.models import AuditLog
from api.workbench.service import working_days_left
from tests.api.conftest import case_body, db_session
from tests.api.staff_helpers import signed_in
from tests.api.test_tasks import act, dept_task, new_case, progress

ADDRESS = "贵州省贵阳市云岩区中华北路 188 号 3 单元"


def queue(api, case_no=None):
    r = api.get("/api/v1/workbench/department/queue", params={"case_no": case_no} if case_no else None)
    assert r.status_code == 200, r.text
    return r.json()


def card_of(api, case_no, item):
    return next(t for t in queue(api, case_no)["tasks"] if t["case_no"] == case_no and t["item"] == item)


def post(api, csrf, path, body, expect=200):
    r = api.post(path, json=body, headers=csrf)
    assert r.status_code == expect, r.text
    return r.json()


def test_working_days_countdown_uses_china_calendar():
    # 2026-10-01 (National Day) is a holiday: from 2026-09-30 the next working day is after the break
    assert working_days_left(dt.date(2026, 9, 30), dt.date(2026, 9, 30)) == 0
    due = add_working_days(dt.date(2026, 9, 30), 1)
    assert due > dt.date(2026, 10, 7) and working_days_left(due, dt.date(2026, 9, 30)) == 1
    assert working_days_left(dt.date(2026, 11, 27), dt.date(2026, 11, 30)) == -1  # Fri due, Mon today


def test_queue_is_own_department_ordered_by_due_date_with_countdown(api, creds):
    csrf = signed_in(api, "department", "health")
    cases = [new_case(api) for _ in range(2)]
    # make the first case's task overdue and the second one due later
    from api.tasks.models import Task

    ids = [dept_task(api, creds, c["case_no"], "death_cert_normal", "health")["id"] for c in cases]
    with db_session() as s:
        t0, t1 = (s.get(Task, i) for i in ids)
        t0.due_date = dt.date(2026, 1, 5)
        t1.due_date = dt.date(2099, 1, 5)
        s.commit()
    q = queue(api)
    assert q["department"] == "health" and all(t["department"] == "health" for t in q["tasks"])
    dues = [t["due_date"] for t in q["tasks"] if t["due_date"]]
    assert dues == sorted(dues)
    # the queue holds at most 200 tasks (earlier tests fill it): the two cases are looked up by number
    mine = {t["id"]: t for c in cases for t in queue(api, c["case_no"])["tasks"]}
    assert mine[ids[0]]["overdue"] and mine[ids[0]]["countdown"].startswith("已超期")
    assert mine[ids[1]]["countdown"].startswith("还剩")
    # personal data masked, result fields from the catalog
    card = mine[ids[1]]
    assert "*" in card["particulars"]["deceased_id"] and "*" in card["particulars"]["applicant_phone"]
    assert [f["key"] for f in card["result_fields"]] == ["certificate_no"]
    assert csrf


def test_only_own_tasks_and_clerk_equals_department_key(api, creds):
    case = new_case(api)
    task = dept_task(api, creds, case["case_no"], "death_cert_normal", "health")
    csrf = signed_in(api, "department", "hrss")
    assert all(t["case_no"] != case["case_no"] or t["department"] == "hrss" for t in queue(api)["tasks"])
    for path, body in (
        ("accept", {"version": task["version"]}),
        ("reveal", {"field": "deceased_id"}),
        ("reject", {"version": task["version"], "reason": "不是本部门"}),
    ):
        r = api.post(f"/api/v1/workbench/tasks/{task['id']}/{path}", json=body, headers=csrf)
        assert r.status_code == 404 and r.json()["code"] == "task_not_found"
    # other staff roles cannot use the department workbench at all
    csrf = signed_in(api, "window_staff")
    r = api.post(f"/api/v1/workbench/tasks/{task['id']}/accept", json={"version": 1}, headers=csrf)
    assert r.status_code == 403


def test_accept_and_complete_with_result_fields(api, creds):
    case = new_case(api, delivery={"method": "electronic"})
    csrf = signed_in(api, "department", "health")
    t = card_of(api, case["case_no"], "death_cert_normal")
    base = f"/api/v1/workbench/tasks/{t['id']}"
    t = post(api, csrf, base + "/accept", {"version": t["version"]})
    assert t["status"] == "accepted" and t["staff_id"].startswith("t-depart")
    # the result fields are checked against the catalog
    err = post(api, csrf, base + "/complete", {"version": t["version"], "result": {}}, expect=422)
    assert "死亡医学证明编号" in err["message"]
    err = post(api, csrf, base + "/complete", {"version": t["version"], "result": {"x": 1}}, expect=422)
    assert err["code"] == "unknown_result_field"
    t = post(
        api, csrf, base + "/complete", {"version": t["version"], "result": {"certificate_no": "GZ-SW-2026-7"}}
    )
    assert t["status"] == "completed" and t["result"] == {"certificate_no": "GZ-SW-2026-7"}
    assert all(x["id"] != t["id"] for x in queue(api)["tasks"])  # nothing to mail: it leaves the queue
    # the same transition table: a completed task cannot be accepted again
    err = post(api, csrf, base + "/accept", {"version": t["version"]}, expect=409)
    assert err["code"] == "illegal_transition"
    # the family sees the result document on its progress
    view = progress(api, creds, case)
    done = next(x for x in view["tasks"] if x["item"] == "death_cert_normal")
    d = done["delivery"]
    assert d["status"] == "issued" and d["document_no"] == f"{case['case_no_readable']}-{t['id']}"
    assert d["result_lines"] == [
        {"key": "certificate_no", "label": "死亡医学证明编号", "value": "GZ-SW-2026-7"}
    ]
    assert "卫生健康" in d["issuing_department"] or d["issuing_department"]
    pdf = api.get(d["document_path"], headers=creds.applicant(case["access_token"]))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    # another family cannot download it
    other = new_case(api)
    r = api.get(d["document_path"], headers=creds.applicant(other["access_token"]))
    assert r.status_code == 404
    # the family confirms receipt
    r = api.post(
        f"/api/v1/cases/{case['case_no']}/tasks/death_cert_normal/receipt",
        headers=creds.applicant(case["access_token"]),
    )
    assert r.status_code == 200 and r.json()["status"] == "received"


def test_amount_and_yes_no_fields_are_parsed(api, creds):
    from api.workbench.service import check_result

    assert check_result("medical_account_withdraw", {"amount_paid": "3,250.75", "paid_on": "2026-01-05"}) == {
        "amount_paid": 3250.75,
        "paid_on": "2026-01-05",
    }
    assert check_result("will_notary_check", {"notarised_will_found": "否"}) == {
        "notarised_will_found": False
    }
    import pytest

    from api.errors import ApiError

    with pytest.raises(ApiError):
        check_result("medical_account_withdraw", {"amount_paid": "很多", "paid_on": "2026-01-05"})
    with pytest.raises(ApiError):
        check_result("funeral_subsidy", {"outcome": "别的", "amount_paid": "1"})


def test_supplement_and_reject_go_through_the_lifecycle(api, creds):
    case = new_case(api)
    csrf = signed_in(api, "department", "health")
    t = card_of(api, case["case_no"], "death_cert_normal")
    base = f"/api/v1/workbench/tasks/{t['id']}"
    err = post(
        api,
        csrf,
        base + "/supplement",
        {"version": t["version"], "materials": ["nope"], "reason": "看不清"},
        422,
    )
    assert err["code"] == "unknown_material"
    mat = t["supplement_choices"][0]["key"] if t["supplement_choices"] else "deceased_id_card"
    t = post(
        api, csrf, base + "/supplement", {"version": t["version"], "materials": [mat], "reason": "照片看不清"}
    )
    assert t["status"] == "supplement_requested" and "请补充" in t["note"] and "照片看不清" in t["note"]
    # the family resubmits (existing applicant route), the clerk rejects with a reason
    r = api.post(
        f"/api/v1/cases/{case['case_no']}/tasks/death_cert_normal/resubmit",
        json={"note": "已补交"},
        headers=creds.applicant(case["access_token"]),
    )
    assert r.status_code == 200, r.text
    t = card_of(api, case["case_no"], "death_cert_normal")
    err = post(api, csrf, base + "/reject", {"version": t["version"], "reason": ""}, 422)
    t = post(
        api,
        csrf,
        base + "/reject",
        {"version": t["version"], "reason": "死亡地点不在本辖区，请到所在地卫健部门"},
    )
    assert t["status"] == "rejected"
    view = progress(api, creds, case)
    assert next(x for x in view["tasks"] if x["item"] == "death_cert_normal")["delivery"] is None


def test_reveal_is_explicit_and_audited(api, creds):
    case = new_case(api)
    csrf = signed_in(api, "department", "health")
    t = card_of(api, case["case_no"], "death_cert_normal")
    body = case_body()  # not the same person: read the real one back through the reveal
    r = post(api, csrf, f"/api/v1/workbench/tasks/{t['id']}/reveal", {"field": "deceased_id"})
    assert len(r["value"]) == 18 and "*" not in r["value"] and r["value"] != body["deceased"]["id_number"]
    # the payee account is not needed for a death certificate
    err = post(api, csrf, f"/api/v1/workbench/tasks/{t['id']}/reveal", {"field": "payee_account"}, 403)
    assert err["code"] == "not_needed"
    with db_session() as s:
        rows = s.scalars(
            select(AuditLog).where(
                AuditLog.object_id == str(t["id"]), AuditLog.action == "reveal_deceased_id"
            )
        ).all()
    assert len(rows) == 1 and rows[0].department == "health" and rows[0].staff_id.startswith("t-depart")


def test_mailing_and_receipt(api, creds):
    case = new_case(api, delivery={"method": "mail", "address": ADDRESS})
    view = progress(api, creds, case)
    assert view["delivery"]["method"] == "mail" and ADDRESS not in str(view)
    assert view["delivery"]["address"].endswith("****")
    csrf = signed_in(api, "department", "health")
    t = card_of(api, case["case_no"], "death_cert_normal")
    base = f"/api/v1/workbench/tasks/{t['id']}"
    r = post(api, csrf, base + "/reveal", {"field": "delivery_address"})
    assert r["value"] == ADDRESS
    t = post(api, csrf, base + "/accept", {"version": t["version"]})
    t = post(api, csrf, base + "/complete", {"version": t["version"], "result": {"certificate_no": "GZ-1"}})
    assert t["delivery"]["status"] == "to_mail"
    # still in the queue until mailed
    assert card_of(api, case["case_no"], "death_cert_normal")["delivery"]["status"] == "to_mail"
    # the family cannot confirm before it is posted
    receipt = f"/api/v1/cases/{case['case_no']}/tasks/death_cert_normal/receipt"
    r = api.post(receipt, headers=creds.applicant(case["access_token"]))
    assert r.status_code == 409 and r.json()["code"] == "not_mailed_yet"
    d = post(api, csrf, base + "/mailing", {"carrier": "中国邮政 EMS", "tracking_no": "EA123456789CN"})
    assert d["status"] == "mailed" and d["tracking_no"] == "EA123456789CN"
    assert all(x["id"] != t["id"] for x in queue(api)["tasks"])
    view = progress(api, creds, case)
    mine = next(x for x in view["tasks"] if x["item"] == "death_cert_normal")["delivery"]
    assert mine["tracking_no"] == "EA123456789CN" and mine["status"] == "mailed"
    assert any("EA123456789CN" in n["message"] for n in view["notifications"])
    r = api.post(receipt, headers=creds.applicant(case["access_token"]))
    assert r.status_code == 200 and r.json()["status"] == "received"
    # nothing to mail for an item without a paper original
    r = api.post(
        receipt.replace("death_cert_normal", "hukou_cancel"), headers=creds.applicant(case["access_token"])
    )
    assert r.status_code == 409


def test_delivery_choice_is_checked_and_encrypted(api):
    r = api.post("/api/v1/cases", json=case_body(delivery={"method": "mail"}))
    assert r.status_code == 422 and "邮寄地址" in r.json()["message"]
    r = api.post("/api/v1/cases", json=case_body(delivery={"method": "electronic", "address": ADDRESS}))
    assert r.status_code == 422
    r = api.post("/api/v1/cases", json=case_body(delivery={"method": "mail", "address": ADDRESS}))
    assert r.status_code == 201
    from api.delivery.models import DeliveryChoice

    with db_session() as s:
        rows = s.scalars(select(DeliveryChoice.delivery_address_enc)).all()
    assert rows and all(ADDRESS not in (v or "") for v in rows)


def test_machine_api_completion_also_reaches_the_family(api, creds):
    case = new_case(api)
    t = dept_task(api, creds, case["case_no"], "death_cert_normal", "health")
    t = act(api, creds, "health", t, "accept")
    act(api, creds, "health", t, "complete", result={"certificate_no": "X9"})
    done = next(x for x in progress(api, creds, case)["tasks"] if x["item"] == "death_cert_normal")
    assert done["delivery"]["result_lines"][0]["label"] == "死亡医学证明编号"


def test_queue_looks_up_one_case_by_its_number(api, creds):
    case = new_case(api)
    dept_task(api, creds, case["case_no"], "death_cert_normal", "health")
    signed_in(api, "department", "health")
    spaced = case["case_no"].replace("-", " ").lower()  # as a clerk types it from the phone
    assert {t["case_no"] for t in queue(api, spaced)["tasks"]} == {case["case_no"]}
    r = api.get("/api/v1/workbench/department/queue", params={"case_no": "SH123"})
    assert r.status_code == 422 and "案件号" in r.json()["message"]
