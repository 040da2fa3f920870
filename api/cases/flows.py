"""Submission (一表申请) as one transaction: what spans areas when a family files a case.

``submit_application`` reads as the steps it takes: replay an earlier answer for the same
Idempotency-Key, check the application (people, region, situation, items, one open case per
deceased, payee account), open the case (personal fields encrypted), open its tasks (released when
nothing blocks them, with their outbox events), tell the family, answer, remember the answer for a
retry and write the audit row — then one commit. Nothing is half-written: a failure anywhere
(the audit row included) leaves no case behind.

Rule for the whole API: services (``<area>/service.py``) add and flush, never commit; a route or a
flow owns the transaction and commits once, after the audit row (docs/api.md, "Transactions").
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import clock
from api.cases.models import CASE_OPEN, CASE_PERSONAL, Case, IdempotencyRecord
from api.cases.notify import notify
from api.cases.numbers import new_access_token, new_case_no, readable, token_hash
from api.cases.progress_code import new_progress_code, progress_code_hash
from api.cases.schemas import CaseCreate
from api.cases.service import (
    checklist_summary,
    jsonable,
    resolve_items,
    situation_of,
    validate_people,
)
from api.catalog.loader import UNKNOWN_REGION, get_catalog
from api.checklist.engine import active_keys
from api.delivery.service import record_choice
from api.errors import ApiError
from api.regions.service import rules as regional_rules
from api.security.audit import record_access
from api.security.crypto import decrypt, encrypt, lookup_hash
from api.security.personal import PersonalField
from api.security.principal import Principal
from api.sharing.service import shared_facts
from api.tasks.service import create_task, release_unblocked, task_out

log = logging.getLogger("api.cases")
# where the progress code stood in the stored copy of a submission answer's message
_CODE_SLOT = "{progress_code}"


@dataclass(frozen=True)
class Application:
    """A checked application: everything needed to open the case."""

    body: CaseCreate
    channel: str
    today: Any  # dt.date, China's
    region: str
    situation: dict[str, Any]
    checklist: Any  # the checklist engine's result
    deceased_hash: str
    applicant_hash: str


def request_hash(body: CaseCreate) -> str:
    """A keyed hash of the whole body: the same application gives the same hash, and the stored
    hash cannot be used to guess the personal data in it."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(lookup_hash(canonical).encode()).hexdigest()


# ------------------------------------------------------------------ the steps


def earlier_answer(
    session: Session, idempotency_key: str | None, req_hash: str
) -> tuple[dict[str, Any], int | None] | None:
    """The answer given to an earlier request with this Idempotency-Key (access token decrypted)
    and its case id, or None; 422 idempotency_key_reused when that request had another body."""
    if not idempotency_key:
        return None
    rec = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == idempotency_key))
    if rec is None:
        return None
    if rec.request_hash != req_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "这个 Idempotency-Key 已经用于另一份不同的申请。"
            "重新提交同一份申请请用原来的内容；新申请请换一个新的键。",
        )
    body = dict(rec.response)
    body["access_token"] = decrypt(body["access_token"])
    if body.get("progress_code"):
        body["progress_code"] = decrypt(body["progress_code"])
        body["message"] = str(body.get("message", "")).replace(_CODE_SLOT, body["progress_code"])
    return body, rec.case_id


def duplicate_case(existing: Case, applicant_hash: str, phone: str) -> ApiError:
    """409 case_exists; the case number goes back only to the applicant who opened it (same ID
    number and same phone)."""
    if (
        existing.applicant_id_hash == applicant_hash
        and CASE_PERSONAL["applicant_phone"].read(existing) == phone
    ):
        return ApiError(
            409,
            "case_exists",
            f"您已经为这位逝者提交过申请（案件号 {readable(existing.case_no)}），正在办理中，不需要重复提交。"
            "可凭案件号和查询码查看进度；查询码遗失请带身份证到窗口或拨打 12345。",
            details={"case_no": existing.case_no},
        )
    return ApiError(
        409,
        "case_exists",
        "已经有家人为这位逝者提交了申请，正在办理中，不需要重复提交。请向提交申请的家人询问案件号和查询码，"
        "或拨打 12345 咨询。",
    )


