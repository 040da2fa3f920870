"""Import every model module so that Base.metadata knows every table (Alembic, create_all).

Add a line here when a new area gets models; tests/api/test_migrations.py fails when a table
of Base.metadata has no migration.
"""

from __future__ import annotations

import importlib

from api.db import Base

MODEL_MODULES = (
    "api.cases.models",
    "api.tasks.models",
    "api.sharing.models",
    "api.ratings.models",
    "api.security.models",
    "api.outbox.models",
    "api.regions.models",
    "api.window.models",
    "api.staff.models",
    "api.delivery.models",
    "api.chat.models",
    "api.progress.models",
    "api.stats.models",
    "api.proactive.models",
    "api.hotline.models",
)


def load_models() -> type[Base]:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base


metadata = load_models().metadata
