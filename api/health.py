"""Liveness, database reachability and the schema revision (503 unless at the migrations' head)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.catalog.loader import get_catalog
from api.db import database_reachable
from api.startup import schema_status

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="存活、数据库连通性与数据库结构版本")
def healthz() -> JSONResponse:
    reachable, detail = database_reachable()
    schema = schema_status() if reachable else {"revision": None, "at_head": False}
    ok = reachable and schema["at_head"]
    body = {
        "status": "ok" if ok else "degraded",
        "database": {"reachable": reachable, "detail": detail},
        "schema": schema,
        "catalog": {"items": len(get_catalog().items)},
    }
    return JSONResponse(body, status_code=200 if ok else 503)
