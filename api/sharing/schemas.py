"""Bodies of the data-sharing endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.cases.schemas import Relationship, StrictIn, checked_id_number
from api.identity import clean_name, parse_id_number


class DeathRecordIn(StrictIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["death", "cremation"] = Field(description="death 死亡记录；cremation 火化记录")
    id_number: str = Field(min_length=1, max_length=32, description="逝者身份证号")
    name: str = Field(min_length=1, max_length=50)
    event_date: dt.date = Field(description="去世日期（death）或火化日期（cremation）")
    record_no: str = Field(min_length=1, max_length=64, description="来源系统中的证明编号")
    death_nature: Literal["normal", "abnormal"] | None = Field(
        default=None, description="死亡性质（death 记录可填）：normal 正常死亡，abnormal 非正常死亡"
    )

    _idn = field_validator("id_number")(checked_id_number)
    _name = field_validator("name")(clean_name)

    @model_validator(mode="after")
    def _dates(self) -> DeathRecordIn:
        # validated like a submission: a record dated in 2099, or before the birth date inside the
        # ID number, is a department's data-entry error, not a fact to settle a family's case with
        from api.clock import today

        what = "去世日期" if self.kind == "death" else "火化日期"
        if self.event_date > today():
            raise ValueError(f"{what}不能晚于今天，请核对 event_date")
        if self.event_date < parse_id_number(self.id_number):
            raise ValueError(f"{what}早于身份证号中的出生日期，请核对 event_date 或身份证号")
        return self


class DeathRecordOut(BaseModel):
    id: int
    kind: str
    source_department: str
    deceased_name: str
    deceased_id_number: str
    event_date: dt.date
    record_no: str
    created: bool = Field(description="true 新记录；false 更新了已有记录")
    cases_updated: list[str] = Field(description="因此更新的在办案件号")


class RelationshipIn(StrictIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    deceased_id_number: str = Field(min_length=1, max_length=32)
    applicant_id_number: str = Field(min_length=1, max_length=32)
    relationship: Relationship
    verified: bool = Field(description="true 关系属实；false 核查不符")
    record_no: str | None = Field(default=None, max_length=64)

    _d = field_validator("deceased_id_number")(checked_id_number)
    _a = field_validator("applicant_id_number")(checked_id_number)


class RelationshipOut(BaseModel):
    id: int
    relationship: str
    verified: bool
    source_department: str
    created: bool
    cases_updated: list[str]
