"""Custom actions of the 个人身后"一件事" assistant.

The action server is started from the repository root (``rasa run actions --actions actions``). The
repository root is put on ``sys.path`` so that the actions import the one masking/ID module of the
project, ``api/identity.py`` (pure Python, no third-party imports), instead of copying its rules.

Every log record of the action server passes through ``api.identity.mask_text``: ID numbers, phone
numbers and account numbers never reach a log line unmasked, whatever library wrote the line.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.identity import mask_text  # noqa: E402

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
