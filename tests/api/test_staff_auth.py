"""Staff sign-in for browser pages: passwords, the session cookie, expiry, CSRF, sign-out, rate limit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from api.staff import service
from api.staff.models import StaffSession
from tests.api.conftest import db_session
from tests.api.staff_helpers import make_account, sign_in


def test_password_hash_is_scrypt_and_verifies():
    stored = service.hash_password("correct horse battery")
    assert stored.startswith("scrypt$") and "correct" not in stored
    assert service.verify_password("correct horse battery", stored)
    assert not service.verify_password("correct horse batterY", stored)
    assert not service.verify_password("x", "garbage")


def test_sign_in_sets_a_strict_httponly_cookie_and_me_answers(api):
    user, password = make_account("department", "hrss")
    r = api.post("/api/v1/staff/login", json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("staff_session="))
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie.replace("Strict", "strict")
    csrf_cookie = next(c for c in cookies if c.startswith("staff_csrf="))
    assert "HttpOnly" not in csrf_cookie
    body = r.json()
    assert body["role"] == "department" and body["department"] == "hrss" and body["csrf_token"]
    me = api.get("/api/v1/staff/me")
    assert me.status_code == 200 and me.json()["username"] == user
    assert me.json()["home"] == "/workbench/department"
    # only hashes are stored
    token = api.cookies.get("staff_session")
    with db_session() as s:
        rows = s.scalars(select(StaffSession.token_hash)).all()
    assert token not in rows and service.token_hash(token) in rows


def test_wrong_password_and_unknown_user_are_the_same_401(api):
    user, _ = make_account("window_staff")
    for name, pw in ((user, "wrong-password-1"), ("nobody-here", "wrong-password-1")):
        r = api.post("/api/v1/staff/login", json={"username": name, "password": pw})
        assert r.status_code == 401 and r.json()["code"] == "bad_credentials"
        assert "用户名或密码不对" in r.json()["message"]
    assert api.get("/api/v1/staff/me").json()["code"] == "staff_sign_in_required"


def test_login_rate_limit_per_user(api, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_STAFF_LOGIN_FAILURES", "3/minute")
    user, password = make_account("hotline_staff")
    for _ in range(3):
        assert (
            api.post("/api/v1/staff/login", json={"username": user, "password": "nope-nope-1"}).status_code
            == 401
        )
    r = api.post("/api/v1/staff/login", json={"username": user, "password": password})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "登录尝试太频繁" in r.json()["message"]


def test_expired_and_idle_sessions_are_refused(api):
    user, password = make_account("supervisor")
    sign_in(api, user, password)
    assert api.get("/api/v1/staff/me").status_code == 200
    token_hash = service.token_hash(api.cookies.get("staff_session"))
    with db_session() as s:
        row = s.scalar(select(StaffSession).where(StaffSession.token_hash == token_hash))
        row.expires_at = row.created_at - dt.timedelta(seconds=1)
        s.commit()
    assert api.get("/api/v1/staff/me").status_code == 401
    # idle too long
    sign_in(api, user, password)
    token_hash = service.token_hash(api.cookies.get("staff_session"))
    with db_session() as s:
        row = s.scalar(select(StaffSession).where(StaffSession.token_hash == token_hash))
        row.last_seen_at = row.last_seen_at - dt.timedelta(minutes=service.idle_minutes() + 1)
        s.commit()
    r = api.get("/api/v1/staff/me")
    assert r.status_code == 401 and "请先登录" in r.json()["message"]


def test_csrf_token_and_origin_are_required_then_sign_out_ends_the_session(api):
    user, password = make_account("admin")
    csrf = sign_in(api, user, password)
    r = api.post("/api/v1/staff/logout")
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    r = api.post("/api/v1/staff/logout", headers={"X-CSRF-Token": "not-the-token"})
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    r = api.post("/api/v1/staff/logout", headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["code"] == "bad_origin"
    r = api.post("/api/v1/staff/logout", headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"})
    assert r.status_code == 204
    assert api.get("/api/v1/staff/me").status_code == 401
    # a cross-site sign-in attempt is refused too (login CSRF)
    r = api.post(
        "/api/v1/staff/login",
        json={"username": user, "password": password},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403


def test_inactive_account_cannot_sign_in(api):
    from api.staff.models import StaffAccount

    user, password = make_account("window_staff")
    with db_session() as s:
        s.scalar(select(StaffAccount).where(StaffAccount.username == user)).active = False
        s.commit()
    assert api.post("/api/v1/staff/login", json={"username": user, "password": password}).status_code == 401


def test_pages_redirect_to_sign_in_and_come_back(api):
    api.cookies.clear()
    r = api.get("/staff", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/login?next=%2Fstaff"
    assert api.get("/staff/login").status_code == 200
    user, password = make_account("department", "civil_affairs")
    sign_in(api, user, password)
    page = api.get("/staff")
    assert page.status_code == 200 and "/workbench/department" in page.text


def test_account_checks():
    import pytest

    with db_session() as s, pytest.raises(service.AccountError):
        service.create_account(s, "x1", "long-enough-pw", "department", department="nope")
    with db_session() as s, pytest.raises(service.AccountError):
        service.create_account(s, "x2", "short", "admin")
    with db_session() as s, pytest.raises(service.AccountError):
        service.create_account(s, "x3", "long-enough-pw", "regional_admin", region="999999")


def test_development_accounts_sign_in_with_the_printed_passwords(api):
    from api.staff.seed import seed_dev_accounts

    printed = {user: password for user, password, _what in seed_dev_accounts()}
    assert {"clerk-health", "window1", "hotline1", "region-520000", "supervisor1", "admin1"} <= set(printed)
    sign_in(api, "clerk-health", printed["clerk-health"])
    me = api.get("/api/v1/staff/me").json()
    assert me["role"] == "department" and me["department"] == "health"
    # a second run gives new passwords; the old ones stop working
    again = {user: password for user, password, _what in seed_dev_accounts()}
    assert again["admin1"] != printed["admin1"]
    r = api.post("/api/v1/staff/login", json={"username": "admin1", "password": printed["admin1"]})
    assert r.status_code == 401


def test_seeding_hashes_before_it_takes_the_write_lock(api, monkeypatch):
    """`make run` seeds the development accounts while the API serves: no hashing in the transaction."""
    from api.staff import seed

    real_hash = service.hash_password
    open_while_hashing: list[bool] = []
    sessions: list = []
    real_sessionmaker = seed.get_sessionmaker

    def recording_sessionmaker():
        make = real_sessionmaker()

        def opened():
            session = make()
            sessions.append(session)
            return session

        return opened

    def hash_and_look(password: str) -> str:
        open_while_hashing.append(any(s.in_transaction() for s in sessions))
        return real_hash(password)

    monkeypatch.setattr(seed, "get_sessionmaker", recording_sessionmaker)
    monkeypatch.setattr(service, "hash_password", hash_and_look)
    printed = seed.seed_dev_accounts()  # new accounts
    printed_again = seed.seed_dev_accounts()  # existing accounts, new passwords
    assert len(open_while_hashing) == len(printed) + len(printed_again)
    assert not any(open_while_hashing), "a password was hashed inside the seeding transaction"
