"""Shape of GET /api/v1/stats."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class Group(BaseModel):
    tasks: int
    open: int
    completed: int
    rejected: int
    overdue_open: int = Field(description="未办结且已超过办结期限的任务数")
    completed_late: int = Field(description="超过办结期限才办结的任务数")
    avg_handling_working_days: float | None = Field(description="从推送到办结的平均用时（工作日）")
    avg_time_limit_days: float | None = Field(description="这些任务的平均办结时限（工作日）")
    on_time_rate: float | None
    ratings: int
    avg_rating: float | None


class NamedGroup(Group):
    key: str
    name: str


class CaseCounts(BaseModel):
    total: int
    open: int
    completed: int


class RatingSummary(BaseModel):
    count: int
    distribution: dict[str, int]


class AnswerRatings(BaseModel):
    helpful: int = Field(description="网站聊天窗口里评为“有帮助”的回答数")
    not_helpful: int = Field(description="评为“没帮助”的回答数")


class Stats(BaseModel):
    as_of: dt.date
    since: dt.date | None
    until: dt.date | None
    cases: CaseCounts
    tasks: Group
    by_item: list[NamedGroup]
    by_department: list[NamedGroup]
    by_staff: list[NamedGroup] = Field(description="按经办人（工号）；经办人评价用 staff_score")
    ratings: RatingSummary
    answer_ratings: AnswerRatings = Field(
        default_factory=lambda: AnswerRatings(helpful=0, not_helpful=0),
        description="在线助手回答的有帮助 / 没帮助（按评价时间）",
    )
