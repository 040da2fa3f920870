"""Who is calling, as every area sees it: the roles and the Principal a request resolves to.

Pure data, no database and no HTTP: the credentials are checked by api.access.auth (FastAPI
dependencies) and api.staff (browser sign-in), which both answer a Principal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal[
    "applicant", "window_staff", "hotline_staff", "department", "admin", "regional_admin", "supervisor"
]
# regional_admin and supervisor sign in through api.staff (browser pages) only; they are not in
# STAFF_ROLES, so they see no case unless a route grants it explicitly.
ROLES: tuple[str, ...] = (
    "applicant",
    "window_staff",
    "hotline_staff",
    "department",
    "admin",
    "regional_admin",
    "supervisor",
)
STAFF_ROLES = ("window_staff", "hotline_staff", "admin")

ROLE_TEXT = {
    "applicant": "申请人",
    "window_staff": "窗口工作人员",
    "hotline_staff": "热线工作人员",
    "department": "承办部门",
    "admin": "管理员",
    "regional_admin": "地区管理员",
    "supervisor": "监督人员",
}


@dataclass(frozen=True)
class Principal:
    role: str
    department: str | None = None
    staff_id: str | None = None
    case_no: str | None = None
    request_id: str | None = None
    region: str | None = None  # a regional administrator's region code (api.staff sign-in)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES
