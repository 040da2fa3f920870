"""Proactive service: a death record arrives, no case exists, the family contact is invited once.

``invite_if_no_case`` runs inside the death-record push (api.sharing.service), in its transaction: it
creates at most one ``Invitation`` per deceased (unique ``dedupe_key``; a retried push, a second
department's record or a restarted process finds the row), queued for the next moment inside the
sending window (China time). ``send_due`` sends what is due, each invitation claimed first by a
conditional UPDATE committed before the SMS leaves, so two senders (the request's background task
and the sender loop, or two processes) never send the same one: at most once. Right before sending
it checks again that no case was filed meanwhile and that the contact has not opted out.

The invitation names nobody: no ID number, no cause of death, not the deceased's name (the plan
grants no such use, and a number on a death record may be out of date — docs/proactive.md).
The opt-out is a link with a random token (only its SHA-256 is stored); opting out stores the keyed
hash of the phone number in ``sms_opt_outs`` and is honoured for every later invitation to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import clock
from api.cases.models import Case
from api.notify.sms import masked_text, send_sms
from api.proactive.config import InvitationConfig, get_config
from api.proactive.models import Invitation, SmsOptOut
from api.security.personal import PHONE, PersonalField

log = logging.getLogger("api.proactive")

CONTACT = PersonalField("contact_phone", PHONE, hashed=True)
MAX_ATTEMPTS = 3
RETRY_AFTER = dt.timedelta(minutes=10)
OPT_OUT_REPLIES = frozenset({"TD", "T", "N", "退订", "不需要"})


def dedupe_key(deceased_hash: str) -> str:
    return "death:" + deceased_hash


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------ timing


def next_send_time(now_china: dt.datetime, cfg: InvitationConfig) -> dt.datetime:
    """The first moment inside the sending window at or after `now_china`, as naive UTC."""
    local = now_china.astimezone(clock.CHINA)
    t = local.time()
    if cfg.window_start <= t < cfg.window_end:
        at = local
    else:
        day = local.date() if t < cfg.window_start else local.date() + dt.timedelta(days=1)
        at = dt.datetime.combine(day, cfg.window_start, tzinfo=clock.CHINA)
    return at.astimezone(dt.timezone.utc).replace(tzinfo=None)


def in_window(now_china: dt.datetime, cfg: InvitationConfig) -> bool:
    return cfg.window_start <= now_china.astimezone(clock.CHINA).time() < cfg.window_end


# ------------------------------------------------------------------ creating


def case_exists(session: Session, deceased_hash: str) -> bool:
    """Any case for the deceased, open or completed: the family has found the service already."""
    return session.scalar(select(Case.id).where(Case.deceased_id_hash == deceased_hash).limit(1)) is not None


def opted_out(session: Session, phone_hash: str) -> bool:
    return session.scalar(select(SmsOptOut.id).where(SmsOptOut.phone_hash == phone_hash)) is not None


def invite_if_no_case(
    session: Session,
    deceased_hash: str,
    contact_phone: str | None,
    department: str,
    event_date: dt.date,
) -> Invitation | None:
    """Queue the one invitation for this deceased when a contact is on record and no case exists.
    Returns the invitation (new or the existing one) or None. Flushes in a savepoint; never commits."""
    cfg = get_config()
    if not cfg.enabled or not contact_phone:
        return None
    key = dedupe_key(deceased_hash)
    existing = session.scalar(select(Invitation).where(Invitation.dedupe_key == key))
    if existing is not None:
        return existing  # once per deceased, whoever pushes and however often
    if case_exists(session, deceased_hash):
        return None
    if (clock.today() - event_date).days > cfg.max_age_days:
        return None
    now = clock.now()
    cols = CONTACT.columns(contact_phone)
    suppressed = opted_out(session, cols["contact_phone_hash"])
    inv = Invitation(
        dedupe_key=key,
        deceased_id_hash=deceased_hash,
        source_department=department,
        status="suppressed" if suppressed else "queued",
        reason="opted_out" if suppressed else None,
        send_after=next_send_time(now, cfg),
        attempts=0,
        created_at=clock.utcnow(),
        updated_at=clock.utcnow(),
        **cols,
    )
    if suppressed:
        inv.contact_phone_enc = None  # nothing will be sent: keep no number
    try:
        with session.begin_nested():
            session.add(inv)
            session.flush()
    except IntegrityError:  # a concurrent push of the same deceased created it first
        return session.scalar(select(Invitation).where(Invitation.dedupe_key == key))
    return inv


# ------------------------------------------------------------------ sending


def render(cfg: InvitationConfig, opt_out_token: str) -> str:
    return cfg.template.format(
        start_url=cfg.start_url,
        opt_out_url=f"{cfg.public_url}/o?token={opt_out_token}",
        hotline=cfg.hotline,
    )


def _claim(session: Session, inv_id: int, now_utc: dt.datetime, token: str) -> bool:
    """queued → sending, with the opt-out token's hash, committed before anything is sent."""
    result = session.execute(
        update(Invitation)
        .where(Invitation.id == inv_id, Invitation.status == "queued", Invitation.send_after <= now_utc)
        .values(
            status="sending",
            attempts=Invitation.attempts + 1,
            opt_out_token_hash=token_hash(token),
            updated_at=now_utc,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def _finish(session: Session, inv: Invitation, status: str, reason: str | None, now_utc: dt.datetime) -> None:
    inv.status = status
    inv.reason = reason
    inv.updated_at = now_utc
    if status != "queued":
        inv.contact_phone_enc = None  # sent, cancelled or given up: the number is no longer needed
    session.commit()


def send_due(session: Session, ids: list[int] | None = None, limit: int = 50) -> int:
    """Send the invitations that are due (or only `ids`); returns how many were sent. Commits."""
    cfg = get_config()
    now = clock.now()
    now_utc = clock.utcnow()
    if not cfg.enabled or not in_window(now, cfg):
        return 0
    q = select(Invitation.id).where(Invitation.status == "queued", Invitation.send_after <= now_utc)
    if ids is not None:
        q = q.where(Invitation.id.in_(ids))
    due = list(session.scalars(q.order_by(Invitation.send_after, Invitation.id).limit(limit)))
    session.commit()
    sent = 0
    for inv_id in due:
        token = secrets.token_urlsafe(9)
        if not _claim(session, inv_id, now_utc, token):
            continue  # another sender has it
        inv = session.get(Invitation, inv_id)
        if inv is None:
            continue
        if case_exists(session, inv.deceased_id_hash):
            _finish(session, inv, "cancelled", "case_filed", now_utc)
            continue
        if opted_out(session, inv.contact_phone_hash):
            _finish(session, inv, "suppressed", "opted_out", now_utc)
            continue
        phone = CONTACT.read(inv)
        if not phone:
            _finish(session, inv, "failed", "no_number", now_utc)
            continue
        text = render(cfg, token)
        status = send_sms(phone, text, secrets=[token])
        if status in ("sent", "recorded", "logged"):
            inv.message = masked_text(text, [token])
            inv.sent_at = now_utc
            _finish(session, inv, "sent", None, now_utc)
            sent += 1
        elif inv.attempts < MAX_ATTEMPTS:
            inv.send_after = next_send_time(now + RETRY_AFTER, cfg)
            _finish(session, inv, "queued", "retry", now_utc)
        else:
            _finish(session, inv, "failed", "gateway", now_utc)
    return sent


# ------------------------------------------------------------------ opting out


def invitation_for_token(session: Session, token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Invitation).where(Invitation.opt_out_token_hash == token_hash(token)))


def record_opt_out(session: Session, phone_hash: str, source: str) -> bool:
    """Keep the contact's opt-out (its keyed hash) for good and suppress what is still queued for it.
    True when it is new. Flushes; the caller commits."""
    new = not opted_out(session, phone_hash)
    if new:
        try:
            with session.begin_nested():
                session.add(SmsOptOut(phone_hash=phone_hash, source=source, created_at=clock.utcnow()))
                session.flush()
        except IntegrityError:
            new = False
    for inv in session.scalars(
        select(Invitation).where(Invitation.contact_phone_hash == phone_hash, Invitation.status == "queued")
    ):
        inv.status, inv.reason, inv.contact_phone_enc = "suppressed", "opted_out", None
        inv.updated_at = clock.utcnow()
    session.flush()
    return new


def opt_out_by_reply(session: Session, phone: str, text: str) -> bool:
    """A reply to an invitation (for a gateway that forwards replies): 退订 / TD opts the number out."""
    if text.strip().upper() not in OPT_OUT_REPLIES:
        return False
    record_opt_out(session, PHONE.hash(phone), "reply")
    return True
