"""Proactive service (issue 9 item 5): a death record with a family contact and no case → one SMS
invitation, never two (retries, other departments, restarts), none when a case exists, none after an
opt-out, none at night (queued for the morning), and nothing personal in it or in the logs."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from sqlalchemy import func, select

from api.notify import sms
from api.proactive import service
from api.proactive.config import InvitationConfigError, check_template, get_config
from api.proactive.sender import send_now
from tests.api.conftest import case_body, db_session, make_id_number, random_phone

CHINA = dt.timezone(dt.timedelta(hours=8))
DAY = dt.datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)  # Monday 10:00 in China
NIGHT = dt.datetime(2026, 11, 30, 23, 30, tzinfo=CHINA)


@pytest.fixture(autouse=True)
def fake_sms(monkeypatch):
    for name in ("INVITATION_TEMPLATE", "INVITATION_SEND_WINDOW", "INVITATIONS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    fake = sms.FakeSmsAdapter()
    sms.set_sms_adapter(fake)
    yield fake
    sms.reset_sms_adapter()


def record(id_number: str, phone: str | None, kind: str = "death", **extra) -> dict:
    body = {
        "kind": kind,
        "id_number": id_number,
        "name": "王秀英",
        "event_date": "2026-11-28",
        "record_no": "WJ-" + id_number[-6:],
        "death_nature": "normal",
        **extra,
    }
    if phone:
        body["family_phone"] = phone
    return body


def push(api, creds, body, dept="health"):
    r = api.post("/api/v1/death-records", json=body, headers=creds.dept(dept))
    assert r.status_code == 201, r.text
    return r.json()


def to(fake, phone):
    return [m for m in fake.messages if m.to == phone]


def invitations(deceased_id: str):
    from api.proactive.models import Invitation
    from api.security.personal import ID_NUMBER

    with db_session() as s:
        return s.scalars(
            select(Invitation).where(Invitation.deceased_id_hash == ID_NUMBER.hash(deceased_id))
        ).all()


def deceased_id() -> str:
    return make_id_number(dt.date(1940, 5, 1))


def test_invited_once_whatever_is_pushed_again(api, creds, fake_sms, caplog):
    caplog.set_level(logging.INFO)
    did, phone = deceased_id(), random_phone()
    with time_machine.travel(DAY, tick=False):
        out = push(api, creds, record(did, phone))
        assert out["invitation"] == "queued"
        # sent right after the answer (a background task), once
        msgs = to(fake_sms, phone)
        assert len(msgs) == 1
        text = msgs[0].text
        # a retried push, another department's record, a cremation record, a second sender pass
        assert push(api, creds, record(did, phone))["invitation"] == "sent"
        push(api, creds, record(did, phone), dept="public_security")
        push(api, creds, record(did, phone, kind="cremation"), dept="civil_affairs")
        assert send_now() == 0
    assert len(to(fake_sms, phone)) == 1
    rows = invitations(did)
    assert len(rows) == 1 and rows[0].status == "sent" and rows[0].attempts == 1
    # what the family reads: the service, where to start, the hotline, the opt-out link — nobody's data
    assert "一次申请" in text and "12345" in text and re.search(r"/o\?token=[A-Za-z0-9_-]{12}", text)
    for personal in (did, did[-4:], "王秀英", "秀英", "正常死亡", "normal", "死因"):
        assert personal not in text
    # stored and logged masked: no phone, no opt-out token; the number is erased once sent
    token = re.search(r"/o\?token=([A-Za-z0-9_-]+)", text).group(1)
    assert (
        rows[0].contact_phone_enc is None and rows[0].contact_phone_masked == phone[:3] + "****" + phone[-4:]
    )
    assert token not in (rows[0].message or "") and phone not in (rows[0].message or "")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert phone not in logged and token not in logged and did not in logged


def test_no_invitation_when_a_case_exists(api, creds, fake_sms):
    body = case_body()
    did = body["deceased"]["id_number"]
    with time_machine.travel(DAY, tick=False):
        body["deceased"]["death_date"] = "2026-11-28"
        assert api.post("/api/v1/cases", json=body).status_code == 201
        fake_sms.messages.clear()
        out = push(api, creds, record(did, random_phone(), name="张德明"))
    assert out["invitation"] is None and out["cases_updated"]
    assert not [m for m in fake_sms.messages if "/o?token=" in m.text]  # the case's own notices only
    assert invitations(did) == []


def test_no_contact_no_invitation_and_old_deaths_are_left_alone(api, creds, fake_sms):
    with time_machine.travel(DAY, tick=False):
        assert push(api, creds, record(deceased_id(), None))["invitation"] is None
        old = record(deceased_id(), random_phone(), event_date="2026-06-01")
        assert push(api, creds, old)["invitation"] is None
    assert fake_sms.messages == []


def test_night_push_is_queued_for_the_morning(api, creds, fake_sms):
    did, phone = deceased_id(), random_phone()
    with time_machine.travel(NIGHT, tick=False):
        out = push(api, creds, record(did, phone))
        assert out["invitation"] == "queued"
        assert send_now() == 0
    assert to(fake_sms, phone) == []
    inv = invitations(did)[0]
    assert inv.send_after == dt.datetime(2026, 12, 1, 0, 0)  # 08:00 in China, naive UTC
    with time_machine.travel(dt.datetime(2026, 12, 1, 7, 59, tzinfo=CHINA), tick=False):
        assert send_now() == 0
    with time_machine.travel(dt.datetime(2026, 12, 1, 8, 0, tzinfo=CHINA), tick=False):
        assert send_now() >= 1
        assert send_now() == 0  # a second pass, or a restarted sender, sends nothing again
    assert len(to(fake_sms, phone)) == 1


def test_a_case_filed_overnight_cancels_the_morning_invitation(api, creds, fake_sms):
    body = case_body()
    did, phone = body["deceased"]["id_number"], random_phone()
    with time_machine.travel(NIGHT, tick=False):
        push(api, creds, record(did, phone, name="张德明"))
        body["deceased"]["death_date"] = "2026-11-28"
        assert api.post("/api/v1/cases", json=body).status_code == 201
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=CHINA), tick=False):
        send_now()
    assert to(fake_sms, phone) == []
    inv = invitations(did)[0]
    assert (inv.status, inv.reason, inv.contact_phone_enc) == ("cancelled", "case_filed", None)


def test_opt_out_is_honoured_for_good(api, creds, fake_sms):
    phone = random_phone()
    with time_machine.travel(DAY, tick=False):
        push(api, creds, record(deceased_id(), phone))
    token = re.search(r"/o\?token=([A-Za-z0-9_-]+)", to(fake_sms, phone)[0].text).group(1)
    assert api.get("/o", params={"token": "not-a-valid-token"}).status_code == 404
    assert api.get("/o").status_code == 404
    from api.security.masking_log import redact_query

    assert token not in redact_query(f'"GET /o?token={token} HTTP/1.1" 200')  # the access log line
    page = api.get("/o", params={"token": token})
    assert page.status_code == 200 and "确认不再接收" in page.text
    # opening the link (a preview, a scanner) opts nobody out: only the button does
    from api.proactive.models import SmsOptOut
    from api.security.personal import PHONE

    with db_session() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(SmsOptOut).where(SmsOptOut.phone_hash == PHONE.hash(phone))
            )
            == 0
        )
    done = api.post("/o", params={"token": token})
    assert done.status_code == 200 and "已为您退订" in done.text
    assert api.post("/o", params={"token": token}).status_code == 200  # twice is fine
    with db_session() as s:
        rows = s.scalars(select(SmsOptOut).where(SmsOptOut.phone_hash == PHONE.hash(phone))).all()
        assert len(rows) == 1 and phone not in rows[0].phone_hash
    # the same contact on a later death in the family: not invited
    with time_machine.travel(DAY + dt.timedelta(days=3), tick=False):
        did2 = deceased_id()
        out = push(api, creds, record(did2, phone, event_date="2026-12-02"))
        assert out["invitation"] == "suppressed"
        assert send_now() == 0
    assert len(to(fake_sms, phone)) == 1
    inv = invitations(did2)[0]
    assert inv.contact_phone_enc is None  # nothing to send: no number kept


def test_reply_code_opts_out(api, creds, fake_sms):
    phone = random_phone()
    with db_session() as s:
        assert service.opt_out_by_reply(s, phone, "你好") is False
        assert service.opt_out_by_reply(s, phone, " td ") is True
        s.commit()
    with time_machine.travel(DAY, tick=False):
        assert push(api, creds, record(deceased_id(), phone))["invitation"] == "suppressed"
    assert to(fake_sms, phone) == []


def test_gateway_failure_is_retried_then_given_up(api, creds, fake_sms):
    class Down:
        name = "down"

        def send(self, phone, text):
            return "failed"

    sms.set_sms_adapter(Down())
    did = deceased_id()
    with time_machine.travel(DAY, tick=False):
        push(api, creds, record(did, random_phone()))
        assert invitations(did)[0].status == "queued"
    for minutes in (11, 22):
        with time_machine.travel(DAY + dt.timedelta(minutes=minutes), tick=False):
            send_now()
    inv = invitations(did)[0]
    assert (inv.status, inv.attempts, inv.contact_phone_enc) == ("failed", 3, None)


def test_settings_window_and_template(monkeypatch):
    cfg = get_config()
    assert service.next_send_time(DAY, cfg) == dt.datetime(2026, 11, 30, 2, 0)
    early = dt.datetime(2026, 11, 30, 6, 0, tzinfo=CHINA)
    assert service.next_send_time(early, cfg) == dt.datetime(2026, 11, 30, 0, 0)
    late = dt.datetime(2026, 11, 30, 20, 0, tzinfo=CHINA)
    assert service.next_send_time(late, cfg) == dt.datetime(2026, 12, 1, 0, 0)
    monkeypatch.setenv("INVITATION_SEND_WINDOW", "09:30-18:00")
    assert service.next_send_time(DAY.replace(hour=9), get_config()) == dt.datetime(2026, 11, 30, 1, 30)
    with pytest.raises(InvitationConfigError):
        check_template("您好 {name}，退订 {opt_out_url}")
    with pytest.raises(InvitationConfigError):
        check_template("没有退订链接 {start_url}")
    monkeypatch.setenv("INVITATION_TEMPLATE", "【测试】需要时请打开 {start_url}。退订 {opt_out_url}")
    assert service.render(get_config(), "TOKEN123").startswith("【测试】需要时请打开 http")


def test_invitations_for_administrators(api, creds):
    r = api.get("/api/v1/admin/invitations", headers=creds.staff("admin"))
    assert r.status_code == 200 and "counts" in r.json()
    assert api.get("/api/v1/admin/invitations", headers=creds.staff("window_staff")).status_code == 403
