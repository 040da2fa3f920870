"""Staff sign-in bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class StaffMe(BaseModel):
    username: str
    display_name: str
    role: str
    role_text: str
    department: str | None
    department_name: str | None
    region: str | None
    home: str = Field(description="登录后默认打开的页面")
    csrf_token: str | None = Field(default=None, description="登录时给出；之后从 staff_csrf cookie 读取")
    pages: list[dict[str, str]] = Field(description="这个身份可以打开的工作台页面")
