"""A region code the catalog does not know is refused with one wording, wherever it is sent."""

from __future__ import annotations

from typing import Any

from api.catalog.loader import UNKNOWN_REGION
from tests.api.conftest import case_body


def test_unknown_region_is_refused_with_one_wording_everywhere(client: Any) -> None:
    answers = [
        client.get("/api/v1/items", params={"region": "999999"}),
        client.post("/api/v1/checklist", json={"situation": {}, "items": None, "region": "999999"}),
        client.post("/api/v1/cases", json=case_body(region="999999"), headers={"Idempotency-Key": "r-1"}),
    ]
    for r in answers:
        assert r.status_code == 422, r.text
        body = r.json()
        text = body.get("message", "") + str(body.get("errors", ""))
        assert UNKNOWN_REGION in text, body
