"""A Redis lock store whose ticket operations are atomic across Rasa processes.

Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket lock as one JSON value and changes it by
GET, change in Python, SET. Two Rasa processes receiving messages of the same conversation at the
same moment can both read the lock, both add "ticket n+1" and both write it back: both messages
then run at once, and the second save of the tracker overwrites the first turn's events — a user
message lost. ``tests/scale/check_one_conversation.py`` showed it on the scale-out stack (one message
of three sent through the load balancer missing from the PostgreSQL tracker, its HTTP answer 200).
The same holds for removing expired tickets, finishing a ticket, and deleting the lock when nobody
waits (a ticket issued in between was deleted with it).

Here every read-modify-write of the lock runs in a Redis transaction (WATCH the key, read, MULTI,
write, EXEC; retried when another process changed the key in between), so tickets are unique and
served strictly in the order they were issued, whichever process issued them. Waiters poll every
``poll_interval`` seconds (default 0.05; Rasa's default is 1 s, which added up to a second to every
message that had to wait for the one before it).

Rasa calls Redis from its event loop, so each of a turn's round trips (ticket, lock, cleanup: about
seven) held every other family's turn in the process; on two busy cores a round trip waits for
Redis to be scheduled. They run in a worker thread here (redis-py's pool is thread-safe).

Configured in deploy/endpoints.production.yml::

    lock_store:
      type: assistant.lock_store.AtomicRedisLockStore
      url: ...   (same keys as Rasa's "redis" lock store, plus poll_interval)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

_UNCHANGED = object()


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with atomic ticket operations (see the module docstring)."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, host: str = "localhost", **kwargs: Any
    ) -> None:
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            host = endpoint_config.url or host
        self.poll_interval = float(kwargs.pop("poll_interval", None) or 0.05)
        kwargs.pop("type", None)
        for key in ("port", "db"):
            if isinstance(kwargs.get(key), str) and kwargs[key].strip():
                kwargs[key] = int(kwargs[key])
        if not kwargs.get("password"):
            kwargs.pop("password", None)
        super().__init__(host=host, **kwargs)

    # ------------------------------------------------------------------ the one atomic primitive
    def _atomically(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[Any, Any]]
    ) -> Any:
        """Runs ``change(lock) -> (new lock | None to delete | _UNCHANGED, result)`` in a transaction."""
        key = self.key_prefix + conversation_id
        result: list[Any] = [None]

        def transaction(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new, result[0] = change(lock)
            pipe.multi()
            if new is None:
                pipe.delete(key)
            elif new is not _UNCHANGED:
                pipe.set(key, new.dumps())

        self.red.transaction(transaction, key)
        return result[0]

    # ------------------------------------------------------------------ LockStore's operations
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[Any, Any]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        return self._atomically(conversation_id, change)

    def create_lock(self, conversation_id: str) -> TicketLock:
        def change(lock: TicketLock | None) -> tuple[Any, Any]:
            if lock is None:
                lock = TicketLock(conversation_id)
                return lock, lock
            return _UNCHANGED, lock

        return self._atomically(conversation_id, change)

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: TicketLock | None) -> tuple[Any, Any]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_expired_tickets()
            return lock, None

        self._atomically(conversation_id, change)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[Any, Any]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_ticket_for(ticket_number)
            return lock, None

        self._atomically(conversation_id, change)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finishes the ticket and deletes the lock if nobody waits, in one transaction."""

        def change(lock: TicketLock | None) -> tuple[Any, Any]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._atomically(conversation_id, change)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float | None = None,
    ) -> AsyncGenerator[TicketLock, None]:
        ticket = await asyncio.to_thread(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(
                conversation_id, ticket, wait_time_in_seconds or self.poll_interval
            )
        finally:
            await asyncio.to_thread(self.cleanup, conversation_id, ticket)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Rasa's loop, with Redis reached from a worker thread (see the module docstring)."""
        while True:
            lock = await asyncio.to_thread(self.get_lock, conversation_id)
            if not lock:  # expired meanwhile
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await asyncio.to_thread(self.update_lock, conversation_id)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
