"""Size and depth limits on free-form JSON, checked when a request is validated — before anything is
committed — so one request cannot store a value that breaks every later read of a case (issue 7).

Every free-form field of an input model (a task's ``result``, a case's ``situation``) is checked with
``check_json``; the limits below are generous for what the fields are for (a certificate number,
an amount, a few flags) and small enough that the value is cheap to store, serialise and show.
"""

from __future__ import annotations

import json
import math
from typing import Any

# a department's result: {"certificate_no": "..."}, {"amount_paid": 12345.6}, {"items": [{...}]}
RESULT_MAX_DEPTH = 4
RESULT_MAX_BYTES = 8 * 1024
# the situation answers: a flat object of short values
SITUATION_MAX_DEPTH = 1
SITUATION_MAX_BYTES = 4 * 1024

MAX_KEY_CHARS = 64
MAX_STRING_CHARS = 1000
MAX_ENTRIES = 50  # keys of one object, elements of one list
MAX_ABS_NUMBER = 10**15


class JsonLimitError(ValueError):
    """The message is a Chinese sentence naming the field and the limit."""


def preview(value: Any, limit: int = 40) -> str:
    """A value as it may appear in an error message: never echoed back in full."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception:  # pragma: no cover - a repr that fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + f"…（共 {len(text)} 个字符）"


def check_json(value: Any, *, what: str, max_depth: int, max_bytes: int) -> None:
    """Raise JsonLimitError when `value` (parsed JSON) nests deeper than `max_depth` containers,
    takes more than `max_bytes` as UTF-8 JSON, or holds an over-long key or string, an over-long
    object or list, a number that is not finite or out of range. Iterative: any depth is safe."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            depth += 1
            if depth > max_depth:
                raise JsonLimitError(
                    f"{what} 嵌套层次太多（最多 {max_depth} 层），请把内容整理成简单的键和值"
                )
            if len(node) > MAX_ENTRIES:
                raise JsonLimitError(f"{what} 的条目太多（每层最多 {MAX_ENTRIES} 项）")
            if isinstance(node, dict):
                for k, v in node.items():
                    if not isinstance(k, str) or len(k) > MAX_KEY_CHARS:
                        raise JsonLimitError(f"{what} 的键名太长（最多 {MAX_KEY_CHARS} 个字符）")
                    stack.append((v, depth))
            else:
                stack.extend((v, depth) for v in node)
        elif isinstance(node, str):
            if len(node) > MAX_STRING_CHARS:
                raise JsonLimitError(f"{what} 中的文字太长（每项最多 {MAX_STRING_CHARS} 个字符）")
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, int | float):
            if isinstance(node, float) and not math.isfinite(node):
                raise JsonLimitError(f"{what} 中有无效的数字（NaN 或无穷大）")
            if abs(node) >= MAX_ABS_NUMBER:
                raise JsonLimitError(f"{what} 中的数字太大；编号请用文字（加引号）填写")
        else:
            raise JsonLimitError(f"{what} 中有无法保存的值")
    size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    if size > max_bytes:
        raise JsonLimitError(f"{what} 内容太大（{size} 字节，最多 {max_bytes} 字节）")
