"""Following a case without the long access token: by case number + short progress code, or by the
applicant's phone with a one-time SMS code.

- ``check_progress_code``: the case for a case number and its 6-character progress code
  (api/cases/progress_code.py), or None.
- ``request_phone_code``: when the phone is the applicant's phone of at least one case, a 6-digit code
  by SMS (api/notify/sms.py) valid ``PHONE_CODE_MINUTES`` (default 10) minutes; an earlier unused
  code of that phone stops working. Nothing is sent to a phone without a case, and the caller
  answers the same either way.
- ``verify_phone_code``: single use (a conditional UPDATE, so two concurrent right answers do not
  both pass), constant-time comparison, ``PHONE_CODE_ATTEMPTS`` (default 5) wrong answers burn the
  code; returns that phone's cases.

Phones are stored and counted only as their keyed lookup hash (the one the case stores), codes only
as keyed hashes. The rate limits are the routes' (api/progress/routes.py).
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from api import clock
from api.cases.models import CASE_PERSONAL, Case
from api.cases.progress_code import code_matches
from api.cases.service import find_case
from api.identity import DigitsError, ascii_digits, valid_phone
from api.notify.sms import send_sms
from api.progress.models import PhoneCode
from api.security.crypto import lookup_hash
from api.tasks import models as _task_models  # noqa: F401 — maps Case.tasks, loaded below

MAX_CASES = 20


def _int_env(name: str, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(os.environ.get(name) or default)))
    except ValueError:
        return default


def code_minutes() -> int:
    return _int_env("PHONE_CODE_MINUTES", 10, 1, 60)


def max_attempts() -> int:
    return _int_env("PHONE_CODE_ATTEMPTS", 5, 1, 20)


def normalize_phone(value: str) -> str | None:
    """The 11-digit mobile number in any typed form (spaces, hyphens, +86, full-width digits), or None."""
    try:
        v = ascii_digits((value or "")[:40], "手机号")
    except DigitsError:
        return None
    v = v.replace(" ", "").replace("-", "")
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("86") and len(v) == 13:
        v = v[2:]
    return v if valid_phone(v) else None


def phone_hash(phone: str) -> str:
    """The applicant_phone hash the case stores (keyed; also the rate limits' key for a phone)."""
    return CASE_PERSONAL["applicant_phone"].hash(phone)


def check_progress_code(session: Session, case_no: str, code: str) -> Case | None:
    case = find_case(session, case_no)
    if case is None:
        code_matches("SH0", None, code)  # the same work whether the case exists or not
        return None
    return case if code_matches(case.case_no, case.progress_code_hash, code) else None


def cases_of_phone(session: Session, phone: str) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(Case.applicant_phone_hash == phone_hash(phone))
            .options(selectinload(Case.tasks), selectinload(Case.notifications))
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(MAX_CASES)
        )
    )


def _code_hash(p_hash: str, nonce: str, code: str) -> str:
    return lookup_hash(f"phone-code/v1/{p_hash}/{nonce}/{code}")


def request_phone_code(session: Session, phone: str) -> bool:
    """Send a code when the phone has a case (True), else nothing (False). Flushes; the caller commits."""
    p_hash = phone_hash(phone)
    has_case = session.scalar(select(Case.id).where(Case.applicant_phone_hash == p_hash).limit(1))
    if has_case is None:
        return False
    now = clock.utcnow()
    session.execute(
        update(PhoneCode)
        .where(PhoneCode.phone_hash == p_hash, PhoneCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    nonce = secrets.token_hex(8)
    session.add(
        PhoneCode(
            phone_hash=p_hash,
            code_hash=f"{nonce}:{_code_hash(p_hash, nonce, code)}",
            created_at=now,
            expires_at=now + dt.timedelta(minutes=code_minutes()),
            attempts=0,
        )
    )
    session.flush()
    send_sms(
        phone,
        f"【一件事】您的验证码是 {code}，{code_minutes()} 分钟内有效，用于查看办理进度。"
        "请勿告诉他人；工作人员不会向您索要验证码。",
        secrets=[code],
    )
    return True


def verify_phone_code(session: Session, phone: str, code: str) -> list[Case] | None:
    """That phone's cases when `code` is its current code (which is then used up), else None (a
    wrong answer is counted; the last allowed one burns the code). Flushes; the caller commits."""
    p_hash = phone_hash(phone)
    now = clock.utcnow()
    rec = session.scalar(
        select(PhoneCode)
        .where(PhoneCode.phone_hash == p_hash, PhoneCode.used_at.is_(None), PhoneCode.expires_at > now)
        .order_by(PhoneCode.id.desc())
        .limit(1)
    )
    digits = code.strip() if code else ""
    if rec is None:
        _code_hash(p_hash, "-", digits)  # the same work as a check
        return None
    nonce, _, stored = rec.code_hash.partition(":")
    ok = hmac.compare_digest(_code_hash(p_hash, nonce, digits).encode(), stored.encode())
    if not ok:
        session.execute(
            update(PhoneCode)
            .where(PhoneCode.id == rec.id)
            .values(
                attempts=PhoneCode.attempts + 1,
                used_at=now if rec.attempts + 1 >= max_attempts() else None,
            )
        )
        session.flush()
        return None
    used = session.execute(
        update(PhoneCode).where(PhoneCode.id == rec.id, PhoneCode.used_at.is_(None)).values(used_at=now)
    )
    if used.rowcount != 1:  # a concurrent request used it first
        return None
    return cases_of_phone(session, phone)