def check_application(session: Session, body: CaseCreate, channel: str) -> Application:
    """Every check before anything is written, in the order a family's mistakes are reported:
    people, region, situation (with what shared records already say), items, an open case for the
    same deceased (told only to a fully valid application), the payee account."""
    today = clock.today()
    validate_people(body, today)
    cat = get_catalog()
    if not cat.knows_region(body.region):
        raise ApiError(422, "unknown_region", UNKNOWN_REGION)
    region = body.region or cat.default_region
    d, a = body.deceased, body.applicant
    deceased_hash = CASE_PERSONAL["deceased_id"].hash(d.id_number)
    applicant_hash = CASE_PERSONAL["applicant_id"].hash(a.id_number)

    facts = shared_facts(session, deceased_hash, applicant_hash, a.relationship)
    fills: dict[str, Any] = {}
    if facts["death_record"] is not None and facts["death_record"].death_nature:
        fills["death_nature"] = facts["death_record"].death_nature
    situation = situation_of(body, channel, facts["flags"], fills)
    rules = regional_rules(session, region, today)  # what the region set, in force today
    result = resolve_items(situation, body.items, region, today, rules)
    offline = [k for k in active_keys(result) if k in rules.offline_only] if channel == "online" else []
    if offline:
        names = "、".join(cat.items[k].colloquial_name for k in offline)
        raise ApiError(
            422,
            "not_online_here",
            f"“{names}”在{cat.regions[rules.offline_only[offline[0]]].name}还不能在网上申请。"
            "请带上材料到当地政务服务中心“一件事”窗口办理，或取消这几件事后再提交。",
            details={"items": offline},
        )
    # Whether this deceased has an open case is told only to a fully validated application
    # (issue 7): a probe with a bare ID number learns nothing.
    existing = session.scalar(select(Case).where(Case.open_deceased_hash == deceased_hash))
    if existing is not None:
        raise duplicate_case(existing, applicant_hash, a.phone)

    payout = [k for k in active_keys(result) if cat.items[k].payout]
    if payout and not body.payee_account:
        names = "、".join(cat.items[k].colloquial_name for k in payout)
        raise ApiError(
            422,
            "payee_account_required",
            f"“{names}”会把钱打到您指定的账户，请填写收款银行账号（payee_account）。",
        )
    return Application(body, channel, today, region, situation, result, deceased_hash, applicant_hash)


def open_case(
    session: Session, app: Application, staff_id: str | None, idempotency_key: str | None
) -> tuple[Case, str, str]:
    """The case row (personal fields encrypted, hashed and masked), its access token and its short
    progress code, both stored only as hashes."""
    token = new_access_token()
    code = new_progress_code()
    case_no = new_case_no(app.today)
    while session.scalar(select(Case.id).where(Case.case_no == case_no)) is not None:  # pragma: no cover
        case_no = new_case_no(app.today)
    d, a = app.body.deceased, app.body.applicant
    personal = {
        "deceased_name": d.name,
        "deceased_id": d.id_number,
        "applicant_name": a.name,
        "applicant_id": a.id_number,
        "applicant_phone": a.phone,
        "payee_account": app.body.payee_account,
    }
    columns: dict[str, Any] = {}
    for name, value in personal.items():
        field: PersonalField = CASE_PERSONAL[name]
        columns.update(field.columns(value))
    case = Case(
        case_no=case_no,
        status=CASE_OPEN,
        region=app.region,
        channel=app.channel,
        situation=app.situation,
        checklist=checklist_summary(app.checklist),
        created_at=clock.utcnow(),
        created_by_staff=staff_id,
        **columns,  # every personal field: encrypted, hashed and masked as CASE_PERSONAL declares
        death_date=d.death_date,
        open_deceased_hash=app.deceased_hash,
        relationship=a.relationship,
        access_token_hash=token_hash(token),
        progress_code_hash=progress_code_hash(case_no, code),
        idempotency_key=idempotency_key,
    )
    session.add(case)
    return case, token, code


def record_delivery(session: Session, case: Case, body: CaseCreate) -> None:
    """证照送达: the family's delivery choice (mailing address encrypted), api.delivery."""
    if case.id is None:
        session.flush()
    choice = body.delivery
    record_choice(session, case, choice.method if choice else None, choice.address if choice else None)


def open_tasks(session: Session, case: Case, app: Application, staff_id: str | None) -> None:
    """One task per item to do, waiting for the items it needs among them; those that wait for
    nothing are released at once (with their outbox events)."""
    active = set(active_keys(app.checklist))
    actor_role = "applicant" if app.channel == "online" else "window_staff"
    for entry in app.checklist.items:
        if entry.key in active:
            waits_for = [w for w in (getattr(entry, "waits_for", None) or []) if w in active]
            create_task(session, case, entry.key, waits_for, actor_role, staff_id)
    session.flush()
    release_unblocked(session, case)


