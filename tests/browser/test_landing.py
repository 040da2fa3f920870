"""The landing page in Chromium: it loads, lists the items from the catalog, passes axe."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import axe_clean, screenshot


def test_landing_page_lists_catalog_items_and_passes_axe(page: Any, live_api: dict[str, Any]) -> None:
    import httpx

    items = httpx.get(f"{live_api['url']}/api/v1/items", timeout=10).json()
    names = [i["colloquial_name"] for i in (items["items"] if isinstance(items, dict) else items)]
    page.goto(live_api["url"] + "/")
    body = page.inner_text("body")
    assert "个人身后" in body
    assert all(name in body for name in names), "every catalog item is on the landing page"
    axe_clean(page, "landing")
    screenshot(page, "landing")
