"""好差评 bodies."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from api.cases.schemas import StrictIn


class RatingIn(StrictIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item: str = Field(min_length=1, max_length=64, description="要评价的事项键（须已办结）")
    score: int = Field(ge=1, le=5, description="对这件事项办理的评价：1 非常不满意 … 5 非常满意")
    staff_score: int | None = Field(
        default=None, ge=1, le=5, description="对经办人的评价（可选，默认同 score）"
    )
    comment: str | None = Field(default=None, max_length=500)


class RatingOut(BaseModel):
    id: int
    item: str
    department: str
    staff_id: str | None
    score: int
    staff_score: int | None
    comment: str | None
    created_at: dt.datetime
    message: str
    replayed: bool = Field(default=False, description="true：同一评价重复提交，返回的是已记录的那一条")
