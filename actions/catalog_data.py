"""The catalog as exported by `make generate` (assistant/generated/catalog.json), read once.

The actions ask the case API for guides and checklists at run time; the few facts they need before
any call (which items pay out, the relationship words) come from this export, never from a copy.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_JSON = Path(__file__).resolve().parents[1] / "assistant" / "generated" / "catalog.json"


@cache
def generated_catalog() -> dict[str, Any]:
    try:
        return json.loads(CATALOG_JSON.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"{CATALOG_JSON} is missing: run 'make generate'") from None
