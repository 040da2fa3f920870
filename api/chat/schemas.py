"""Bodies of the chat proxy and of the answer ratings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.cases.schemas import StrictIn

# the widget's own id of a conversation (a random UUID kept in the browser), never personal data
SENDER_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class ChatIn(StrictIn):
    sender: str = Field(pattern=SENDER_PATTERN, description="会话编号（浏览器随机生成并保存）")
    message: str = Field(min_length=1, max_length=500, description="家属输入的话，或按钮的内容")


class ChatButton(BaseModel):
    title: str
    payload: str


class ChatMessage(BaseModel):
    text: str | None = None
    buttons: list[ChatButton] = Field(default_factory=list)
    custom: dict[str, Any] | None = None


class ChatOut(BaseModel):
    messages: list[ChatMessage]


class AnswerRatingIn(StrictIn):
    sender: str = Field(pattern=SENDER_PATTERN)
    message_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="被评价的那条回答的编号")
    helpful: bool = Field(description="有帮助 true，没帮助 false")
    answer: str | None = Field(default=None, max_length=2000, description="被评价的回答（只保存开头，脱敏）")


class AnswerRatingOut(BaseModel):
    helpful: bool
    message: str


class Suggestion(BaseModel):
    text: str = Field(description="点选后发给助手的话")
    label: str = Field(description="显示的事项通俗名称")
    item: str | None = None
    phrasings: list[str] = Field(default_factory=list, description="群众的各种说法，用于边输入边提示")


class Phrases(BaseModel):
    suggestions: list[Suggestion]
    frequent: list[str] = Field(description="常见问题，一点就问")
