"""How a case is shown: composes the case, its tasks and what shared records say.

Entry layer (like routes and flows): it may read every area; nothing below a route imports it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api import clock
from api.cases.models import Case
from api.cases.numbers import readable
from api.catalog.loader import get_catalog
from api.delivery.service import choice_of, choice_out, deliveries_for
from api.sharing.service import shared_facts
from api.tasks.service import task_out


def case_out(session: Session, case: Case) -> dict[str, Any]:
    """The case as the family and the staff see it: personal data masked, never decrypted; tasks with
    status in words and overdue flags; what shared records say; the SMS sent."""
    today = clock.today()
    facts = shared_facts(session, case.deceased_id_hash, case.applicant_id_hash, case.relationship)
    shared: dict[str, Any] = dict(facts["flags"])
    for kind in ("death_record", "cremation_record"):
        r = facts[kind]
        if r is not None:
            shared[kind] = {"source": r.source_department, "date": r.event_date, "record_no": r.record_no}
    deliveries = deliveries_for(session, case)  # 证照送达 of each completed task
    return {
        "case_no": case.case_no,
        "case_no_readable": readable(case.case_no),
        "status": case.status,
        "region": case.region,
        "channel": case.channel,
        "created_at": case.created_at,
        "completed_at": case.completed_at,
        "deceased": {
            "name": case.deceased_name_masked,
            "id_number": case.deceased_id_masked,
            "death_date": case.death_date,
        },
        "applicant": {
            "name": case.applicant_name_masked,
            "phone": case.applicant_phone_masked,
            "relationship": case.relationship,
            "relationship_text": get_catalog().value_label("relationship", case.relationship),
        },
        "payee_account": case.payee_account_masked,
        "shared_data": shared,
        "tasks": [{**task_out(t, today), "delivery": deliveries[t.id]} for t in case.tasks],
        "delivery": choice_out(choice_of(session, case)),
        "checklist": case.checklist,
        "notifications": [
            {
                "channel": n.channel,
                "recipient": n.recipient_masked,
                "message": n.message,
                "status": n.status,
                "created_at": n.created_at,
            }
            for n in case.notifications
        ],
    }
