"""Personal data never reaches a log line: what a handler writes is passed through
api.identity.mask_text (ID numbers, mobile numbers, bank accounts) — and formatting never breaks.

``install_log_masking()`` (called once by create_app) covers every logger and every handler:

- ``logging.Handler.format`` is wrapped once, at class level: whatever a handler's formatter makes
  of a record (message with its arguments, traceback, stack, uvicorn's access line) is masked as a
  whole, after formatting. Handlers created later (uvicorn's, a test's) are covered too.
- ``logging.Handler.handleError`` is replaced: when a formatter or stream fails, Python's default
  prints the record's message and arguments to stderr unmasked; ours prints one masked line.
- a record factory masks each record's message and its arguments *element by element* (a string
  stays a string, a tuple keeps its length, a mapping its keys), so formatters that read
  ``record.args`` — uvicorn's access formatter unpacks five of them — keep working, and handlers
  that do not call ``format`` (e.g. forwarding records elsewhere) still get masked data.
- the ``MaskingFilter`` is also attached to the root logger and its handlers, for records made by
  code that bypasses the factory (e.g. ``logging.makeLogRecord``).

``record.args`` is never set to ``None``: that made uvicorn's access formatter fail on every
request and Python's fallback print the failing record — a whole refused request body — unmasked.
Calling ``install_log_masking()`` again does nothing.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Mapping
from typing import Any

from api.identity import mask_text

_MARK = "_pii_masked"


def _mask_value(value: Any) -> Any:
    """A log argument with personal data masked; its type is kept where a format may depend on it."""
    if isinstance(value, str):
        return mask_text(redact_query(value))
    if isinstance(value, bool | float | type(None)):
        return value
    if isinstance(value, int):
        # %d needs an int; a long number (an ID number or phone sent as a number) becomes masked text
        return value if abs(value) < 10_000_000 else mask_text(str(value))
    if isinstance(value, bytes):
        return mask_text(value.decode("utf-8", "replace"))
    # anything else is formatted by %s or %r: mask its text now (%r of a str adds quotes; fine)
    try:
        return mask_text(str(value))
    except Exception:  # a __str__ that fails: say what it was, not what it holds
        return f"<{type(value).__name__}>"


def _mask_args(args: Any) -> Any:
    if args is None:
        return None
    if isinstance(args, tuple):
        return tuple(_mask_value(a) for a in args)
    if isinstance(args, Mapping):  # logger.info("%(name)s", {"name": ...})
        return {k: _mask_value(v) for k, v in args.items()}
    return _mask_value(args)


# Query parameters whose values are credentials: a token sent in a query string (instead of the
# Authorization header) must not reach the access log.
_SECRET_QUERY = re.compile(
    r"([?&;][^=&;#\s]*(?:token|key|secret|auth|password|passwd|code|sig)[^=&;#\s]*=)[^&;#\s\"]*",
    re.IGNORECASE,
)


def redact_query(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1***", text)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    # already masked, and not changed since (makeLogRecord updates a record after creating it)
    mark = getattr(record, _MARK, None)
    if mark is not None and mark[0] is record.msg and mark[1] is record.args:
        return record
    if isinstance(record.msg, str):
        record.msg = mask_text(redact_query(record.msg))
    elif record.msg is not None:
        record.msg = _mask_value(record.msg)
    record.args = _mask_args(record.args)
    if record.exc_info and not record.exc_text:
        try:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        except Exception:
            record.exc_text = "<traceback could not be formatted>"
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    setattr(record, _MARK, (record.msg, record.args))
    return record


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_original_format = logging.Handler.format


def _masked_format(self: logging.Handler, record: logging.LogRecord) -> str:
    return mask_text(redact_query(_original_format(self, record)))


def _masked_handle_error(self: logging.Handler, record: logging.LogRecord) -> None:
    """Replaces Python's fallback, which prints the failing record's message and arguments in clear
    (and the chained exceptions, e.g. a validation error holding a whole request body)."""
    if not logging.raiseExceptions or sys.stderr is None:
        return
    exc = sys.exc_info()[1]
    try:
        msg = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
        line = (
            f"log record of {record.name!r} at {record.pathname}:{record.lineno} could not be written "
            f"({type(exc).__name__}: {exc}); message template: {msg[:200]!r}\n"
        )
        sys.stderr.write(mask_text(line))
    except Exception:  # never let logging break the caller
        pass


_installed = False


def install_log_masking() -> None:
    global _installed
    root = logging.getLogger()
    if not any(isinstance(f, MaskingFilter) for f in root.filters):
        root.addFilter(MaskingFilter())
    for handler in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    if _installed:
        return
    _installed = True
    logging.Handler.format = _masked_format  # type: ignore[method-assign]
    logging.Handler.handleError = _masked_handle_error  # type: ignore[method-assign]
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
