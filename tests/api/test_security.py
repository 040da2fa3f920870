"""Security: field encryption, the dev secret, log masking, credentials and roles, audit, rate limits."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from api.access.auth import (
    Principal,
    ensure_case_access,
    ensure_task_department,
    get_optional_principal,
    require_roles,
)
from api.cases.numbers import case_key
from api.db import get_session
from api.errors import ApiError, install_error_handlers
from api.security import config, crypto, ratelimit
from api.security.audit import AuditLog, record_access
from api.security.masking_log import install_log_masking
from api.settings import get_settings
from tests.api.conftest import service_unreachable
from tests.api.test_dispatch_support import (
    APPLICANT_ID,
    APPLICANT_PHONE,
    DECEASED_ID,
    DECEASED_NAME,
    PAYEE_ACCOUNT,
    fresh_sqlite,
    make_case,
)


@pytest.fixture
def secret_env(monkeypatch):
    """Set SECRET_KEY / OLD_SECRET_KEYS for one test; settings re-read before and after."""

    def set_(secret: str, old: str = "") -> None:
        monkeypatch.setenv("SECRET_KEY", secret)
        monkeypatch.setenv("OLD_SECRET_KEYS", old)
        get_settings.cache_clear()

    yield set_
    monkeypatch.undo()
    get_settings.cache_clear()


# ------------------------------------------------------------------ crypto


def test_encrypt_round_trip_with_a_fresh_nonce_each_time():
    for value in (DECEASED_ID, "欧阳小明", PAYEE_ACCOUNT, "", "x" * 1000):
        a, b = crypto.encrypt(value), crypto.encrypt(value)
        assert a != b, "the same plaintext must not give the same ciphertext"
        assert crypto.decrypt(a) == crypto.decrypt(b) == value
        assert value == "" or value not in a


def test_tampering_and_foreign_text_are_refused():
    token = crypto.encrypt(DECEASED_ID)
    head, body = token.rsplit(".", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{head}.{flipped}")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(DECEASED_ID)


def test_lookup_hash_is_stable_keyed_and_not_a_plain_hash():
    import hashlib

    h = crypto.lookup_hash(DECEASED_ID)
    assert h == crypto.lookup_hash(DECEASED_ID) and len(h) == 64
    assert h != crypto.lookup_hash(APPLICANT_ID)
    assert h != hashlib.sha256(DECEASED_ID.encode()).hexdigest()


def test_keys_come_from_the_secret_and_rotation_keeps_old_data_readable(secret_env):
    secret_env("first-secret-" + "a" * 32)
    old_token, old_hash = crypto.encrypt(DECEASED_ID), crypto.lookup_hash(DECEASED_ID)
    secret_env("second-secret-" + "b" * 32)
    assert crypto.lookup_hash(DECEASED_ID) != old_hash
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old_token)  # the old secret is not configured
    secret_env("second-secret-" + "b" * 32, old="first-secret-" + "a" * 32)
    assert crypto.decrypt(old_token) == DECEASED_ID
    assert crypto.needs_reencryption(old_token)
    assert not crypto.needs_reencryption(crypto.encrypt(DECEASED_ID))


def test_the_database_never_holds_personal_data_in_clear(tmp_path):
    url, engine, factory = fresh_sqlite(tmp_path)
    with factory() as s:
        case = make_case(s, [("hukou_cancel", "public_security")])
        s.commit()
        case_id = case.id
    with factory() as s:
        row = s.execute(text("SELECT * FROM cases WHERE id = :i"), {"i": case_id}).mappings().one()
        assert crypto.decrypt(row["deceased_id_enc"]) == DECEASED_ID
        assert row["deceased_id_hash"] == crypto.lookup_hash(DECEASED_ID)
        # an equality lookup through the keyed hash, without decrypting anything
        from api.cases.models import Case

        found = s.scalar(select(Case.id).where(Case.deceased_id_hash == crypto.lookup_hash(DECEASED_ID)))
        assert found == case_id
    engine.dispose()
    db_file = Path(url.split("///", 1)[1])
    raw = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    for secret in (DECEASED_ID, APPLICANT_ID, APPLICANT_PHONE, PAYEE_ACCOUNT, DECEASED_NAME, "张晓红"):
        assert secret.encode() not in raw, f"{secret[:3]}… is stored in clear"
    assert b"520***********1236" in raw  # the masked copy for listings is there


def test_rotation_job_reencrypts_every_field_and_lookups_keep_working(tmp_path, monkeypatch, secret_env):
    from api.cases.models import Case, IdempotencyRecord
    from api.security.rotate import reencrypt_all

    old, new = "old-secret-" + "c" * 32, "new-secret-" + "d" * 32
    secret_env(old)
    _url, engine, factory = fresh_sqlite(tmp_path)
    with factory() as s:
        case = make_case(s, [("hukou_cancel", "public_security")])
        s.add(
            IdempotencyRecord(
                key="k1",
                request_hash="h",
                status_code=201,
                case_id=case.id,
                response={"case_no": case.case_no, "access_token": crypto.encrypt("tok-123")},
            )
        )
        s.commit()
    old_hash = crypto.lookup_hash(DECEASED_ID)
    # rotate: the new secret encrypts, the old one still decrypts, the hash key stays pinned
    secret_env(new, old=old)
    monkeypatch.setenv("LOOKUP_HASH_SECRET", old)
    assert crypto.lookup_hash(DECEASED_ID) == old_hash
    assert reencrypt_all(engine, batch_size=1, dry_run=True) == {"cases": 1, "idempotency_records": 1}
    assert reencrypt_all(engine, batch_size=1) == {"cases": 1, "idempotency_records": 1}
    assert reencrypt_all(engine) == {}, "a second run has nothing left to do"
    secret_env(new)  # the old secret is gone
    with factory() as s:
        case = s.scalar(select(Case).where(Case.deceased_id_hash == crypto.lookup_hash(DECEASED_ID)))
        assert case is not None and crypto.decrypt(case.deceased_id_enc) == DECEASED_ID
        assert crypto.decrypt(case.payee_account_enc) == PAYEE_ACCOUNT
        record = s.scalar(select(IdempotencyRecord))
        assert crypto.decrypt(record.response["access_token"]) == "tok-123"
    engine.dispose()


# ------------------------------------------------------------------ the development secret


def test_dev_secret_is_created_once_private_and_stable(tmp_path, monkeypatch, secret_env, caplog):
    secret_env("")
    path = tmp_path / "var" / "dev-secret"
    monkeypatch.setenv("DEV_SECRET_FILE", str(path))
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("DEPARTMENT_API_KEYS", raising=False)
    monkeypatch.delenv("STAFF_TOKENS", raising=False)
    config._warned.discard("dev-secret")
    with caplog.at_level(logging.WARNING, logger="api.security"):
        first = config.master_secret()
        token = crypto.encrypt("x")
        assert config.master_secret() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_text() == first and len(first) == 64
    assert sum("SECRET_KEY is not set" in r.getMessage() for r in caplog.records) == 1
    config._read_or_create_dev_secret.cache_clear()
    assert config.master_secret() == first and crypto.decrypt(token) == "x"
    keys = config.department_keys()
    assert set(keys) >= {"public_security", "hrss", "justice"}
    assert keys == config.department_keys(), "dev keys are stable"
    assert len(set(keys.values())) == len(keys) and all(k.startswith("dk_") for k in keys.values())
    assert sorted(role for role, _ in config.staff_tokens().values()) == [
        "admin",
        "hotline_staff",
        "window_staff",
    ]
    path.write_text("b" * 64)  # another dev secret → other keys
    config._read_or_create_dev_secret.cache_clear()
    assert config.department_keys()["hrss"] != keys["hrss"]
    config._read_or_create_dev_secret.cache_clear()


def test_production_requires_a_secret_and_has_no_dev_credentials(monkeypatch, secret_env):
    secret_env("")
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("DEPARTMENT_API_KEYS", raising=False)
    monkeypatch.delenv("STAFF_TOKENS", raising=False)
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        crypto.encrypt("x")
    assert config.department_keys() == {} and config.staff_tokens() == {}


# ------------------------------------------------------------------ log masking

PII_LINE = f"deceased {DECEASED_ID} phone {APPLICANT_PHONE} account {PAYEE_ACCOUNT}"


def _assert_masked(output: str) -> None:
    for secret in (DECEASED_ID, APPLICANT_PHONE, PAYEE_ACCOUNT):
        assert secret not in output
    assert "520***********1236" in output and "139****5678" in output and "***************0123" in output


def test_log_lines_are_masked_wherever_they_are_logged():
    install_log_masking()
    install_log_masking()  # idempotent
    root_out, own_out = io.StringIO(), io.StringIO()
    root_handler = logging.StreamHandler(root_out)
    root_handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger().addHandler(root_handler)
    install_log_masking()  # picks up handlers added since
    # a logger with its own handler that does not propagate (like uvicorn's)
    isolated = logging.getLogger("test.isolated")
    own = logging.StreamHandler(own_out)
    isolated.addHandler(own)
    isolated.propagate = False
    try:
        child = logging.getLogger("api.some.module")
        child.setLevel(logging.INFO)
        child.info(PII_LINE)
        child.info("deceased %s phone %s account %s", DECEASED_ID, APPLICANT_PHONE, PAYEE_ACCOUNT)
        child.info("payload %s", {"id_number": DECEASED_ID, "phone": APPLICANT_PHONE, "acct": PAYEE_ACCOUNT})
        try:
            raise ValueError(PII_LINE)
        except ValueError:
            child.exception("failed for %s", DECEASED_ID)
        isolated.warning(PII_LINE)
        # a record made by hand (bypassing the record factory) still meets the root filter
        logging.getLogger().handle(
            logging.makeLogRecord({"msg": PII_LINE, "levelno": 40, "levelname": "ERROR"})
        )
    finally:
        logging.getLogger().removeHandler(root_handler)
        isolated.removeHandler(own)
    out = root_out.getvalue()
    assert out.count("520***********1236") >= 5 and "Traceback" in out
    _assert_masked(out)
    _assert_masked(own_out.getvalue())


def test_create_app_installs_the_masking(caplog):
    from api.main import create_app
    from api.security.masking_log import MaskingFilter

    create_app()
    assert any(isinstance(f, MaskingFilter) for f in logging.getLogger().filters)
    with caplog.at_level(logging.INFO):
        logging.getLogger("uvicorn.error").warning(PII_LINE)
    _assert_masked(caplog.text)


# ------------------------------------------------------------------ credentials and roles

DEPT_KEYS = {"public_security": "ps-key-0123456789", "hrss": "hrss-key-0123456789"}
STAFF = {
    "tok-window-0123456789": {"role": "window_staff", "staff_id": "w7"},
    "tok-hotline-0123456789": {"role": "hotline_staff", "staff_id": "h7"},
    "tok-admin-0123456789": {"role": "admin", "staff_id": "a7"},
}
GOOD_TOKEN = "applicant-token-0123456789"


@pytest.fixture
def auth_app(monkeypatch):
    monkeypatch.setenv("DEPARTMENT_API_KEYS", json.dumps(DEPT_KEYS))
    monkeypatch.setenv("STAFF_TOKENS", json.dumps(STAFF))
    import api.access.auth as access_auth

    def fake_lookup(_session, case_no, token):
        assert case_no is None, "the token alone decides; the route compares case numbers"
        return SimpleNamespace(case_no="SH20261129-00001-1") if token == GOOD_TOKEN else None

    monkeypatch.setattr(access_auth, "case_for_access_token", fake_lookup)
    app = FastAPI()
    install_error_handlers(app)
    app.dependency_overrides[get_session] = lambda: None

    def view(p: Principal | None) -> dict:
        return (
            None if p is None else {k: getattr(p, k) for k in ("role", "department", "staff_id", "case_no")}
        )

    @app.get("/open")
    def open_(p: Annotated[Principal | None, Depends(get_optional_principal)]) -> dict | None:
        return view(p)

    @app.get("/admin")
    def admin(p: Annotated[Principal, Depends(require_roles("admin"))]) -> dict | None:
        return view(p)

    @app.get("/staff")
    def staff(
        p: Annotated[Principal, Depends(require_roles("window_staff", "hotline_staff", "admin"))],
    ) -> dict | None:
        return view(p)

    @app.get("/dept")
    def dept(p: Annotated[Principal, Depends(require_roles("department"))]) -> dict | None:
        return view(p)

    @app.get("/mine")
    def mine(p: Annotated[Principal, Depends(require_roles("applicant"))]) -> dict | None:
        return view(p)

    with TestClient(app) as c:
        yield c


HEADERS = {
    "department": {"X-Api-Key": DEPT_KEYS["hrss"]},
    "window_staff": {"X-Staff-Token": "tok-window-0123456789"},
    "hotline_staff": {"X-Staff-Token": "tok-hotline-0123456789"},
    "admin": {"X-Staff-Token": "tok-admin-0123456789"},
    "applicant": {"Authorization": f"Bearer {GOOD_TOKEN}"},
}
ALLOWED = {
    "/admin": {"admin"},
    "/staff": {"window_staff", "hotline_staff", "admin"},
    "/dept": {"department"},
    "/mine": {"applicant"},
}


@pytest.mark.parametrize("path", sorted(ALLOWED))
def test_role_matrix_401_without_credentials_403_with_the_wrong_role(auth_app, path):
    r = auth_app.get(path)
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert "X-Api-Key" in r.json()["message"] and r.headers["WWW-Authenticate"] == "Bearer"
    for role, headers in HEADERS.items():
        r = auth_app.get(path, headers=headers)
        if role in ALLOWED[path]:
            assert r.status_code == 200, (role, r.text)
            assert r.json()["role"] == role
        else:
            assert r.status_code == 403, (role, r.text)
            assert r.json()["code"] == "forbidden" and "不能办理" in r.json()["message"]


def test_principals_carry_who_they_are(auth_app):
    assert auth_app.get("/open").json() is None
    assert auth_app.get("/open", headers=HEADERS["department"]).json() == {
        "role": "department",
        "department": "hrss",
        "staff_id": None,
        "case_no": None,
    }
    assert auth_app.get("/open", headers=HEADERS["window_staff"]).json()["staff_id"] == "w7"
    assert auth_app.get("/open", headers=HEADERS["applicant"]).json()["case_no"] == "SH20261129-00001-1"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"X-Api-Key": "ps-key-012345678"}, "invalid_api_key"),  # one character short
        ({"X-Api-Key": ""}, "invalid_api_key"),
        ({"X-Staff-Token": "tok-admin-0123456788"}, "invalid_staff_token"),
        ({"Authorization": "Bearer applicant-token-0123456780"}, "invalid_access_token"),
        ({"Authorization": "Bearer short"}, "invalid_access_token"),
        ({"Authorization": f"Basic {GOOD_TOKEN}"}, "invalid_access_token"),
    ],
)
def test_wrong_credentials_are_refused_not_downgraded_to_anonymous(auth_app, headers, code):
    for path in ("/open", "/admin", "/mine"):
        r = auth_app.get(path, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == code, r.text
        assert not r.json()["message"].isascii()


def test_configured_keys_replace_the_development_ones(auth_app, monkeypatch):
    monkeypatch.delenv("DEPARTMENT_API_KEYS")
    dev_key = config.department_keys()["hrss"]
    assert auth_app.get("/dept", headers={"X-Api-Key": dev_key}).json()["department"] == "hrss"
    monkeypatch.setenv("DEPARTMENT_API_KEYS", json.dumps(DEPT_KEYS))
    assert auth_app.get("/dept", headers={"X-Api-Key": dev_key}).status_code == 401


def test_broken_credential_configuration_is_a_clear_500(auth_app, monkeypatch):
    monkeypatch.setenv("STAFF_TOKENS", "{not json")
    r = auth_app.get("/admin", headers=HEADERS["admin"])
    assert r.status_code == 500 and r.json()["code"] == "config_error"
    monkeypatch.setenv("STAFF_TOKENS", json.dumps({"t": {"role": "department", "staff_id": "x"}}))
    assert auth_app.get("/admin", headers={"X-Staff-Token": "t"}).status_code == 500


def test_object_level_checks():
    case = SimpleNamespace(case_no="SH1", tasks=[SimpleNamespace(department="hrss")])
    other = SimpleNamespace(case_no="SH2", tasks=[SimpleNamespace(department="justice")])
    task = SimpleNamespace(department="hrss", case=case)
    allowed = [
        Principal("applicant", case_no="SH1"),
        Principal("department", department="hrss"),
        Principal("window_staff", staff_id="w"),
        Principal("hotline_staff", staff_id="h"),
        Principal("admin", staff_id="a"),
    ]
    for p in allowed:
        ensure_case_access(p, case)
        ensure_task_department(p, task)
    refused = [
        Principal("applicant", case_no="SH2"),
        Principal("applicant"),
        Principal("department", department="justice"),
        Principal("department"),
    ]
    for p in refused:
        with pytest.raises(ApiError) as exc:
            ensure_case_access(p, case)
        assert exc.value.status == 404  # looks like a missing case: reveals nothing
        with pytest.raises(ApiError) as exc:
            ensure_task_department(p, task)
        assert exc.value.status == 404
    with pytest.raises(ApiError):
        ensure_case_access(Principal("department", department="hrss"), other)


def test_require_roles_rejects_unknown_roles():
    with pytest.raises(ValueError):
        require_roles("superuser")


# ------------------------------------------------------------------ audit


def test_audit_records_who_and_what_never_the_data(tmp_path):
    _url, engine, factory = fresh_sqlite(tmp_path)
    with factory() as s:
        record_access(s, Principal("window_staff", staff_id="w7", request_id="req-1"), "read", "case", "SH1")
        record_access(s, Principal("applicant", case_no="SH1"), "read", "case", "SH1")
        record_access(s, Principal("department", department="hrss"), "lookup", "person", DECEASED_ID)
        s.commit()
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.role, r.staff_id, r.department, r.actor_case_no) for r in rows] == [
        ("window_staff", "w7", None, None),
        ("applicant", None, None, "SH1"),
        ("department", None, "hrss", None),
    ]
    assert rows[0].request_id == "req-1" and rows[0].action == "read" and rows[0].object_type == "case"
    assert rows[2].object_id == "520***********1236"
    assert all(isinstance(r.at, dt.datetime) for r in rows)
    engine.dispose()


def test_request_id_reaches_the_principal(auth_app):
    @auth_app.app.get("/rid")
    def rid(p: Annotated[Principal, Depends(require_roles("admin"))]) -> str:
        return p.request_id or ""

    assert auth_app.get("/rid", headers={**HEADERS["admin"], "X-Request-ID": "abc-123"}).json() == "abc-123"
    assert len(auth_app.get("/rid", headers=HEADERS["admin"]).json()) == 32


# ------------------------------------------------------------------ rate limits


@pytest.fixture
def limited():
    ratelimit.reset()
    app = FastAPI()
    install_error_handlers(app)

    @app.get(
        "/lookup/{case_no}",
        dependencies=[Depends(ratelimit.rate_limit("test_lookup", "3/minute", per_case=case_key))],
    )
    def lookup(case_no: str) -> str:
        return case_no

    @app.get("/fast", dependencies=[Depends(ratelimit.rate_limit("test_fast", "2/second"))])
    def fast() -> str:
        return "ok"

    yield app
    ratelimit.reset()


def test_rate_limit_429_with_retry_after_per_ip(limited):
    c = TestClient(limited, client=("10.0.0.1", 1234))
    assert [c.get(f"/lookup/SH{i}").status_code for i in range(3)] == [200, 200, 200]
    r = c.get("/lookup/SH9")  # another case number from the same address: still limited
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    retry = int(r.headers["Retry-After"])
    assert 1 <= retry <= 60 and f"{retry} 秒后再试" in r.json()["message"]
    other_ip = TestClient(limited, client=("10.0.0.2", 1234))
    assert other_ip.get("/lookup/SH9").status_code == 200


def test_rate_limit_per_case_number_across_addresses(limited):
    codes = [TestClient(limited, client=(f"10.1.0.{i}", 1)).get("/lookup/SH5").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429], "many addresses guessing one case are limited too"


def test_moving_window_frees_up(limited):
    import time

    c = TestClient(limited)
    assert [c.get("/fast").status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(1.1)
    assert c.get("/fast").status_code == 200


def test_redis_storage_falls_back_to_memory_when_unreachable(monkeypatch, secret_env):
    from limits.storage import MemoryStorage

    monkeypatch.setenv("RATE_LIMIT_STORAGE", "redis")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    ratelimit.reset()
    try:
        ratelimit.get_limiter()
        assert isinstance(ratelimit._storage, MemoryStorage)
    finally:
        ratelimit.reset()


def test_case_lookup_route_is_rate_limited(tmp_path):
    """The real GET /api/v1/cases/{case_no}: the limit applies before credentials are checked."""
    from api.main import create_app

    _url, engine, factory = fresh_sqlite(tmp_path)
    app = create_app()

    def session_override():
        with factory() as s:
            yield s

    app.dependency_overrides[get_session] = session_override
    ratelimit.reset()
    try:
        c = TestClient(app, client=("10.9.9.9", 1))
        codes = [c.get(f"/api/v1/cases/SH20261129-{i:05d}-1").status_code for i in range(40)]
        assert 429 in codes and set(codes[: codes.index(429)]) == {401}
        r = c.get("/api/v1/cases/SH20261129-00001-1")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    finally:
        ratelimit.reset()
        engine.dispose()


def test_redis_storage_shares_counters_between_api_instances(monkeypatch, secret_env):
    """With RATE_LIMIT_STORAGE=redis two API processes share one budget (skipped without Redis)."""
    import uuid

    from limits.storage import RedisStorage

    monkeypatch.setenv("RATE_LIMIT_STORAGE", "redis")
    monkeypatch.setenv("REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    get_settings.cache_clear()
    ratelimit._limiter = ratelimit._storage = None
    limiter = ratelimit.get_limiter()
    if not isinstance(ratelimit._storage, RedisStorage):
        ratelimit._limiter = ratelimit._storage = None
        service_unreachable("Redis was unreachable at REDIS_URL; the shared rate-limit test did not run")
    scope = f"redis_test_{uuid.uuid4().hex}"
    app = FastAPI()
    install_error_handlers(app)

    @app.get(
        "/lookup/{case_no}",
        dependencies=[Depends(ratelimit.rate_limit(scope, "3/minute", per_case=case_key))],
    )
    def lookup(case_no: str) -> str:
        return case_no

    c = TestClient(app, client=("10.7.0.1", 1))
    try:
        assert [c.get(f"/lookup/A{i}").status_code for i in range(2)] == [200, 200]
        assert limiter is ratelimit.get_limiter()
        ratelimit._limiter = ratelimit._storage = None  # "another API instance": a new connection
        assert c.get("/lookup/A3").status_code == 200
        r = c.get("/lookup/A4")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    finally:
        ratelimit.reset()


def test_keys_command_prints_the_development_credentials(tmp_path):
    import subprocess
    import sys

    env = {
        k: v for k, v in os.environ.items() if k not in ("DEPARTMENT_API_KEYS", "STAFF_TOKENS", "SECRET_KEY")
    }
    env["DEV_SECRET_FILE"] = str(tmp_path / "dev-secret")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-m", "api.security.keys"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    again = subprocess.run(
        [sys.executable, "-m", "api.security.keys"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == again, "development credentials are stable across runs"
    for dept in ("public_security", "hrss", "justice", "civil_affairs"):
        assert dept in out
    assert "X-Api-Key" in out and "X-Staff-Token" in out and "a001" in out and "w001" in out
    keys = [line.split()[-1] for line in out.splitlines() if line.strip().startswith(("hrss", "admin"))]
    assert len(keys) == 2 and keys[0].startswith("dk_") and keys[1].startswith("st_")
    prod = subprocess.run(
        [sys.executable, "-m", "api.security.keys"],
        cwd=root,
        env={**env, "APP_ENV": "production"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "dk_" not in prod and "st_" not in prod and "生产环境" in prod
