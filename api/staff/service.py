"""Staff accounts, passwords and server-side sessions.

- Passwords: ``hashlib.scrypt`` (n=2**14, r=8, p=1, 16-byte random salt), stored as
  ``scrypt$<n>$<r>$<p>$<salt>$<hash>``; compared in constant time. An unknown user name is checked
  against a dummy hash, so the time taken does not tell which names exist.
- Sessions: a random id (32 bytes, URL-safe) in an HttpOnly SameSite=Strict cookie; only its SHA-256
  is stored, with an absolute expiry (STAFF_SESSION_HOURS, default 8) and an idle timeout
  (STAFF_SESSION_IDLE_MINUTES, default 30). Signing out deletes the row.
- CSRF: each session has a random CSRF token (its SHA-256 stored); pages send it back in the
  ``X-CSRF-Token`` header on every state-changing request (api.staff.auth).

Services add and flush, never commit; the route commits.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.staff.models import StaffAccount, StaffSession

# Roles of staff accounts (the Principal's role; a department clerk is "department" with its department).
STAFF_ACCOUNT_ROLES: tuple[str, ...] = (
    "department",
    "window_staff",
    "hotline_staff",
    "regional_admin",
    "supervisor",
    "admin",
)

_N, _R, _P = 2**14, 8, 1
PASSWORD_MIN_LENGTH = 10


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = _unb64(digest)
        got = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_hours() -> float:
    return float(os.environ.get("STAFF_SESSION_HOURS", "") or 8)


def idle_minutes() -> float:
    return float(os.environ.get("STAFF_SESSION_IDLE_MINUTES", "") or 30)


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why (Chinese)."""


def create_account(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    department: str | None = None,
    region: str | None = None,
    display_name: str | None = None,
    password_hash: str | None = None,
) -> StaffAccount:
    """Add one account (checked against the catalog's departments and regions).

    ``password_hash``: ``hash_password(password)`` computed before the transaction began; scrypt
    takes tens of milliseconds per password, and on SQLite a transaction holds the write lock.
    """
    from api.catalog.loader import get_catalog

    username = username.strip()
    if not username or not username.isascii() or not username.replace("-", "").replace("_", "").isalnum():
        raise AccountError("用户名只能用字母、数字、- 和 _。")
    if role not in STAFF_ACCOUNT_ROLES:
        raise AccountError(f"不认识的角色 {role}，可选：{'、'.join(STAFF_ACCOUNT_ROLES)}")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"密码至少 {PASSWORD_MIN_LENGTH} 个字符。")
    catalog = get_catalog()
    if role == "department":
        if department not in catalog.departments:
            raise AccountError("部门工作人员必须属于目录里的一个部门。")
    elif department is not None:
        raise AccountError("只有部门工作人员属于某个部门。")
    if role == "regional_admin":
        if region not in catalog.regions:
            raise AccountError("地区管理员必须有目录里的地区代码（如 520000、520100）。")
    elif role == "supervisor":
        # a 市州 or county supervisor sees only its region on the dashboard; a province one has none
        if region is not None and region not in catalog.regions:
            raise AccountError("监督人员的地区代码必须是目录里的（如 520100）；全省的监督人员不填。")
    elif region is not None:
        raise AccountError("只有地区管理员和监督人员有地区代码。")
    if session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)) is not None:
        raise AccountError(f"用户名 {username} 已经存在。")
    account = StaffAccount(
        username=username,
        display_name=display_name or username,
        role=role,
        department=department,
        region=region,
        password_hash=password_hash or hash_password(password),
        active=True,
    )
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, username: str, password: str) -> StaffAccount | None:
    """The active account with this name and password, or None (same work either way)."""
    account = session.scalar(select(StaffAccount).where(StaffAccount.username == username.strip()[:64]))
    ok = verify_password(password, account.password_hash if account is not None else _DUMMY_HASH)
    if account is None or not ok or not account.active:
        return None
    return account


@dataclass(frozen=True)
class OpenedSession:
    token: str  # goes into the HttpOnly cookie; never stored
    csrf: str  # given to the page; never stored
    row: StaffSession


def open_session(session: Session, account: StaffAccount) -> OpenedSession:
    now = utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=token_hash(token),
        csrf_hash=token_hash(csrf),
        account_id=account.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=session_hours()),
    )
    account.last_login_at = now
    session.add(row)
    # sessions of anybody that expired are forgotten on the way
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    session.flush()
    return OpenedSession(token, csrf, row)


def find_session(session: Session, token: str) -> StaffSession | None:
    """The live session of this cookie value (not expired, not idle too long, account active), else None.
    Touches last_seen_at at most once a minute (unflushed)."""
    if not token or len(token) > 128:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == token_hash(token)))
    if row is None:
        return None
    now = utcnow()
    idle_limit = row.last_seen_at + dt.timedelta(minutes=idle_minutes())
    if now >= row.expires_at or now >= idle_limit or not row.account.active:
        return None
    if (now - row.last_seen_at).total_seconds() > 60:
        row.last_seen_at = now  # left dirty: api.staff.auth commits it
    return row


def close_session(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))
