"""CORS for the widget's routes only (/api/v1/chat…), so that a page of the provincial site on
another origin can embed the widget with one script tag. Allowed origins: WIDGET_ORIGINS
(comma-separated, e.g. ``https://www.guizhou.gov.cn,https://zwfw.guizhou.gov.cn``); unset, only
pages served by the API itself can talk to it. No credentials (cookies) are ever allowed: the
widget sends none. Every other route keeps the browser's same-origin rule."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.settings import get_settings

PREFIX = "/api/v1/chat"


def widget_origins() -> list[str]:
    return [o.strip().rstrip("/") for o in get_settings().widget_origins.split(",") if o.strip()]


class WidgetCorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        origins = widget_origins()
        self.cors: ASGIApp | None = (
            CORSMiddleware(
                app,
                allow_origins=origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type"],
                allow_credentials=False,
                max_age=600,
            )
            if origins
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.cors is not None and scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
