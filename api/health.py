"""Liveness and database reachability."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.catalog.loader import get_catalog
from api.db import database_reachable

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="存活与数据库连通性")
def healthz() -> JSONResponse:
    ok, detail = database_reachable()
    body = {
        "status": "ok" if ok else "degraded",
        "database": {"reachable": ok, "detail": detail},
        "catalog": {"items": len(get_catalog().items)},
    }
    return JSONResponse(body, status_code=200 if ok else 503)
