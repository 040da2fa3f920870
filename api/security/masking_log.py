"""Personal data never reaches a log line: every record's message, arguments and traceback are
passed through api.identity.mask_text (ID numbers, mobile numbers, bank accounts).

``install_log_masking()`` (called once by create_app) covers every logger:
- a record factory masks each record as it is created, whatever logger or handler it goes to
  (uvicorn's loggers have their own handlers and do not propagate to the root);
- the ``MaskingFilter`` is also attached to the root logger and its handlers, for records made by
  code that bypasses the factory (e.g. ``logging.makeLogRecord``).
Calling it again does nothing.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from api.identity import mask_text

_MARK = "_pii_masked"


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    # already masked, and not changed since (makeLogRecord updates a record after creating it)
    if record.args is None and getattr(record, _MARK, None) is record.msg:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what we have, masked
        message = f"{record.msg} {record.args!r}"
    record.msg = mask_text(str(message))
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    setattr(record, _MARK, record.msg)
    return record


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


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
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
