"""A PostgreSQL tracker store that waits for the database instead of forgetting the conversation.

Rasa wraps every tracker store in ``FailSafeTrackerStore``: when a read fails it answers as if the
conversation were new (``retrieve`` → None), and when a write fails it keeps the tracker in the
process's memory. During a PostgreSQL restart of two or three seconds a family mid-way through the
intake was therefore greeted again, and the turn it typed went to a memory the next turn, read
from PostgreSQL again, never saw (bench/load/faults.py, ``pg-restart``, counts the user messages of
each conversation in the tracker store against the turns that were answered).

This store retries a read or a write that failed because the connection was lost or refused, with
backoff, for up to ``retry_seconds`` (default 10): the family's answer comes a few seconds late
instead of wrong. The conversation's lock (assistant/lock_store.py) is held meanwhile, so no other
turn of it runs in between: keep ``retry_seconds`` well below the lock's lifetime
(TICKET_LOCK_LIFETIME, 20 s in scripts/scaleout.sh). A save retried after a lost commit writes only
the events that are not stored yet (SQLTrackerStore counts them first), so nothing is written twice.
Errors other than a lost connection (a bad query, a full disk) are not retried.

Configured in deploy/endpoints.production.yml::

    tracker_store:
      type: assistant.tracker_store.RetryingSQLTrackerStore
      dialect: postgresql
      ...             (the keys of Rasa's "SQL" tracker store, plus retry_seconds)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_delay, wait_exponential

logger = logging.getLogger(__name__)
T = TypeVar("T")


def connection_lost(exc: BaseException) -> bool:
    """A refused or broken connection (the database restarting), not a fault of the query."""
    if isinstance(exc, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
        return True
    return isinstance(exc, sqlalchemy.exc.DBAPIError) and bool(exc.connection_invalidated)


def _log_retry(state: RetryCallState) -> None:
    # the class only: SQLAlchemy's message carries the statement's parameters (a family's words)
    exc = state.outcome.exception() if state.outcome else None
    logger.warning(
        "tracker store: database connection lost (%s), attempt %d, trying again in %.1f s",
        type(exc).__name__,
        state.attempt_number,
        state.upcoming_sleep,
    )


class RetryingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose reads and writes wait out a lost database connection."""

    def __init__(self, *args: Any, retry_seconds: float = 10.0, **kwargs: Any) -> None:
        self.retry_seconds = float(retry_seconds)
        super().__init__(*args, **kwargs)  # it already waits for the first connection on its own
        # Rasa logs a failed read or write with the error's text, and SQLAlchemy puts the statement's
        # parameters there — a family's words, ID numbers included. The same engine, without them.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(connection_lost),
            stop=stop_after_delay(self.retry_seconds),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            before_sleep=_log_retry,
            reraise=True,
        ):
            with attempt:
                return await call()
        raise AssertionError("unreachable: AsyncRetrying returns or raises")

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._retrying(lambda: SQLTrackerStore.retrieve(self, sender_id))

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._retrying(lambda: SQLTrackerStore.retrieve_full_tracker(self, sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retrying(lambda: SQLTrackerStore.save(self, tracker))

    async def keys(self) -> Any:
        return await self._retrying(lambda: SQLTrackerStore.keys(self))
