"""Structured parts of the assistant's messages for clients that draw cards (the website widget):
a task of a case as its progress view shows it. Text fields pass through the same masking as every
message (a department's result may carry a number)."""

from __future__ import annotations

from typing import Any

from gz_identity import mask_text


def progress_task(task: dict[str, Any]) -> dict[str, Any]:
    result = task.get("result") if isinstance(task.get("result"), dict) else {}
    return {
        "item": task.get("item"),
        "colloquial_name": task.get("colloquial_name") or task.get("item"),
        "department_name": task.get("department_name") or task.get("department"),
        "status": task.get("status"),
        "status_text": task.get("status_text") or task.get("status"),
        "due_date": str(task["due_date"]) if task.get("due_date") else None,
        "overdue": bool(task.get("overdue")),
        "waits_for": list(task.get("waits_for") or []),
        "result": {mask_text(str(k)): mask_text(str(v)) for k, v in (result or {}).items()},
    }
