"""Staff accounts and sign-in for API tests (each test creates its own accounts)."""

from __future__ import annotations

import secrets
import uuid

from fastapi.testclient import TestClient

from tests.api.conftest import db_session


def make_account(role: str, department: str | None = None, region: str | None = None) -> tuple[str, str]:
    """A new account on the current test database: (username, password)."""
    from api.staff import service

    username = f"t-{role[:6]}-{uuid.uuid4().hex[:8]}"
    password = secrets.token_urlsafe(12)
    if role == "regional_admin" and region is None:
        region = "520000"
    with db_session() as s:
        service.create_account(s, username, password, role, department=department, region=region)
        s.commit()
    return username, password


def sign_in(client: TestClient, username: str, password: str) -> str:
    """Sign the client in (its cookie jar keeps the session); returns the CSRF token."""
    r = client.post("/api/v1/staff/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]


def signed_in(client: TestClient, role: str, department: str | None = None) -> dict[str, str]:
    """Sign in a new account of `role`; returns the headers for state-changing requests."""
    client.cookies.clear()
    csrf = sign_in(client, *make_account(role, department))
    return {"X-CSRF-Token": csrf}
