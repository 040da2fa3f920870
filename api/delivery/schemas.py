"""Delivery bodies: the choice in the application form, mailing, receipt."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


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


class MailingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    carrier: str = Field(min_length=1, max_length=32, description="快递公司，如 中国邮政 EMS")
    tracking_no: str = Field(min_length=6, max_length=40, pattern=r"^[A-Za-z0-9-]+$", description="快递单号")


class ResultLine(BaseModel):
    key: str
    label: str
    value: str


class DeliveryOut(BaseModel):
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
