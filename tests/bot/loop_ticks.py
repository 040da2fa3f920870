"""How often the event loop got to run while a coroutine waited: the measure of "not blocking it"."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def ticks_while(awaitable: Awaitable[T], every: float = 0.05) -> tuple[int, T]:
    """(times a ticker on the same loop ran every ``every`` s while ``awaitable`` waited, its result)."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(every)
            ticks += 1

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        result = await awaitable
    finally:
        tick.cancel()
    return ticks, result
