"""Department workbench bodies."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.limits import RESULT_MAX_BYTES, RESULT_MAX_DEPTH, check_json


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1, le=2_000_000_000, description="读取任务时得到的 version（乐观锁）")


class AcceptIn(_In):
    pass


class CompleteIn(_In):
    result: dict[str, Any] = Field(
        default_factory=dict, description="事项的结果字段（见队列里的 result_fields）"
    )

    @field_validator("result", mode="before")
    @classmethod
    def _limits(cls, value: Any) -> Any:
        if isinstance(value, dict):
            check_json(value, what="result", max_depth=RESULT_MAX_DEPTH, max_bytes=RESULT_MAX_BYTES)
        return value


class SupplementIn(_In):
    materials: list[str] = Field(default_factory=list, max_length=20, description="需要补充的材料键")
    reason: str = Field(min_length=2, max_length=300, description="为什么需要补充，家属照着就能办")


class RejectIn(_In):
    reason: str = Field(min_length=2, max_length=300, description="不予办理的原因和家属可以怎么办")


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: Literal[
        "deceased_name",
        "deceased_id",
        "applicant_name",
        "applicant_phone",
        "payee_account",
        "delivery_address",
    ]


class RevealOut(BaseModel):
    field: str
    label: str
    value: str


class QueueOut(BaseModel):
    department: str
    department_name: str
    today: str
    total: int
    tasks: list[dict[str, Any]]
