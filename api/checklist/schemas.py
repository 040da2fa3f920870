"""Request and response shapes of POST /api/v1/checklist (field names fixed by interfaces.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

START_DATE_MIN = dt.date(2000, 1, 1)
START_DATE_MAX = dt.date(2099, 12, 31)

Status = Literal["selected", "added_prerequisite", "already_done", "ineligible"]


class MissingField(BaseModel):
    key: str
    label: str
    question: str
    type: Literal["enum", "bool"]
    values: list[dict[str, str | bool]]
    needed_by: list[str]  # item keys that need the answer


class ItemStatus(BaseModel):
    key: str
    name: str
    colloquial_name: str
    department: str
    department_name: str
    status: Status
    reason: str | None = None  # why added / already done / ineligible
    instead: str | None = None  # for ineligible: what to do instead
    provisional: bool = False  # eligibility still depends on unanswered questions
    waits_for: list[str] = Field(default_factory=list)  # items of this case it must wait for
    time_limit_days: int | None = None
    due_by: dt.date | None = None  # if started on the submission date


class MaterialLine(BaseModel):
    key: str
    name: str
    description: str
    copies: int
    form: str
    medium: Literal["electronic", "paper", "any"]
    generated: bool
    exempt: bool
    reason: str | None = None  # exemption reason
    promise_allowed: bool
    promise_note: str | None = None
    needed_for: list[str]


class Estimate(BaseModel):
    together_days: int  # critical path through the prerequisite graph, in working days
    separately_days: int  # the same items one after another
    finish_by: dt.date | None
    separately_finish_by: dt.date | None
    together_visits: int
    separately_visits: int
    start_date: dt.date
    calendar_note: str | None = None
    critical_path: list[str]
    summary: str


class Reduction(BaseModel):
    separately: int  # materials summed over items as if each were done on its own
    together: int  # the deduplicated, exempted list
    saved: int
    summary: str


class ChecklistResult(BaseModel):
    items: list[ItemStatus]
    materials: list[MaterialLine]
    estimate: Estimate
    reduction: Reduction
    missing_fields: list[MissingField]
    region: str


class ChecklistRequestBase(BaseModel):
    """The situation model is built from knowledge/situation.yaml; routes subclass this with it."""

    model_config = ConfigDict(extra="forbid")
    items: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None,
        max_length=50,
        description="事项键列表；为 null 时列出全部符合条件的事项",
        examples=[["hukou_cancel"]],
    )
    region: str | None = Field(
        default=None, max_length=12, description="行政区划代码（省、市州或县），默认贵州省"
    )
    start_date: dt.date | None = Field(default=None, description="从哪天起算办结时限，默认今天")

    @field_validator("start_date")
    @classmethod
    def _start_date_in_range(cls, value: dt.date | None) -> dt.date | None:
        # working days are counted forward from it: 9999-12-31 overflowed the calendar (a 500)
        if value is not None and not START_DATE_MIN <= value <= START_DATE_MAX:
            raise ValueError(
                f"起算日期应在 {START_DATE_MIN.isoformat()} 到 {START_DATE_MAX.isoformat()} 之间，"
                "不填则从今天算"
            )
        return value
