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


class RatingComment(BaseModel):
    item: str
    item_name: str
    department: str
    department_name: str
    staff_id: str | None
    score: int
    staff_score: int | None
    comment: str | None = Field(description="家属的留言（个人信息已遮蔽）")
    created_at: dt.datetime


class RatingSummary(BaseModel):
    count: int
    distribution: dict[str, int]
    comments: list[RatingComment] = Field(default_factory=list, description="最近的留言（至多 20 条）")


class OverdueTask(BaseModel):
    task_id: int
    case_no: str
    item: str
    item_name: str
    department: str
    department_name: str
    region: str
    region_name: str
    status: str
    due_date: dt.date
    days_overdue: int
    staff_id: str | None


class WeekCount(BaseModel):
    week_start: dt.date = Field(description="这一周的星期一")
    cases: int


class MaterialsSaved(BaseModel):
    cases: int = Field(description="有材料对比数据的案件数")
    separately: int = Field(description="这些案件各事项分开申请共需提交的材料份次")
    together: int = Field(description="一次申请、一套材料实际提交的份数")
    saved: int
    saved_rate: float | None


class AnswerRatings(BaseModel):
    helpful: int = Field(description="网站聊天窗口里评为“有帮助”的回答数")
    not_helpful: int = Field(description="评为“没帮助”的回答数")


class Stats(BaseModel):
    as_of: dt.date
    since: dt.date | None
    until: dt.date | None
    region: str | None = Field(default=None, description="统计范围（行政区划代码，含下级）；null 为全省")
    region_name: str = "全省"
    cases: CaseCounts
    tasks: Group
    by_item: list[NamedGroup]
    by_department: list[NamedGroup]
    by_region: list[NamedGroup] = Field(
        default_factory=list, description="按下一级地区：全省看各市州，市州看各县（区）"
    )
    region_level: str = Field(default="city", description="by_region 的层级：city 市州，county 县（区）")
    by_staff: list[NamedGroup] = Field(description="按经办人（工号）；经办人评价用 staff_score")
    ratings: RatingSummary
    overdue_tasks: list[OverdueTask] = Field(
        default_factory=list, description="超期未办结的任务，超期最久的在前（至多 20 件）"
    )
    cases_per_week: list[WeekCount] = Field(default_factory=list, description="最近 26 周每周提交的案件数")
    materials: MaterialsSaved | None = Field(
        default=None, description="“一套材料”节省的材料份次（按提交时的材料清单计算）"
    )
    answer_ratings: AnswerRatings | None = Field(
        default_factory=lambda: AnswerRatings(helpful=0, not_helpful=0),
        description="在线助手回答的有帮助 / 没帮助（按评价时间；回答不分地区，"
        "只在全省范围给出，否则为 null）",
    )
