"""One pooled HTTP client per event loop for the API's outbound calls (Rasa, WeChat, department
callbacks in the simulator).

Building an ``httpx.AsyncClient`` loads the CA bundle into a new SSL context: tens of milliseconds of
CPU, paid on every chat message when a client was made per call (seen with py-spy under load). A
pooled client also keeps connections alive. Timeouts are given per request by the callers.
"""

from __future__ import annotations

import asyncio
import weakref

import httpx

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The running loop's shared client; a caller-supplied transport (tests) gets its own client."""
    if transport is not None:
        return httpx.AsyncClient(transport=transport)
    loop = asyncio.get_running_loop()
    shared = _clients.get(loop)
    if shared is None or shared.is_closed:
        # idle connections dropped before a server's keep-alive (uvicorn: 5 s) closes them under a request
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=2.0)
        shared = _clients[loop] = httpx.AsyncClient(limits=limits)
    return shared
