"""Delivery bodies. The application's delivery choice (DeliveryIn) and the delivery view of a task
(DeliveryOut) belong to the case's schemas (api/cases/schemas.py); mailing is the department's."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MailingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    carrier: str = Field(min_length=1, max_length=32, description="快递公司，如 中国邮政 EMS")
    tracking_no: str = Field(min_length=6, max_length=40, pattern=r"^[A-Za-z0-9-]+$", description="快递单号")