def tell_family_submitted(session: Session, case: Case, code: str) -> None:
    """The SMS that the case was filed (its number, its progress code, the count of items), in the
    transaction; the stored copy has the code masked."""
    notify(
        session,
        case,
        f"【一件事】您的申请已受理，案件号 {readable(case.case_no)}，查询码 {code}，共 {len(case.tasks)} "
        "件事项，各部门将同步办理。凭案件号和查询码可在网上或对助手查看进度，请保存本短信。",
        secrets=[code],
    )
    session.flush()


def submission_answer(case: Case, token: str, code: str, app: Application) -> dict[str, Any]:
    """The 201 body: the case number, the access token and the short progress code (shown this
    once), tasks and checklist."""
    return {
        "case_no": case.case_no,
        "case_no_readable": readable(case.case_no),
        "access_token": token,
        "progress_code": code,
        "status": case.status,
        "tasks": [jsonable(task_out(t, app.today)) for t in case.tasks],
        "checklist": case.checklist,
        "message": f"申请已提交。请记下案件号 {readable(case.case_no)} 和 6 位查询码 {code}（只显示这一次，"
        "短信里也有），凭它们随时查看各事项的办理进度。",
    }


def remember_answer(
    session: Session, idempotency_key: str | None, req_hash: str, answer: dict[str, Any], case: Case
) -> None:
    """Keep the answer for a retry with the same Idempotency-Key (the access token encrypted)."""
    if not idempotency_key:
        return
    stored = dict(answer)
    stored["access_token"] = encrypt(answer["access_token"])
    stored["progress_code"] = encrypt(answer["progress_code"])
    stored["message"] = answer["message"].replace(answer["progress_code"], _CODE_SLOT)  # never in clear
    session.add(
        IdempotencyRecord(
            key=idempotency_key,
            request_hash=req_hash,
            status_code=201,
            response=stored,
            case_id=case.id,
            created_at=clock.utcnow(),
        )
    )


def _replayed(
    session: Session, actor: Principal, answer: dict[str, Any], case_id: int | None
) -> tuple[dict[str, Any], bool]:
    # audit object ids are the internal case id (case numbers look like long numbers and would be
    # masked by the audit log's last line of defence)
    record_access(session, actor, "replay", "case", str(case_id))
    session.commit()
    return answer, True


# ------------------------------------------------------------------ the flow


def submit_application(
    session: Session,
    body: CaseCreate,
    *,
    principal: Principal | None,
    channel: str,
    idempotency_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """File a case in one transaction, audit row included, and commit. Returns (the 201 body,
    whether it replays an earlier answer for the same Idempotency-Key). A concurrent request that
    wins the race (same key, or a case for the same deceased) turns this one into its replay or
    a 409 case_exists."""
    actor = principal or Principal(role="applicant")  # an online applicant is recorded as such
    staff_id = principal.staff_id if principal else None
    req_hash = request_hash(body)
    earlier = earlier_answer(session, idempotency_key, req_hash)
    if earlier is not None:
        return _replayed(session, actor, *earlier)

    try:
        app = check_application(session, body, channel)
    except ApiError as exc:
        # the same request with the same key committed between the lookup above and the open-case
        # check: its answer is this one's (a retry must not read "already filed")
        earlier = earlier_answer(session, idempotency_key, req_hash) if exc.code == "case_exists" else None
        if earlier is None:
            raise
        return _replayed(session, actor, *earlier)
    try:
        case, token, code = open_case(session, app, staff_id, idempotency_key)
        open_tasks(session, case, app, staff_id)
        record_delivery(session, case, body)
        tell_family_submitted(session, case, code)
        answer = submission_answer(case, token, code, app)
        remember_answer(session, idempotency_key, req_hash, answer, case)
        record_access(session, actor, "create", "case", str(case.id))
        session.commit()
    except IntegrityError:
        session.rollback()
        earlier = earlier_answer(session, idempotency_key, req_hash)
        if earlier is not None:
            return _replayed(session, actor, *earlier)
        existing = session.scalar(select(Case).where(Case.open_deceased_hash == app.deceased_hash))
        if existing is not None:
            raise duplicate_case(existing, app.applicant_hash, body.applicant.phone) from None
        raise
    log.info("case %s created: %d tasks, channel %s", readable(case.case_no), len(case.tasks), channel)
    return answer, False
