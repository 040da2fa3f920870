"""Checklist links sent by SMS from the hotline console.

A link is ``{API_PUBLIC_URL}/c/<token>``: 128 random bits, of which only the SHA-256 is stored, next
to the situation and the items (never a name, ID number or phone; the phone is kept masked for the
record), the catalog version and an expiry (HOTLINE_LINK_DAYS, default 7 days). Opening the link gives
the printable PDF, computed again with the catalog of that day. Sending is limited per phone
(HOTLINE_SMS_PER_PHONE, default 3/hour, counted on a keyed hash of the number) and per staff member
(HOTLINE_SMS_PER_STAFF, default 60/hour).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import clock
from api.catalog.version import catalog_version
from api.errors import ApiError
from api.hotline.models import ChecklistLink
from api.identity import DigitsError, ascii_digits, mask_phone, valid_phone
from api.notify.sms import send_sms
from api.security.crypto import lookup_hash
from api.security.ratelimit import FailureLimit, too_many
from api.settings import get_settings

PATH = "/c/"


def link_days() -> int:
    try:
        days = int(os.environ.get("HOTLINE_LINK_DAYS", "") or 7)
    except ValueError:
        days = 7
    return min(max(days, 1), 90)


per_phone = FailureLimit("hotline_sms_phone", os.environ.get("HOTLINE_SMS_PER_PHONE") or "3/hour")
per_staff = FailureLimit("hotline_sms_staff", os.environ.get("HOTLINE_SMS_PER_STAFF") or "60/hour")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_phone(phone: str) -> str:
    try:
        p = ascii_digits(phone, "手机号").strip().replace(" ", "").replace("-", "")
    except DigitsError as exc:
        raise ApiError(422, "invalid_phone", str(exc), details={"field": "phone"}) from None
    if not valid_phone(p):
        message = "手机号应为 11 位数字，以 13–19 开头，请核对后再发。"
        raise ApiError(422, "invalid_phone", message, details={"field": "phone"})
    return p


def url_for(token: str) -> str:
    return get_settings().api_public_url.rstrip("/") + PATH + token


def sms_text(url: str, days: int) -> str:
    return (
        f"【贵州12345】您咨询的个人身后“一件事”办事清单（要办的事项和要带的材料）：{url} "
        f"{days}天内有效，链接里没有个人信息。有疑问请再拨12345。"
    )


def send_link(
    session: Session,
    *,
    situation: dict,
    items: list[str] | None,
    region: str | None,
    phone: str,
    staff_id: str | None,
) -> ChecklistLink:
    """Store the checklist under a new token and text the link to `phone` (the caller's transaction;
    the route commits). Raises 429 when the phone or the staff member has used up the budget."""
    number = clean_phone(phone)
    phone_key = ("phone", lookup_hash(number))
    staff_key = ("staff", staff_id or "-")
    retry = per_phone.retry_after([phone_key]) or per_staff.retry_after([staff_key])
    if retry is not None:
        raise too_many(retry, "给这个号码发短信")
    per_phone.count([phone_key])
    per_staff.count([staff_key])
    token = secrets.token_urlsafe(16)
    days = link_days()
    now = clock.utcnow()
    url = url_for(token)
    status = send_sms(number, sms_text(url, days), secrets=[token])
    link = ChecklistLink(
        token_hash=_hash(token),
        situation=situation,
        items=items,
        region=region,
        catalog_version=catalog_version(),
        phone_masked=mask_phone(number),
        sms_status=status,
        staff_id=staff_id,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
        opened=0,
    )
    session.add(link)
    session.flush()
    return link


def find_link(session: Session, token: str) -> ChecklistLink | None:
    """The link stored for `token`, expired or not (``expired(link)`` tells)."""
    if not 16 <= len(token) <= 64:
        return None
    return session.scalar(select(ChecklistLink).where(ChecklistLink.token_hash == _hash(token)))


def expired(link: ChecklistLink) -> bool:
    return link.expires_at <= clock.utcnow()
