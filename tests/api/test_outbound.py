"""The API's outbound calls share one pooled client per event loop (api/outbound.py): a client built
per chat message loaded the CA bundle every time, tens of milliseconds of CPU under load."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from api import outbound
from api.chat import service as chat
from api.errors import ApiError


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_one_client_per_loop():
    async def twice():
        return outbound.client(), outbound.client()

    a, b = asyncio.run(twice())
    assert a is b
    c, _ = asyncio.run(twice())
    assert c is not a  # another loop: a client bound to a finished loop is never reused


def test_chat_messages_do_not_build_a_client_each(monkeypatch):
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setattr(chat, "rasa_url", lambda: url)
    built = []
    original = httpx.AsyncClient.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting)

    async def three_messages():
        for _ in range(3):
            with pytest.raises(ApiError) as refused:
                await chat.forward("s1", "你好")
            assert refused.value.status == 503

    asyncio.run(three_messages())
    assert len(built) == 1
