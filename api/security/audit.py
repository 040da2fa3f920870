"""record_access: one audit row per access to personal data, in the caller's transaction.

The row says who (role, staff id or department), what (action, object type and id), when and in
which request — never names, ID numbers, phones or accounts. Object ids that look like personal
numbers are masked as a last line of defence.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.clock import utcnow
from api.security.models import AuditLog
from api.security.personal import mask_text
from api.security.principal import Principal

__all__ = ["AuditLog", "record_access"]


def record_access(
    session: Session,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: str | int,
) -> AuditLog:
    """Add one audit row (who, what, which object, which request) to the caller's transaction; it
    is committed with the access it records. The object id is masked if it looks like a personal number."""
    row = AuditLog(
        at=utcnow(),
        role=principal.role,
        staff_id=principal.staff_id,
        department=principal.department,
        actor_case_no=principal.case_no if principal.role == "applicant" else None,
        action=action[:48],
        object_type=object_type[:48],
        object_id=mask_text(str(object_id))[:64],
        request_id=principal.request_id,
    )
    session.add(row)
    return row
