"""The production lock store reaches Redis without holding the event loop of a Rasa process.

Rasa's RedisLockStore calls Redis from the event loop: while one turn waits for Redis every other
family's turn in the process waits too. assistant/lock_store.py makes those calls in a worker
thread. Redis on 127.0.0.1:6379 (db 15): skipped with a notice without it, a failure when CI=true.
The cross-process ordering of tickets is tested in tests/scale/test_lock_store.py (`make scale-test`).
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import redis

from assistant.lock_store import AtomicRedisLockStore
from tests.bot.loop_ticks import ticks_while

HOST, PORT, DB = os.environ.get("REDIS_HOST", "127.0.0.1"), int(os.environ.get("REDIS_PORT", "6379")), 15


@pytest.fixture
def redis_client() -> redis.Redis:
    client = redis.Redis(host=HOST, port=PORT, db=DB, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        msg = f"Redis at {HOST}:{PORT} unreachable ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{msg} — CI=true requires this service", pytrace=False)
        pytest.skip(f"{msg}: the lock store's Redis test is skipped")
    yield client
    client.close()


def test_other_conversations_go_on_while_one_waits_for_redis(redis_client: redis.Redis) -> None:
    store = AtomicRedisLockStore(host=HOST, port=PORT, db=DB, key_prefix="looptest")
    conversation = f"c{uuid.uuid4().hex}"

    async def take_and_release() -> None:
        redis_client.execute_command("CLIENT", "PAUSE", 1200)  # Redis answers nobody for 1.2 s
        async with store.lock(conversation, lock_lifetime=5):
            pass

    while_waiting, _ = asyncio.run(ticks_while(take_and_release()))
    assert while_waiting >= 10, f"the event loop ticked {while_waiting} times while the lock waited for Redis"
    assert redis_client.exists(store.key_prefix + conversation) == 0  # released, deleted: nobody waits
