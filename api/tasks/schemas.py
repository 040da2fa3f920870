"""Department task bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.cases.schemas import StrictIn, TaskState
from api.limits import RESULT_MAX_BYTES, RESULT_MAX_DEPTH, check_json


class TransitionIn(StrictIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["accept", "complete", "request_supplement", "resubmit", "reject"]
    version: int = Field(ge=1, le=2_000_000_000, description="读取任务时得到的 version（乐观锁）")
    result: dict[str, Any] | None = Field(
        default=None,
        description='办理结果，如 {"certificate_no": "..."}、{"amount_paid": 12345.6}、'
        '{"notarised_will_found": false}',
    )
    note: str | None = Field(default=None, max_length=500, description="补正或不予办理时写明原因")
    staff_id: str | None = Field(default=None, max_length=64, description="经办人工号")

    @field_validator("result", mode="before")
    @classmethod
    def _result_limits(cls, value: Any) -> Any:
        # shown to the family on every read: bounded before anything is committed
        if value is not None:
            check_json(value, what="result", max_depth=RESULT_MAX_DEPTH, max_bytes=RESULT_MAX_BYTES)
        return value


class TaskEventOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    actor_role: str
    actor: str | None
    note: str | None
    at: dt.datetime


class DepartmentTask(TaskState):
    case_no: str
    staff_id: str | None
    deceased_name: str
    deceased_id_number: str
    death_date: dt.date
    applicant_name: str
    applicant_phone: str
    relationship: str
    released_at: dt.datetime | None


class DepartmentTaskDetail(DepartmentTask):
    events: list[TaskEventOut]


class TaskList(BaseModel):
    department: str
    total: int
    tasks: list[DepartmentTask]
