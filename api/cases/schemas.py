"""Request and response bodies of the case API. Inputs forbid unknown fields (no mass assignment)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.catalog.loader import get_catalog
from api.identity import (
    DigitsError,
    IdNumberError,
    ascii_digits,
    clean_name,
    normalize_id_number,
    parse_id_number,
    valid_phone,
)
from api.limits import SITUATION_MAX_BYTES, SITUATION_MAX_DEPTH, check_json

# The values of the situation field `relationship` in knowledge/situation.yaml (their one source),
# read through the API's catalog; tests/bot/test_catalog_contract.py checks the bot's side.
Relationship = Literal[tuple(str(v.value) for v in get_catalog().situation_fields["relationship"].values)]


def _reject_nul(value: Any) -> None:
    # iterative: a body nested hundreds of levels deep must not exhaust the stack
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise ValueError("内容里有无法保存的控制字符（\\u0000），请删除后再提交")
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)


class StrictIn(BaseModel):
    """Inputs: unknown fields refused (no mass assignment), text without NUL characters (which
    PostgreSQL cannot store)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _reject_nul(data)
        return data


def checked_id_number(value: str) -> str:
    """A field validator: a valid resident ID number, in the form that is hashed and stored."""
    try:
        parse_id_number(value)
    except IdNumberError as exc:
        raise ValueError(str(exc)) from None
    return normalize_id_number(value)


class DeceasedIn(StrictIn):
    name: str = Field(min_length=1, max_length=50, description="逝者姓名")
    id_number: str = Field(min_length=1, max_length=32, description="逝者身份证号（18 位）")
    death_date: dt.date = Field(description="去世日期")

    _idn = field_validator("id_number")(checked_id_number)
    _name = field_validator("name")(clean_name)

    @field_validator("death_date")
    @classmethod
    def _not_future(cls, value: dt.date) -> dt.date:
        from api.clock import today

        if value > today():
            raise ValueError("去世日期不能晚于今天，请核对")
        return value


class ApplicantIn(StrictIn):
    name: str = Field(min_length=1, max_length=50, description="申请人姓名")
    id_number: str = Field(min_length=1, max_length=32, description="申请人身份证号（18 位）")
    phone: str = Field(min_length=1, max_length=20, description="手机号，用于接收办理进度短信")
    relationship: Relationship = Field(description="申请人与逝者的关系")

    _idn = field_validator("id_number")(checked_id_number)
    _name = field_validator("name")(clean_name)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        try:
            v = ascii_digits(value, "手机号")
        except DigitsError as exc:
            raise ValueError(str(exc)) from None
        v = v.replace(" ", "").replace("-", "")
        if v.startswith("+86"):
            v = v[3:]
        if not valid_phone(v):
            raise ValueError("手机号应为 11 位数字、以 1 开头，请核对")
        return v


