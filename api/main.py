"""The case API application: one router per domain area, errors as Chinese JSON."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.cases.routes import router as cases_router
from api.catalog.loader import get_catalog
from api.catalog.routes import router as catalog_router
from api.chat.cors import WidgetCorsMiddleware
from api.chat.routes import router as chat_router
from api.checklist.routes import router as checklist_router
from api.delivery.routes import router as delivery_router
from api.dispatch.routes import router as dispatch_router
from api.errors import install_error_handlers
from api.health import router as health_router
from api.hotline.routes import router as hotline_router
from api.limits import BodySizeLimitMiddleware
from api.proactive.routes import router as proactive_router
from api.progress.routes import router as progress_router
from api.ratings.routes import router as ratings_router
from api.regions.routes import page_router as region_page_router
from api.regions.routes import router as regions_router
from api.security.masking_log import install_log_masking
from api.security.routes import router as security_router
from api.settings import get_settings
from api.sharing.routes import router as sharing_router
from api.staff.routes import router as staff_router
from api.startup import startup_checks
from api.stats.pages import router as supervisor_router
from api.stats.routes import router as stats_router
from api.tasks.routes import router as tasks_router
from api.web.bundles import mount_web_bundles
from api.web.routes import router as web_router
from api.wechat.routes import router as wechat_router
from api.window.routes import page_router as window_page_router
from api.window.routes import router as window_router
from api.workbench.routes import router as workbench_router

# Each domain area contributes one router; add new areas here.
ROUTERS = [health_router, catalog_router, checklist_router]
ROUTERS += [cases_router, tasks_router, sharing_router, ratings_router, stats_router]
ROUTERS += [dispatch_router, security_router]
ROUTERS += [web_router]
ROUTERS += [regions_router, window_router, region_page_router, window_page_router]
ROUTERS += [wechat_router]
ROUTERS += [staff_router, workbench_router, delivery_router]
ROUTERS += [chat_router]
ROUTERS += [progress_router]
ROUTERS += [proactive_router, supervisor_router]
ROUTERS += [hotline_router]


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # refuse to start without production secrets; bring the schema to head (or refuse to start)
    startup_checks()
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    install_log_masking()  # ID numbers, phones and accounts never reach a log line
    get_catalog()  # fail at start-up, not on the first request, when knowledge/ is broken
    app = FastAPI(
        title="贵州省个人身后“一件事”办理系统 API",
        version="1.0.0",
        description="事项目录与办事指南、材料清单、一表申请、并行分派、进度与评价。",
        lifespan=lifespan,  # runs before the routers' own lifespans (the in-process deliverer)
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware)  # 413 before a body larger than 256 KB is parsed
    app.add_middleware(WidgetCorsMiddleware)  # the chat widget on other origins (WIDGET_ORIGINS)
    for router in ROUTERS:
        app.include_router(router)
    mount_web_bundles(app)  # /static/<name>/ from web/<name>/dist, when built
    return app


app = create_app()
