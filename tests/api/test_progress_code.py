"""Following a case with what an elderly person can keep (issue 11 item 2), on both databases: the
short progress code given at submission (stored only as a keyed hash, in the SMS, exchanged for the
progress and a short-lived token), the applicant's phone with a one-time SMS code (the fake SMS
adapter's outbox), rate limits that slow guessing without locking the family out, masking."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.cases.progress_code import ALPHABET, new_session_token, session_case_id
from api.notify import sms
from tests.api.conftest import case_body, db_session

CODE_RE = re.compile(rf"[{ALPHABET}]{{6}}")


@pytest.fixture(autouse=True)
def _fake_sms(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SMS_ADAPTER", raising=False)
    sms.reset_sms_adapter()
    yield
    sms.reset_sms_adapter()


def submit(api, **overrides):
    body = case_body(**overrides)
    r = api.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return body, r.json()


def sms_code_for(phone: str) -> str:
    last = sms.last_message_to(phone)
    assert last is not None
    return re.search(r"验证码是 (\d{6})", last.text).group(1)


def test_submission_gives_a_short_code_shown_once_and_stored_only_as_a_hash(api):
    from api.cases.models import Case, IdempotencyRecord

    body = case_body()
    r = api.post(
        "/api/v1/cases",
        json=body,
        headers={"Idempotency-Key": "progress-code-once-" + body["applicant"]["phone"]},
    )
    data = r.json()
    code = data["progress_code"]
    assert CODE_RE.fullmatch(code)
    assert {"case_no", "access_token", "tasks"} <= data.keys()  # the fixed interface is kept
    assert code in data["message"] and data["case_no_readable"] in data["message"]
    # the applicant's SMS carries the case number and the code
    last = sms.last_message_to(body["applicant"]["phone"])
    assert last is not None and code in last.text and data["case_no_readable"] in last.text
    with db_session() as s:
        case = s.scalar(select(Case).where(Case.case_no == data["case_no"]))
        assert case.progress_code_hash and code not in case.progress_code_hash
        assert all(code not in n.message and "******" in n.message for n in case.notifications)
        rec = s.scalar(select(IdempotencyRecord).where(IdempotencyRecord.case_id == case.id))
        assert code not in str(rec.response)
    # a retry with the same Idempotency-Key gets the same code back
    again = api.post(
        "/api/v1/cases",
        json=body,
        headers={"Idempotency-Key": "progress-code-once-" + body["applicant"]["phone"]},
    )
    assert again.json()["progress_code"] == code and code in again.json()["message"]


def test_case_number_and_code_give_the_progress_and_a_short_lived_token(api):
    body, data = submit(api)
    typed = " ".join(data["progress_code"].lower()[i : i + 3] for i in (0, 3))  # "4k7 p2m"
    r = api.post(f"/api/v1/cases/{data['case_no_readable'].lower()}/progress-code", json={"code": typed})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["case_no"] == data["case_no"] and out["expires_in"] == 30 * 60
    assert [t["item"] for t in out["case"]["tasks"]] == [t["item"] for t in data["tasks"]]
    # the same view as GET /cases/{no} with the long token, personal data masked
    full = api.get(
        f"/api/v1/cases/{data['case_no']}", headers={"Authorization": f"Bearer {data['access_token']}"}
    )
    assert out["case"]["applicant"] == full.json()["applicant"]
    for secret in (body["applicant"]["phone"], body["applicant"]["id_number"], body["deceased"]["id_number"]):
        assert secret not in r.text
    # the short-lived token reads the case (and only this case)
    bearer = {"Authorization": f"Bearer {out['access_token']}"}
    assert api.get(f"/api/v1/cases/{data['case_no']}", headers=bearer).status_code == 200
    _, other = submit(api)
    assert api.get(f"/api/v1/cases/{other['case_no']}", headers=bearer).status_code == 404


def test_wrong_codes_are_refused(api):
    _, data = submit(api)
    _, other = submit(api)
    url = f"/api/v1/cases/{data['case_no']}/progress-code"
    r = api.post(url, json={"code": other["progress_code"]})
    assert r.status_code == 404 and r.json()["code"] == "wrong_progress_code"
    assert "查询码" in r.json()["message"]
    bad = api.post(url, json={"code": "10OI"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_progress_code"
    unknown = api.post("/api/v1/cases/SH20261129-00000-0/progress-code", json={"code": data["progress_code"]})
    assert unknown.status_code == 404 and unknown.json()["message"] == r.json()["message"]


def test_a_progress_session_expires_and_cannot_be_forged(api):
    _, data = submit(api)
    r = api.post(f"/api/v1/cases/{data['case_no']}/progress-code", json={"code": data["progress_code"]})
    token = r.json()["access_token"]
    case_id = session_case_id(token)
    assert case_id is not None
    expired, exp = new_session_token(case_id, now=dt.datetime.now().timestamp() - 3600)
    assert session_case_id(expired) is None
    assert (
        api.get(
            f"/api/v1/cases/{data['case_no']}", headers={"Authorization": f"Bearer {expired}"}
        ).status_code
        == 401
    )
    forged = f"ps1.{case_id}.{exp + 10**6}.{'0' * 64}"
    assert (
        api.get(f"/api/v1/cases/{data['case_no']}", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


def test_guessing_is_limited_per_case_and_per_client_without_locking_the_family_out(app, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PROGRESS_CODE_CASE", "3/hour")
    monkeypatch.setenv("RATE_LIMIT_PROGRESS_CODE_CLIENT", "100/hour")
    family = TestClient(app, client=("10.0.0.1", 1))
    body, data = submit(family)
    url = f"/api/v1/cases/{data['case_no']}/progress-code"
    wrong = "22222" + ("3" if data["progress_code"] != "222223" else "4")
    for n in range(3):  # from three addresses: the case's own budget
        guesser = TestClient(app, client=(f"10.9.9.{n}", 1))
        assert guesser.post(url, json={"code": wrong}).status_code == 404
    # hyphen/case variants of the number share the counter
    variant = f"/api/v1/cases/{data['case_no_readable'].lower()}/progress-code"
    locked = family.post(variant, json={"code": data["progress_code"]})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "手机号" in locked.json()["message"] and "查询链接" in locked.json()["message"]
    # the family still has the link (long token) and the phone route
    bearer = {"Authorization": f"Bearer {data['access_token']}"}
    assert family.get(f"/api/v1/cases/{data['case_no']}", headers=bearer).status_code == 200
    phone = body["applicant"]["phone"]
    assert family.post("/api/v1/progress/phone-code", json={"phone": phone}).status_code == 202
    verify = {"phone": phone, "code": sms_code_for(phone)}
    assert family.post("/api/v1/progress/phone-code/verify", json=verify).status_code == 200
    # a successful exchange is free: other cases are unaffected
    _, second = submit(family)
    for _ in range(5):
        ok = family.post(
            f"/api/v1/cases/{second['case_no']}/progress-code", json={"code": second["progress_code"]}
        )
        assert ok.status_code == 200


def test_one_client_guessing_across_cases_is_limited(app, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PROGRESS_CODE_CLIENT", "2 per 15 minutes")
    family = TestClient(app, client=("10.0.1.1", 1))
    _, a = submit(family)
    _, b = submit(family)
    guesser = TestClient(app, client=("10.0.1.2", 1))
    for case in (a, b):
        assert (
            guesser.post(
                f"/api/v1/cases/{case['case_no']}/progress-code", json={"code": "ZZZZZZ"}
            ).status_code
            == 404
        )
    third = guesser.post(f"/api/v1/cases/{a['case_no']}/progress-code", json={"code": a["progress_code"]})
    assert third.status_code == 429
    assert (
        family.post(
            f"/api/v1/cases/{a['case_no']}/progress-code", json={"code": a["progress_code"]}
        ).status_code
        == 200
    )


def test_phone_and_sms_code_list_that_phones_cases(api, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    body, first = submit(api)
    phone = body["applicant"]["phone"]
    _, second = submit(api, applicant={"phone": phone})
    r = api.post("/api/v1/progress/phone-code", json={"phone": f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"})
    assert (
        r.status_code == 202 and phone not in r.text and r.json()["phone"] == phone[:3] + "****" + phone[7:]
    )
    code = sms_code_for(phone)
    wrong = api.post(
        "/api/v1/progress/phone-code/verify", json={"phone": phone, "code": f"{(int(code) + 1) % 10**6:06d}"}
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "wrong_sms_code"
    ok = api.post("/api/v1/progress/phone-code/verify", json={"phone": phone, "code": code})
    assert ok.status_code == 200, ok.text
    cases = ok.json()["cases"]
    assert {c["case_no"] for c in cases} == {first["case_no"], second["case_no"]}
    assert all(c["case"]["tasks"] for c in cases)
    assert phone not in ok.text and body["applicant"]["id_number"] not in ok.text
    bearer = {"Authorization": f"Bearer {cases[0]['access_token']}"}
    assert api.get(f"/api/v1/cases/{cases[0]['case_no']}", headers=bearer).status_code == 200
    # single use
    again = api.post("/api/v1/progress/phone-code/verify", json={"phone": phone, "code": code})
    assert again.status_code == 401
    # nothing in the log lines: no phone, no code, no progress code
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    for secret in (phone, code, first["progress_code"], second["progress_code"], first["access_token"]):
        assert secret not in logged
    assert "SMS recorded via fake" in logged


def test_sms_codes_expire_and_burn_after_too_many_wrong_answers(api, monkeypatch):
    from api.progress.models import PhoneCode

    monkeypatch.setenv("PHONE_CODE_ATTEMPTS", "2")
    body, _ = submit(api)
    phone = body["applicant"]["phone"]
    api.post("/api/v1/progress/phone-code", json={"phone": phone})
    code = sms_code_for(phone)
    with db_session() as s:
        s.execute(update(PhoneCode).values(expires_at=dt.datetime(2000, 1, 1)))
        s.commit()
    assert (
        api.post("/api/v1/progress/phone-code/verify", json={"phone": phone, "code": code}).status_code == 401
    )
    # a new code replaces it; two wrong answers burn it
    api.post("/api/v1/progress/phone-code", json={"phone": phone})
    code = sms_code_for(phone)
    wrong = f"{(int(code) + 7) % 10**6:06d}"
    for _ in range(2):
        assert (
            api.post("/api/v1/progress/phone-code/verify", json={"phone": phone, "code": wrong}).status_code
            == 401
        )
    assert (
        api.post("/api/v1/progress/phone-code/verify", json={"phone": phone, "code": code}).status_code == 401
    )
    with db_session() as s:
        assert all(c.used_at is not None for c in s.scalars(select(PhoneCode)))
        assert all(
            phone not in c.phone_hash and code not in c.code_hash for c in s.scalars(select(PhoneCode))
        )


def test_a_phone_without_a_case_gets_the_same_answer_and_no_sms(api):
    phone = "13700000" + "123"
    sms.clear_outbox()
    r = api.post("/api/v1/progress/phone-code", json={"phone": phone})
    assert r.status_code == 202 and "如果这个手机号提交过申请" in r.json()["message"]
    assert sms.last_message_to(phone) is None
    assert api.post("/api/v1/progress/phone-code", json={"phone": "12345"}).status_code == 422


def test_sending_codes_is_limited_per_phone(app, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PHONE_CODE_SEND_PHONE", "2/hour")
    client = TestClient(app, client=("10.0.2.1", 1))
    body, _ = submit(client)
    phone = body["applicant"]["phone"]
    for n in range(2):
        assert (
            TestClient(app, client=(f"10.0.2.{n + 5}", 1))
            .post("/api/v1/progress/phone-code", json={"phone": phone})
            .status_code
            == 202
        )
    r = client.post("/api/v1/progress/phone-code", json={"phone": phone})
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_verifying_is_limited_per_phone(app, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PHONE_CODE_VERIFY_PHONE", "2/hour")
    monkeypatch.setenv("PHONE_CODE_ATTEMPTS", "10")
    client = TestClient(app, client=("10.0.3.1", 1))
    body, _ = submit(client)
    phone = body["applicant"]["phone"]
    client.post("/api/v1/progress/phone-code", json={"phone": phone})
    code = sms_code_for(phone)
    wrong = f"{(int(code) + 3) % 10**6:06d}"
    for n in range(2):
        g = TestClient(app, client=(f"10.0.3.{n + 5}", 1))
        assert (
            g.post("/api/v1/progress/phone-code/verify", json={"phone": phone, "code": wrong}).status_code
            == 401
        )
    assert (
        client.post("/api/v1/progress/phone-code/verify", json={"phone": phone, "code": code}).status_code
        == 429
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("RATE_LIMIT_PROGRESS_CODE_CASE", "ten a day"), ("SMS_ADAPTER", "pigeon"), ("SMS_ADAPTER", "http")],
)
def test_a_malformed_setting_refuses_to_start(sqlite_url, monkeypatch, name, value):
    from tests.api.conftest import build_app

    monkeypatch.setenv(name, value)
    monkeypatch.delenv("SMS_GATEWAY_URL", raising=False)
    sms.reset_sms_adapter()
    with pytest.raises(Exception, match=name.split("_")[0]), TestClient(build_app(sqlite_url)):
        pass


def test_concurrent_right_answers_use_an_sms_code_once(app):
    from concurrent.futures import ThreadPoolExecutor

    client = TestClient(app, client=("10.0.4.1", 1))
    body, _ = submit(client)
    phone = body["applicant"]["phone"]
    client.post("/api/v1/progress/phone-code", json={"phone": phone})
    code = sms_code_for(phone)

    def verify(n: int) -> int:
        c = TestClient(app, client=(f"10.0.4.{n + 10}", 1))
        return c.post("/api/v1/progress/phone-code/verify", json={"phone": phone, "code": code}).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(verify, range(4)))
    assert codes.count(200) == 1 and set(codes) <= {200, 401}, codes