class DeliveryIn(BaseModel):
    """证照送达: how the family wants the paper originals (optional; default electronic)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    method: Literal["electronic", "mail"] = Field(
        default="electronic",
        description="electronic：电子结果文书在进度页下载，纸质原件到窗口领取；mail：纸质原件邮寄到下面的地址",
    )
    address: str | None = Field(
        default=None, min_length=6, max_length=200, description="邮寄地址（省市区街道门牌），选择邮寄时必填"
    )

    @model_validator(mode="after")
    def _address(self) -> DeliveryIn:
        if self.method == "mail" and not self.address:
            raise ValueError("选择邮寄时请填写邮寄地址（省、市、区县、街道和门牌号）")
        if self.method == "electronic" and self.address:
            raise ValueError("不邮寄时不用填写地址；要邮寄请把 method 设为 mail")
        return self


class ResultLine(BaseModel):
    key: str
    label: str
    value: str


class DeliveryOut(BaseModel):
    """证照送达 of one completed task (api.delivery.service.delivery_out)."""

    document_no: str
    issuing_department: str
    issued_at: dt.datetime | None
    document_path: str
    method: Literal["electronic", "mail"]
    address: str | None
    carrier: str | None
    tracking_no: str | None
    mailed_at: dt.datetime | None
    received_at: dt.datetime | None
    status: str
    status_text: str
    result_lines: list[ResultLine]


class CaseCreate(StrictIn):
    """一表申请: one form for every chosen item."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "deceased": {
                        "name": "张德明",
                        "id_number": "520102194103080014",
                        "death_date": "2026-11-26",
                    },
                    "applicant": {
                        "name": "张晓红",
                        "id_number": "520102196910020025",
                        "phone": "13912345678",
                        "relationship": "child",
                    },
                    "situation": {
                        "death_nature": "normal",
                        "death_place": "hospital",
                        "funeral": "cremation",
                        "hukou_in_guizhou": True,
                        "pension_scheme": "enterprise",
                        "pension_status": "retired",
                        "medical_scheme": "employee",
                    },
                    "items": ["hukou_cancel", "social_insurance_suspend", "survivor_benefits"],
                    "payee_account": "6222021234567890123",
                }
            ]
        },
    )

    deceased: DeceasedIn
    applicant: ApplicantIn
    situation: dict[str, Any] = Field(
        default_factory=dict, description="逝者情况，字段见 catalog.md §3（POST /checklist 同名字段）"
    )
    items: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=50, description="要办的事项键；null 表示所有符合条件的事项"
    )
    payee_account: str | None = Field(default=None, max_length=40, description="领取待遇的收款银行账号")
    region: str | None = Field(default=None, description="办理地行政区划代码（6 位）")
    channel: Literal["online", "window"] | None = None
    delivery: DeliveryIn | None = Field(
        default=None, description="证照送达：纸质原件邮寄或到窗口领取（可不填，默认电子文书 + 窗口领取）"
    )

    @field_validator("situation", mode="before")
    @classmethod
    def _situation_limits(cls, value: Any) -> Any:
        # a flat object of short answers; checked before anything is hashed or stored
        if isinstance(value, dict):
            check_json(value, what="situation", max_depth=SITUATION_MAX_DEPTH, max_bytes=SITUATION_MAX_BYTES)
        return value

    @field_validator("payee_account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            v = ascii_digits(value, "收款账号")
        except DigitsError as exc:
            raise ValueError(str(exc)) from None
        v = v.replace(" ", "")
        if not (v.isascii() and v.isdigit()) or not 8 <= len(v) <= 30:
            raise ValueError("收款账号应为 8–30 位数字，请核对银行卡或存折上的账号")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            value = ascii_digits(value, "行政区划代码").strip()
        except DigitsError as exc:
            raise ValueError(str(exc)) from None
        if len(value) != 6 or not (value.isascii() and value.isdigit()):
            raise ValueError("行政区划代码应为 6 位数字，如 520100（贵阳市）")
        return value


class TaskState(BaseModel):
    """What the family and the department both see of a task."""

    id: int
    item: str
    name: str
    colloquial_name: str
    department: str
    status: str
    status_text: str
    waits_for: list[str]
    due_date: dt.date | None
    overdue: bool
    version: int
    result: dict[str, Any] | None
    note: str | None = None
    updated_at: dt.datetime


class TaskOut(TaskState):
    department_name: str
    delivery: DeliveryOut | None = Field(default=None, description="证照送达：办结后的结果文书、邮寄和签收")


class CaseCreated(BaseModel):
    case_no: str
    case_no_readable: str
    access_token: str = Field(description="查询凭证，只在此时给出一次，请妥善保存")
    progress_code: str | None = Field(
        default=None,
        description="6 位查询码（不含 0/O/1/I），与案件号一起查看进度；只在此时给出一次（短信里也有）",
    )
    status: str
    tasks: list[TaskOut]
    checklist: dict[str, Any]
    message: str


class NotificationOut(BaseModel):
    channel: str
    recipient: str
    message: str
    status: str
    created_at: dt.datetime


class CaseOut(BaseModel):
    case_no: str
    case_no_readable: str
    status: str
    region: str
    channel: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    deceased: dict[str, Any]
    applicant: dict[str, Any]
    payee_account: str | None
    shared_data: dict[str, Any]
    tasks: list[TaskOut]
    checklist: dict[str, Any]
    notifications: list[NotificationOut]
    delivery: dict[str, Any] | None = Field(default=None, description="家属选择的送达方式（地址已隐藏）")
