"""POST /api/v1/cases and GET /api/v1/cases/{case_no} through the real application, on both databases."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import func, select

from api import clock  # China's date (Asia/Shanghai), as the API sees it
from api.catalog.loader import get_catalog
from tests.api.conftest import case_body, db_session, make_id_number


def count_cases() -> int:
    from api.cases.models import Case

    with db_session() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


def submit(api, body=None, **headers):
    return api.post("/api/v1/cases", json=body or case_body(), headers=headers)


def test_submission_creates_one_task_per_item_with_prerequisites(api, catalog):
    r = submit(api)
    assert r.status_code == 201, r.text
    data = r.json()
    assert re.fullmatch(r"SH\d{14}", data["case_no"])
    assert len(data["access_token"]) >= 32
    tasks = {t["item"]: t for t in data["tasks"]}
    # the death certificate is added as a prerequisite of everything else
    assert "death_cert_normal" in tasks
    assert set(tasks) >= {
        "hukou_cancel",
        "social_insurance_suspend",
        "survivor_benefits",
        "medical_account_withdraw",
    }
    assert "medical_insurance_cancel" in tasks  # prerequisite of the medical account
    for t in tasks.values():
        assert {"item", "department", "status", "due_date", "result"} <= t.keys()
        assert t["department"] == catalog.items[t["item"]].department
    assert tasks["death_cert_normal"]["status"] == "ready"
    assert tasks["death_cert_normal"]["due_date"] is not None
    assert tasks["hukou_cancel"]["status"] == "waiting" and tasks["hukou_cancel"]["due_date"] is None
    assert tasks["survivor_benefits"]["waits_for"] == ["death_cert_normal", "social_insurance_suspend"]
    statuses = {i["key"]: i["status"] for i in data["checklist"]["items"]}
    assert statuses["medical_insurance_cancel"] == "added_prerequisite"
    assert data["checklist"]["materials"] and data["checklist"]["estimate"]["together_days"] >= 1


def test_released_tasks_have_outbox_events_in_the_same_transaction(api):
    from api.cases.models import Case
    from api.outbox.service import OutboxEvent

    data = submit(api).json()
    with db_session() as s:
        case = s.scalar(select(Case).where(Case.case_no == data["case_no"]))
        ready = {t.id for t in case.tasks if t.status == "ready"}
        events = s.scalars(select(OutboxEvent)).all()
        with_task = {getattr(e, "task_id", None) for e in events}
    assert ready and ready <= with_task


def test_progress_for_the_applicant_is_masked(api, creds):
    body = case_body()
    data = submit(api, body).json()
    r = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"]))
    assert r.status_code == 200
    text = r.text
    for secret in (
        body["deceased"]["id_number"],
        body["applicant"]["id_number"],
        body["applicant"]["phone"],
        body["payee_account"].replace(" ", ""),
        body["deceased"]["name"],
        body["applicant"]["name"],
    ):
        assert secret not in text
    got = r.json()
    assert got["deceased"]["id_number"].endswith(body["deceased"]["id_number"][-4:])
    assert "*" in got["applicant"]["phone"]
    relationship = body["applicant"]["relationship"]
    assert got["applicant"]["relationship_text"] == get_catalog().value_label("relationship", relationship)
    assert got["applicant"]["relationship_text"] != relationship
    assert got["notifications"] and "*" in got["notifications"][0]["recipient"]
    for t in got["tasks"]:
        assert {
            "item",
            "colloquial_name",
            "department",
            "status",
            "due_date",
            "overdue",
            "result",
        } <= t.keys()
    # the readable form with hyphens works as well
    r2 = api.get(f"/api/v1/cases/{data['case_no_readable']}", headers=creds.applicant(data["access_token"]))
    assert r2.status_code == 200


def test_case_number_alone_reveals_nothing(api, creds):
    a = submit(api).json()
    b = submit(api).json()
    missing = "SH20260101000000"
    # without a credential: the same answer for a real and a made-up number
    r_real = api.get(f"/api/v1/cases/{a['case_no']}")
    r_fake = api.get(f"/api/v1/cases/{missing}")
    assert r_real.status_code == r_fake.status_code == 401
    assert r_real.json() == r_fake.json()
    # another case's token: looks exactly like a missing case
    r_other = api.get(f"/api/v1/cases/{a['case_no']}", headers=creds.applicant(b["access_token"]))
    r_none = api.get(f"/api/v1/cases/{missing}", headers=creds.applicant(b["access_token"]))
    assert r_other.status_code == r_none.status_code
    assert r_other.json()["message"] == r_none.json()["message"]
    assert "张" not in r_other.text


def test_staff_can_read_any_case(api, creds):
    data = submit(api).json()
    for role in ("window_staff", "hotline_staff", "admin"):
        r = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.staff(role))
        assert r.status_code == 200, (role, r.text)


def test_idempotency_same_key_same_body_replays(api):
    body = case_body()
    first = submit(api, body, **{"Idempotency-Key": "retry-" + body["deceased"]["id_number"]})
    again = submit(api, body, **{"Idempotency-Key": "retry-" + body["deceased"]["id_number"]})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()


def test_idempotency_same_key_different_body_is_refused(api):
    body = case_body()
    key = "k-" + body["deceased"]["id_number"]
    assert submit(api, body, **{"Idempotency-Key": key}).status_code == 201
    before = count_cases()
    other = case_body()
    r = submit(api, other, **{"Idempotency-Key": key})
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused" and "Idempotency-Key" in r.json()["message"]
    assert count_cases() == before


def test_second_open_case_for_the_same_deceased_is_refused(api):
    body = case_body()
    assert submit(api, body).status_code == 201
    before = count_cases()
    other_applicant = case_body(deceased=body["deceased"])
    r = submit(api, other_applicant)
    assert r.status_code == 409
    assert r.json()["code"] == "case_exists" and "不需要重复提交" in r.json()["message"]
    assert "case_no" not in r.text  # someone else's case number is not handed out
    same_applicant = submit(api, body)
    assert same_applicant.status_code == 409 and "案件号" in same_applicant.json()["message"]
    assert count_cases() == before


def _expect_422(api, body, *fragments):
    before = count_cases()
    r = submit(api, body)
    assert r.status_code == 422, r.text
    message = r.json()["message"]
    for f in fragments:
        assert f in message, message
    assert count_cases() == before
    return r.json()


def test_id_number_check_digit(api):
    body = case_body()
    good = body["deceased"]["id_number"]
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    body["deceased"]["id_number"] = bad
    _expect_422(api, body, "校验位")


def test_id_number_birth_date_must_be_real(api):
    body = case_body()
    first17 = "52010219410230123"  # 30 February
    from api.identity import check_digit

    body["deceased"]["id_number"] = first17 + check_digit(first17)
    _expect_422(api, body, "出生日期")


def test_death_date_not_in_future(api):
    body = case_body(deceased={"death_date": (clock.today() + dt.timedelta(days=3)).isoformat()})
    _expect_422(api, body, "去世日期")


def test_death_not_before_birth(api):
    body = case_body(deceased={"id_number": make_id_number(dt.date(2001, 1, 1)), "death_date": "2000-06-01"})
    _expect_422(api, body, "出生日期")


def test_applicant_is_not_the_deceased(api):
    body = case_body()
    body["applicant"]["id_number"] = body["deceased"]["id_number"]
    _expect_422(api, body, "申请人和逝者")


def test_phone_format(api):
    _expect_422(api, case_body(applicant={"phone": "12345"}), "手机号")


def test_relationship_not_allowed_for_item(api):
    # a grandchild's partner (other_heir) cannot claim survivor benefits: close relatives only
    body = case_body(applicant={"relationship": "other_heir"}, items=["survivor_benefits"])
    err = _expect_422(api, body, "领丧葬补助金和抚恤金")
    assert err["code"] == "items_ineligible"
    assert err["details"]["ineligible"][0]["item"] == "survivor_benefits"


def test_missing_situation_fields_are_named(api):
    body = case_body(items=["housing_fund_withdraw"])
    err = _expect_422(api, body, "公积金")
    assert err["code"] == "situation_incomplete"
    assert "has_housing_fund" in err["details"]["missing_fields"]


def test_unknown_fields_are_refused(api):
    body = case_body()
    body["status"] = "completed"
    _expect_422(api, body, "status")
    body = case_body()
    body["situation"]["death_record_shared"] = True  # only shared data may set this
    _expect_422(api, body, "共享")


def test_unknown_item_and_empty_items(api):
    _expect_422(api, case_body(items=["flying_car"]), "flying_car")
    _expect_422(api, case_body(items=[]), "至少")


def test_payout_needs_an_account(api):
    body = case_body(payee_account=None)
    _expect_422(api, body, "收款")


def test_items_null_means_every_eligible_item(api, catalog):
    body = case_body(items=None)
    body["situation"].update(
        {
            "driving_license_gz": False,
            "has_housing_fund": False,
            "deposits": "none",
            "has_equity": "no",
            "receives_assistance": False,
        }
    )
    r = submit(api, body)
    assert r.status_code == 201, r.text
    keys = {t["item"] for t in r.json()["tasks"]}
    assert "hukou_cancel" in keys and "housing_fund_withdraw" not in keys
    assert "death_cert_abnormal" not in keys


def test_invalid_json_and_wrong_types_are_chinese(api):
    r = api.post("/api/v1/cases", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["message"]
    r = api.post("/api/v1/cases", json={"deceased": "x"})
    assert r.status_code == 422
    assert re.search(r"[\u4e00-\u9fff]", json.dumps(r.json(), ensure_ascii=False))


def test_reading_a_case_is_audited_without_personal_data(api, creds):
    from api.security.models import AuditLog

    body = case_body()
    data = submit(api, body).json()
    api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.staff("hotline_staff", "s002"))
    from api.cases.models import Case

    with db_session() as s:
        case_id = s.scalar(select(Case.id).where(Case.case_no == data["case_no"]))
        rows = s.scalars(
            select(AuditLog).where(AuditLog.object_type == "case", AuditLog.object_id == str(case_id))
        ).all()
        reads = [r for r in rows if r.action == "read" and r.role == "hotline_staff"]
        assert reads and reads[0].staff_id == "s002"
        dumped = " ".join(str(vars(r)) for r in rows)
    assert body["deceased"]["id_number"] not in dumped and body["applicant"]["phone"] not in dumped


def test_personal_data_is_encrypted_at_rest(api):
    from api.cases.models import Case

    body = case_body()
    data = submit(api, body).json()
    with db_session() as s:
        case = s.scalar(select(Case).where(Case.case_no == data["case_no"]))
        stored = " ".join(str(v) for v in vars(case).values())
        assert case.access_token_hash != data["access_token"]
    for secret in (body["deceased"]["id_number"], body["applicant"]["phone"], data["access_token"]):
        assert secret not in stored


def test_sms_log_lines_are_masked(api, caplog):
    body = case_body()
    with caplog.at_level("INFO", logger="api.sms"):
        assert submit(api, body).status_code == 201
    assert "SMS" in caplog.text
    assert body["applicant"]["phone"] not in caplog.text


def test_concurrent_key_reuse_with_different_bodies(app):
    from tests.api.test_concurrency import run_together

    bodies = [case_body() for _ in range(8)]
    responses = run_together(
        app,
        8,
        lambda c, i: c.post("/api/v1/cases", json=bodies[i], headers={"Idempotency-Key": f"k{id(bodies)}"}),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [422] * 7, [r.text for r in responses]


def test_case_for_access_token(api):
    from api.cases.service import case_for_access_token

    data = submit(api).json()
    with db_session() as s:
        assert case_for_access_token(s, data["case_no"], data["access_token"]).case_no == data["case_no"]
        assert case_for_access_token(s, data["case_no_readable"], data["access_token"]) is not None
        assert case_for_access_token(s, None, data["access_token"]).case_no == data["case_no"]
        assert case_for_access_token(s, data["case_no"], data["access_token"] + "x") is None
        assert case_for_access_token(s, "SH20260101000000", data["access_token"]) is None
        assert case_for_access_token(s, data["case_no"], "") is None


def test_case_numbers_catch_typos():
    from api.cases.numbers import new_case_no, normalize_case_no, readable

    n = new_case_no(dt.date(2026, 11, 29))
    assert normalize_case_no(readable(n).lower()) == n
    assert normalize_case_no(" ".join(readable(n).split("-"))) == n
    for i in range(2, len(n)):
        for d in "0123456789":
            if d != n[i]:
                assert normalize_case_no(n[:i] + d + n[i + 1 :]) is None  # any single wrong digit
    for i in range(2, len(n) - 1):
        if n[i] != n[i + 1]:
            assert normalize_case_no(n[:i] + n[i + 1] + n[i] + n[i + 2 :]) is None  # neighbours swapped


def test_lookups_by_case_number_are_rate_limited_but_not_for_staff(api, creds):
    data = submit(api).json()
    url = f"/api/v1/cases/{data['case_no']}"
    for _ in range(35):
        assert api.get(url, headers=creds.staff("hotline_staff")).status_code == 200
    codes = [api.get(url, headers=creds.applicant("guess-" + "x" * 30)).status_code for _ in range(35)]
    assert codes[0] == 401 and codes[-1] == 429
    r = api.get(url, headers=creds.applicant("guess-" + "y" * 30))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "秒后再试" in r.json()["message"]
    # the family itself is not locked out by someone else's guesses (issue 7)
    assert api.get(url, headers=creds.applicant(data["access_token"])).status_code == 200
