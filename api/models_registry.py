"""Import every model module so that Base.metadata knows every table (Alembic, create_all).

Add a line here when a new area gets models.
"""

from __future__ import annotations

import importlib
import logging

from api.db import Base

MODEL_MODULES = (
    "api.cases.models",
    "api.sharing.models",
    "api.ratings.models",
    "api.security.models",
    "api.dispatch.models",
    "api.dispatch.outbox",
)

log = logging.getLogger("api.models")


def load_models() -> type[Base]:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not (name == exc.name or name.startswith(exc.name + ".")):
                # a real import error inside an existing module
                raise
            log.debug("no model module %s", name)
    return Base


metadata = load_models().metadata
