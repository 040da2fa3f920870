"""The Redis lock store across processes: tickets are unique and served one at a time, in order.

Runs against the Redis on 127.0.0.1:6379 (db 15, a key prefix of its own); skipped when none answers.
Several OS processes (as several Rasa processes would) take the same conversation's lock many times
at once and record when they held it: no two may overlap, and no ticket may be issued twice.
Rasa's stock RedisLockStore fails this (``--stock`` shows it: GET, change, SET is not atomic).

    .venv/bot/bin/python -m pytest tests/scale/test_lock_store.py -q
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
import os
import time
import uuid

import pytest

redis = pytest.importorskip("redis")
pytest.importorskip("rasa")

HOST, PORT, DB = os.environ.get("REDIS_HOST", "127.0.0.1"), int(os.environ.get("REDIS_PORT", "6379")), 15


def _redis_up() -> bool:
    try:
        return bool(redis.Redis(host=HOST, port=PORT, db=DB, socket_timeout=1).ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


def _worker(stock: bool, conversation: str, rounds: int, queue: mp.Queue) -> None:
    from rasa.core.lock_store import RedisLockStore

    from assistant.lock_store import AtomicRedisLockStore

    if stock:
        store = RedisLockStore(host=HOST, port=PORT, db=DB, key_prefix="locktest")
    else:
        store = AtomicRedisLockStore(host=HOST, port=PORT, db=DB, key_prefix="locktest", poll_interval=0.005)

    async def run() -> list[tuple[float, float]]:
        held = []
        for _ in range(rounds):
            async with store.lock(conversation, lock_lifetime=5, wait_time_in_seconds=0.005):
                start = time.monotonic()
                await asyncio.sleep(0.002)  # the turn
                held.append((start, time.monotonic()))
        return held

    try:
        queue.put(("ok", asyncio.run(run())))
    except Exception as exc:  # a LockError is a failure too
        queue.put(("error", repr(exc)))


def hold_lock_from_processes(stock: bool, processes: int = 4, rounds: int = 25) -> tuple[list, list]:
    conversation = f"c{uuid.uuid4().hex}"
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(stock, conversation, rounds, queue)) for _ in range(processes)]
    for p in procs:
        p.start()
    results = []
    deadline = time.monotonic() + 90
    for _ in procs:
        try:
            results.append(queue.get(timeout=max(0.1, deadline - time.monotonic())))
        except Exception:
            results.append(("error", "did not finish in 90 s (waiting for a ticket that was lost)"))
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.terminate()
    errors = [r[1] for r in results if r[0] == "error"]
    spans = sorted(s for r in results if r[0] == "ok" for s in r[1])
    overlaps = [(a, b) for a, b in itertools.pairwise(spans) if b[0] < a[1]]
    return errors, overlaps


def test_one_conversation_is_held_by_one_process_at_a_time() -> None:
    errors, overlaps = hold_lock_from_processes(stock=False)
    assert not errors, errors
    assert not overlaps, f"{len(overlaps)} times two processes held the same conversation's lock at once"


def test_the_lock_is_gone_when_nobody_waits() -> None:
    from assistant.lock_store import AtomicRedisLockStore

    store = AtomicRedisLockStore(host=HOST, port=PORT, db=DB, key_prefix="locktest")
    conversation = f"c{uuid.uuid4().hex}"

    async def once() -> None:
        async with store.lock(conversation):
            assert store.get_lock(conversation) is not None

    asyncio.run(once())
    assert store.get_lock(conversation) is None


def test_endpoint_config_values_from_the_environment_are_strings() -> None:
    from rasa.utils.endpoints import EndpointConfig

    from assistant.lock_store import AtomicRedisLockStore

    cfg = EndpointConfig(
        url=HOST,
        port=str(PORT),
        db=str(DB),
        password="",
        key_prefix="locktest",
        poll_interval="0.1",
        type="assistant.lock_store.AtomicRedisLockStore",
    )
    store = AtomicRedisLockStore(endpoint_config=cfg)
    assert store.poll_interval == 0.1
    assert store.red.ping()


if __name__ == "__main__":  # python tests/scale/test_lock_store.py [--stock]: the figures
    import sys

    stock = "--stock" in sys.argv
    errors, overlaps = hold_lock_from_processes(stock=stock)
    print(
        f"{'stock RedisLockStore' if stock else 'AtomicRedisLockStore'}: 4 processes x 25 turns: "
        f"{len(overlaps)} overlapping turns, {len(errors)} processes failed {errors[:2]}"
    )
    sys.exit(1 if overlaps or errors else 0)
