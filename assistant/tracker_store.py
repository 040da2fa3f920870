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

Rasa's SQL store runs its queries on the event loop, so every family's turn in the process waits
while one conversation's events come from PostgreSQL (a slow query, a lock, a restart: all of them
stall). Here the queries run in a worker thread (psycopg2 releases the GIL while it waits); on two
busy cores this did not raise the throughput ceiling, which is set by the CPU (docs/deployment.md).
Events are read with their classes looked up once:
Rasa's ``Event.resolve_by_type`` walks every subclass of ``Event`` for each stored event it reads,
about a tenth of the process's time under that load (py-spy).

Configured in deploy/endpoints.production.yml::

    tracker_store:
      type: assistant.tracker_store.RetryingSQLTrackerStore
      dialect: postgresql
      ...             (the keys of Rasa's "SQL" tracker store, plus retry_seconds)
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses
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

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        return await self._retrying(
            lambda: asyncio.to_thread(self._read_tracker, sender_id, fetch_events_from_all_sessions)
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)  # once: a retried write must not publish twice
        await self._retrying(lambda: asyncio.to_thread(self._write_new_events, tracker))

    def _read_tracker(self, sender_id: str, all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's ``SQLTrackerStore._retrieve``, blocking, for a worker thread."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
            stored = [json.loads(row.data) for row in rows]
        if not self.domain or not stored:
            return None
        events = [e for e in map(deserialise_event, stored) if e is not None]
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    def _write_new_events(self, tracker: DialogueStateTracker) -> None:
        """Rasa's ``SQLTrackerStore.save`` without the event broker, blocking, for a worker thread.

        The events already stored are counted in the same transaction, so a write retried after a
        lost commit adds only what is missing.
        """
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    async def keys(self) -> Any:
        return await self._retrying(lambda: SQLTrackerStore.keys(self))


@cache
def _event_classes() -> dict[str, type[Event]]:
    # the first subclass with a type name wins, as in Rasa's Event.resolve_by_type
    return {cls.type_name: cls for cls in reversed(all_subclasses(Event))}


def deserialise_event(data: dict[str, Any]) -> Event | None:
    """``Event.from_parameters`` with the class looked up once; Rasa's own for any other name."""
    cls = _event_classes().get(data.get("event"))  # type: ignore[arg-type]
    if cls is None:
        return Event.from_parameters(data) if "event" in data else None
    return cls._from_parameters(data)
