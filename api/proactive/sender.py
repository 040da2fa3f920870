"""The invitation sender: sends what is due (queued, inside the window). A thread of the API with
INVITATIONS_IN_PROCESS=1, or ``python -m api.proactive.sender [--once]``; any number may run, each
invitation is claimed before it is sent (api.proactive.service.send_due)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Any

from api.db import get_sessionmaker
from api.proactive.config import in_process_enabled
from api.proactive.service import send_due

log = logging.getLogger("api.proactive")


def send_now(ids: list[int] | None = None) -> int:
    """One pass in a fresh session (a request's background task, the loop)."""
    try:
        with get_sessionmaker()() as session:
            return send_due(session, ids=ids)
    except Exception as exc:  # the loop goes on; the invitation stays queued or sending
        log.error("invitation sender failed: %s", type(exc).__name__)
        return 0


def run_forever(stop: threading.Event, interval: float | None = None) -> None:
    interval = interval or float(os.environ.get("INVITATIONS_POLL_SECONDS") or 60)
    while not stop.is_set():
        send_now()
        stop.wait(interval)


@contextlib.contextmanager
def background_sender() -> Iterator[None]:
    if not in_process_enabled():
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop,), name="invitations", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


@asynccontextmanager
async def lifespan(_app: Any) -> Any:
    with background_sender():
        yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Send the proactive invitations that are due.")
    parser.add_argument("--once", action="store_true", help="send what is due, then exit")
    args = parser.parse_args(argv)
    from api.security.masking_log import install_log_masking
    from api.settings import get_settings

    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    install_log_masking()
    if args.once:
        log.info("sent %s invitations", send_now())
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_forever(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
