"""Data sharing: departments push death / cremation records and relationship checks.

A record is keyed by the keyed hash of the ID number. New submissions pick it up at once
(death_record_shared / cremation_record_shared / relationship_verified exempt materials and make
the certificate items unnecessary); open cases of the same deceased are updated too: their checklist
is recomputed and a certificate task still in progress is completed with the shared record as its
result, which releases the tasks waiting for it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, selectinload

from api import clock
from api.cases.models import CASE_OPEN, CASE_PERSONAL, Case
from api.cases.notify import notify
from api.cases.service import checklist_summary
from api.catalog.loader import get_catalog
from api.checklist.engine import build_checklist
from api.errors import ApiError
from api.proactive.service import invite_if_no_case
from api.regions.service import rules as regional_rules
from api.security.personal import ID_NUMBER, NAME, PersonalField
from api.sharing.models import DeathRecord, RelationshipVerification
from api.sharing.schemas import DeathRecordIn, RelationshipIn
from api.tasks.service import settle_by_shared_record

# The situation flag a shared record sets; the items it settles are those whose already_done_when
# (knowledge/items.yaml) names the flag (api.tasks.service.settle_by_shared_record).
FLAG = {"death": "death_record_shared", "cremation": "cremation_record_shared"}
# A shared record keeps the name (name_enc, name_masked) and only the hash of the ID number.
RECORD_NAME = PersonalField("name", NAME)


def shared_facts(
    session: Session, deceased_hash: str, applicant_hash: str, relationship: str
) -> dict[str, Any]:
    """What departments have already shared about this deceased and applicant: the death and
    cremation records (or None), the relationship check (or None) and the situation flags they set."""
    records = session.scalars(select(DeathRecord).where(DeathRecord.deceased_id_hash == deceased_hash)).all()
    verified = session.scalar(
        select(RelationshipVerification).where(
            RelationshipVerification.deceased_id_hash == deceased_hash,
            RelationshipVerification.applicant_id_hash == applicant_hash,
            RelationshipVerification.relationship == relationship,
        )
    )
    kinds = {r.kind: r for r in records}
    return {
        "death_record": kinds.get("death"),
        "cremation_record": kinds.get("cremation"),
        "relationship": verified,
        "flags": {
            "death_record_shared": "death" in kinds,
            "cremation_record_shared": "cremation" in kinds,
            "relationship_verified": bool(verified and verified.verified),
        },
    }


def _recompute_checklist(case: Case) -> None:
    cat = get_catalog()
    keys = [t.item_key for t in case.tasks]
    session = object_session(case)
    today = clock.today()
    try:
        rules = regional_rules(session, case.region, today) if session is not None else None
        result = build_checklist(cat, case.situation, keys, today, case.region, rules)
    except Exception:
        return
    case.checklist = checklist_summary(result)


def _name_key(name: str) -> str:
    """Names compared as written, ignoring width, spaces and the middle dots of minority names."""
    return re.sub(r"[\s·•・.]", "", unicodedata.normalize("NFKC", name or ""))


def _open_cases(session: Session, **where: str) -> list[Case]:
    # locked like a transition locks its case, so a shared record and a department never race
    q = select(Case).where(Case.status == CASE_OPEN).options(selectinload(Case.tasks)).with_for_update()
    for column, value in where.items():
        q = q.where(getattr(Case, column) == value)
    return list(session.scalars(q).all())


def push_death_record(
    session: Session, department: str, body: DeathRecordIn, _retry: bool = True
) -> dict[str, Any]:
    """Store (or update) a department's death or cremation record and apply it to the open cases of
    the same deceased: situation flag set, certificate tasks settled (api.tasks.service
    .settle_by_shared_record), checklist recomputed, family told. 409 name_mismatch (nothing
    changed) when an open case has the same ID number under another name. Flushes; the route
    commits. A concurrent push of the same record is retried once."""
    h = ID_NUMBER.hash(body.id_number)
    open_cases = _open_cases(session, deceased_id_hash=h)
    for case in open_cases:
        if _name_key(CASE_PERSONAL["deceased_name"].read(case) or "") != _name_key(body.name):
            # the same ID number under another name: one of the two is wrong; settle nothing
            session.rollback()
            raise ApiError(
                409,
                "name_mismatch",
                "记录中的姓名与在办案件中逝者的姓名不一致，未作更新。请核对姓名和身份证号后重新推送。",
            )
    record = session.scalar(
        select(DeathRecord).where(DeathRecord.deceased_id_hash == h, DeathRecord.kind == body.kind)
    )
    created = record is None
    if record is None:
        record = DeathRecord(deceased_id_hash=h, kind=body.kind, received_at=clock.utcnow())
        session.add(record)
    record.source_department = department
    RECORD_NAME.store(record, body.name)
    record.event_date = body.event_date
    record.record_no = body.record_no
    record.death_nature = body.death_nature
    record.updated_at = clock.utcnow()

    updated = []
    for case in open_cases:
        situation = dict(case.situation)
        situation[FLAG[body.kind]] = True
        case.situation = situation
        settle_by_shared_record(
            session, case, FLAG[body.kind], department=department, record_no=body.record_no
        )
        _recompute_checklist(case)
        notify(
            session,
            case,
            "【一件事】已收到部门共享的"
            + ("死亡" if body.kind == "death" else "火化")
            + "信息，相关证明无需您再提交。",
        )
        updated.append(case.case_no)
    try:
        session.flush()  # the route commits, with its audit row
    except IntegrityError:  # a concurrent push of the same record: the other one stands
        session.rollback()
        if not _retry:
            raise
        return push_death_record(session, department, body, _retry=False)
    # proactive service: no case yet → the family contact on record is invited, once per deceased
    invitation = None
    if not open_cases and body.kind == "death":
        invitation = invite_if_no_case(session, h, body.family_phone, department, body.event_date)
    return {
        "id": record.id,
        "kind": record.kind,
        "source_department": department,
        "deceased_name": record.name_masked,
        "deceased_id_number": ID_NUMBER.mask(body.id_number),
        "event_date": record.event_date,
        "record_no": record.record_no,
        "created": created,
        "cases_updated": updated,
        "invitation": None if invitation is None else invitation.status,
        "invitation_id": None if invitation is None else invitation.id,
    }


def push_relationship(
    session: Session, department: str, body: RelationshipIn, _retry: bool = True
) -> dict[str, Any]:
    """Store (or update) a department's check of the applicant's relationship to the deceased and
    apply it to the open cases of that pair with that relationship (situation flag, checklist,
    family told). Flushes; the route commits. A concurrent push is retried once."""
    dh, ah = ID_NUMBER.hash(body.deceased_id_number), ID_NUMBER.hash(body.applicant_id_number)
    rec = session.scalar(
        select(RelationshipVerification).where(
            RelationshipVerification.deceased_id_hash == dh,
            RelationshipVerification.applicant_id_hash == ah,
            RelationshipVerification.relationship == body.relationship,
        )
    )
    created = rec is None
    if rec is None:
        rec = RelationshipVerification(
            deceased_id_hash=dh,
            applicant_id_hash=ah,
            relationship=body.relationship,
            received_at=clock.utcnow(),
        )
        session.add(rec)
    rec.verified = body.verified
    rec.source_department = department
    rec.record_no = body.record_no
    rec.updated_at = clock.utcnow()
    updated = []
    for case in _open_cases(session, deceased_id_hash=dh, applicant_id_hash=ah):
        if case.relationship != body.relationship:
            continue
        rec.case_id = case.id
        situation = dict(case.situation)
        if body.verified:
            situation["relationship_verified"] = True
        else:
            situation.pop("relationship_verified", None)
        case.situation = situation
        _recompute_checklist(case)
        if body.verified:
            notify(session, case, "【一件事】您与逝者的亲属关系已由部门核实，无需再提交亲属关系证明。")
        else:
            notify(
                session,
                case,
                "【一件事】部门未能核实您与逝者的亲属关系，请准备户口簿、结婚证或出生证明等关系证明，"
                "或拨打 12345 咨询。",
            )
        updated.append(case.case_no)
    try:
        session.flush()  # the route commits, with its audit row
    except IntegrityError:
        session.rollback()
        if not _retry:
            raise
        return push_relationship(session, department, body, _retry=False)
    return {
        "id": rec.id,
        "relationship": rec.relationship,
        "verified": rec.verified,
        "source_department": department,
        "created": created,
        "cases_updated": updated,
    }
