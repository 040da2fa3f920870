"""The chat proxy to the assistant (Rasa's REST channel), the phrasings for suggestions, the ratings.

The widget talks to one origin, the case API: POST /api/v1/chat is forwarded to Rasa's REST webhook
at RASA_URL with a timeout (RASA_TIMEOUT_SECONDS, default 30). Only the sender and the message
travel; Rasa's HTTP API token is never needed (the REST channel does not take it) and never reaches
the browser. The sender is put in the
``web-`` namespace, so a widget conversation can never be confused with another channel's.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import clock, outbound
from api.catalog.loader import Catalog
from api.chat.models import AnswerRating
from api.errors import ApiError
from api.identity import mask_text
from api.security.crypto import lookup_hash
from api.settings import get_settings

log = logging.getLogger("api.chat")

ASSISTANT_DOWN = (
    "在线助手暂时没有响应，请稍等一会儿再发一次。着急的话请拨打 12345 政务服务便民热线，"
    "或到当地政务服务中心“一件事”窗口办理。"
)
# questions families ask most; each is understood by the assistant (tests/browser/test_widget.py)
FREQUENT = (
    "家里老人走了，要办哪些事？",
    "户口怎么注销？",
    "丧葬费和抚恤金怎么领？",
    "查办理进度",
)
ANSWER_KEPT_CHARS = 300


def rasa_url() -> str:
    return get_settings().rasa_url.rstrip("/")


def rasa_timeout() -> float:
    return get_settings().rasa_timeout_seconds


def _clean(message: dict[str, Any]) -> dict[str, Any] | None:
    """What a browser needs of one Rasa output: text, buttons (title and payload), custom."""
    out: dict[str, Any] = {}
    if isinstance(message.get("text"), str):
        out["text"] = message["text"]
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in message.get("buttons") or []
        if isinstance(b, dict) and b.get("title")
    ]
    if buttons:
        out["buttons"] = buttons
    if isinstance(message.get("custom"), dict):
        out["custom"] = message["custom"]
    return out or None


async def forward(sender: str, message: str) -> list[dict[str, Any]]:
    """One turn: the family's message to the assistant, its answers back (Rasa's REST channel)."""
    url = f"{rasa_url()}/webhooks/rest/webhook"
    try:
        response = await outbound.client().post(
            url, json={"sender": f"web-{sender}", "message": message}, timeout=rasa_timeout()
        )
    except httpx.HTTPError as exc:
        log.warning("assistant unreachable at %s (%s)", rasa_url(), type(exc).__name__)
        raise ApiError(503, "assistant_unavailable", ASSISTANT_DOWN) from None
    if response.status_code != 200:
        log.warning("assistant answered %s", response.status_code)
        raise ApiError(503, "assistant_unavailable", ASSISTANT_DOWN)
    try:
        body = response.json()
    except ValueError:
        raise ApiError(503, "assistant_unavailable", ASSISTANT_DOWN) from None
    return (
        [m for m in (_clean(x) for x in body if isinstance(x, dict)) if m] if isinstance(body, list) else []
    )


def phrases(catalog: Catalog) -> dict[str, Any]:
    """Every item's colloquial name and phrasings (suggestions while typing), the frequent questions."""
    suggestions = [
        {
            # worded with a death: "X怎么办" alone reads as out of scope to the assistant for several
            # items, this form is understood for every item (measured with the trained model)
            "text": f"老人走了，{item.colloquial_name}要带什么材料？",
            "label": item.colloquial_name,
            "item": item.key,
            "phrasings": [item.name, *item.phrasings],
        }
        for item in catalog.items.values()
    ]
    return {"suggestions": suggestions, "frequent": list(FREQUENT)}


def conversation_hash(sender: str) -> str:
    return lookup_hash("chat/" + sender)


def rate_answer(session: Session, sender: str, message_id: str, helpful: bool, answer: str | None) -> None:
    """Store (or change) the rating of one answer. Flushes; the route commits."""
    conversation = conversation_hash(sender)
    kept = mask_text(answer[:ANSWER_KEPT_CHARS]) if answer else None
    row = session.scalar(
        select(AnswerRating).where(
            AnswerRating.conversation == conversation, AnswerRating.message_id == message_id
        )
    )
    if row is None:
        row = AnswerRating(conversation=conversation, message_id=message_id, channel="web")
        session.add(row)
    row.helpful, row.answer, row.created_at = helpful, kept, clock.utcnow()
    session.flush()


def answer_rating_counts(session: Session, start: Any = None, end: Any = None) -> dict[str, int]:
    """有帮助 / 没帮助 counts (for the statistics), optionally between two UTC datetimes."""
    q = select(AnswerRating.helpful, func.count()).group_by(AnswerRating.helpful)
    if start is not None:
        q = q.where(AnswerRating.created_at >= start)
    if end is not None:
        q = q.where(AnswerRating.created_at < end)
    counts = {bool(h): n for h, n in session.execute(q).all()}
    return {"helpful": counts.get(True, 0), "not_helpful": counts.get(False, 0)}
