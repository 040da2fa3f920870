"""Bodies of the data-sharing endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.cases.schemas import Relationship, StrictIn, checked_id_number
from api.identity import DigitsError, ascii_digits, clean_name, parse_id_number, valid_phone


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
    family_phone: str | None = Field(
        default=None,
        max_length=20,
        description="登记的家属联系电话（可选）：尚无案件时，系统会向它发送一次“一件事”服务邀请短信",
    )

    _idn = field_validator("id_number")(checked_id_number)
    _name = field_validator("name")(clean_name)

    @field_validator("family_phone")
    @classmethod
    def _family_phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            v = ascii_digits(value, "家属联系电话")
        except DigitsError as exc:
            raise ValueError(str(exc)) from None
        v = v.replace(" ", "").replace("-", "").removeprefix("+86")
        if not valid_phone(v):
            raise ValueError("家属联系电话应为 11 位手机号、以 1 开头，请核对 family_phone")
        return v

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
    invitation: str | None = Field(
        default=None,
        description="服务邀请短信：queued 已排队（夜间顺延到早上）、sent 已发送、suppressed 对方已退订；"
        "null 不邀请（没有家属电话、已有案件或已邀请过）",
    )


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
