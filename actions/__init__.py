"""Custom actions of the 个人身后"一件事" assistant.

The action server is started from the repository root (``rasa run actions --actions actions``). The
rules for ID numbers, phone numbers and masking come from ``gz_identity`` (``packages/gz_identity``,
pure Python), the package the case API uses too: both environments install it from their lock files,
so the actions import it like any other dependency instead of copying its rules.

Every log record of the action server passes through ``gz_identity.mask_text``: ID numbers, phone
numbers and account numbers never reach a log line unmasked, whatever library wrote the line.
"""

from __future__ import annotations

import logging

from gz_identity import mask_text

_factory = logging.getLogRecordFactory()


def _masking_factory(*args, **kwargs) -> logging.LogRecord:
    record = _factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is logged as it is; never lose the line
        return record
    record.msg, record.args = mask_text(message), ()
    return record


if getattr(logging.getLogRecordFactory(), "__name__", "") != "_masking_factory":
    logging.setLogRecordFactory(_masking_factory)
