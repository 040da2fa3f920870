"""Shared fixtures for the case API tests."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.catalog.loader import Catalog, get_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return get_catalog()


@pytest.fixture(scope="session")
def client() -> TestClient:
    """The real application (catalog and checklist need no database)."""
    from api.main import app

    with TestClient(app) as c:
        yield c
