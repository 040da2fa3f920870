"""Catalog, checklist and health endpoints through the real application."""

from __future__ import annotations

import datetime as dt

import pytest

FIXED_ITEM_FIELDS = {
    "key",
    "name",
    "colloquial_name",
    "department",
    "time_limit_days",
    "prerequisites",
    "materials",
}
GUIDE_PARTS = {
    "basis",
    "conditions",
    "materials",
    "time_limit_days",
    "steps",
    "result",
    "department",
    "prerequisites",
}


def test_healthz(client):
    body = client.get("/healthz").json()
    assert body["database"]["reachable"] is True
    assert body["catalog"]["items"] == 16


def test_items_list(client):
    items = client.get("/api/v1/items").json()
    assert len(items) == 16
    for it in items:
        assert it.keys() >= FIXED_ITEM_FIELDS


def test_item_guide(client, catalog):
    guide = client.get("/api/v1/items/hukou_cancel").json()
    assert guide.keys() >= GUIDE_PARTS
    assert guide["colloquial_name"] == catalog.items["hukou_cancel"].colloquial_name
    assert "hukou_book" in guide["materials"]
    assert guide["prerequisites"] == ["death_cert_abnormal", "death_cert_normal"]


def test_unknown_item_is_a_chinese_404(client):
    r = client.get("/api/v1/items/nope")
    assert r.status_code == 404
    assert r.json()["code"] == "unknown_item" and "没有这个事项" in r.json()["message"]


def test_checklist_answers_what_to_bring_and_how_long(client):
    r = client.post(
        "/api/v1/checklist",
        json={
            "situation": {
                "death_nature": "normal",
                "death_place": "home",
                "hukou_in_guizhou": True,
                "relationship": "spouse",
            },
            "items": ["hukou_cancel"],
            "start_date": "2026-11-30",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert {i["key"]: i["status"] for i in body["items"]} == {
        "death_cert_normal": "added_prerequisite",
        "hukou_cancel": "selected",
    }
    materials = {m["key"]: m for m in body["materials"]}
    assert {"application_form", "applicant_id", "hukou_book", "home_death_statement"} <= materials.keys()
    for m in body["materials"]:
        assert {"key", "name", "copies", "medium", "exempt", "reason", "promise_allowed"} <= m.keys()
    est = body["estimate"]
    assert {"together_days", "separately_days", "finish_by"} <= est.keys()
    assert dt.date.fromisoformat(est["finish_by"]) > dt.date(2026, 11, 30)


def test_checklist_null_items_lists_every_eligible_item(client):
    r = client.post("/api/v1/checklist", json={"situation": {"pension_scheme": "none"}, "items": None})
    statuses = {i["key"]: i["status"] for i in r.json()["items"]}
    assert statuses["survivor_benefits"] == "ineligible"
    assert len(statuses) == 16


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"situation": {"death_nature": "sudden"}}, "situation.death_nature"),
        ({"situation": {"weather": "rain"}}, "situation.weather"),
        ({"situation": {}, "items": ["nope"]}, "items"),
        ({"situation": {}, "colour": "red"}, "colour"),
        ({"situation": {"hukou_in_guizhou": "maybe"}}, "situation.hukou_in_guizhou"),
    ],
)
def test_checklist_422_names_the_field_in_chinese(client, body, field):
    r = client.post("/api/v1/checklist", json=body)
    assert r.status_code == 422
    payload = r.json()
    assert field in payload["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in payload["message"])


def test_lookup_by_colloquial_formal_pinyin_and_traditional(client):
    def top(q):
        return client.get("/api/v1/lookup", params={"q": q}).json()["results"][0]["key"]

    assert top("销户口") == "hukou_cancel"
    assert top("死亡人员户口注销") == "hukou_cancel"
    assert top("zxhk") == "hukou_cancel"
    assert top("撫卹金") == "survivor_benefits"
    assert top("公积金") == "housing_fund_withdraw"
    assert top("房产过户") == "real_estate_inheritance"


def test_survivor_estimate_in_months_without_invented_amounts(client):
    r = client.get("/api/v1/estimates/survivor-benefits", params={"contribution_years": 20, "retired": False})
    body = r.json()
    assert body["funeral_grant_months"] == 2
    assert body["pension_months"] == 14  # 9 + (20 - 15)
    assert body["base_configured"] is False and body["amount"] is None


@pytest.mark.parametrize(
    ("years", "retired", "drawn", "months"),
    [
        (3, False, 0, 3),
        (5, False, 0, 6),
        (12, False, 0, 9),
        (15, False, 0, 9),
        (40, False, 0, 24),
        (30, True, 10, 14),
        (30, True, 20, 9),
        (8, True, 3, 6),
    ],
)
def test_survivor_pension_months_by_the_rule(client, years, retired, drawn, months):
    r = client.get(
        "/api/v1/estimates/survivor-benefits",
        params={"contribution_years": years, "retired": retired, "years_drawn": drawn},
    )
    assert r.json()["pension_months"] == months


def test_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/items", "/api/v1/items/{key}", "/api/v1/checklist", "/healthz"} <= paths.keys()


def test_landing_page_lists_items_by_colloquial_name(client, catalog):
    page = client.get("/").text
    for item in catalog.items.values():
        assert item.colloquial_name in page


def test_case_page_is_the_link_families_get_and_carries_no_case_data(client):
    page = client.get("/cases/SH20261129-48273-5")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "SH20261129-48273-5" in html
    # the browser reads the code from the fragment and asks the API; nothing about the case is in the page
    assert "location.hash" in html and '"/api/v1/cases/"' in html and "Bearer" in html
    assert 'name="referrer" content="no-referrer"' in html
    hostile = client.get("/cases/<img src=x onerror=alert(1)>").text
    assert "<img src=x" not in hostile and "&lt;img src=x onerror=alert(1)&gt;" in hostile


def test_survivor_estimate_caveats_are_plain_words_and_the_staff_note_is_separate(client):
    body = client.get(
        "/api/v1/estimates/survivor-benefits",
        params={"contribution_years": 30, "retired": True, "years_drawn": 10},
    ).json()
    assert (
        body["pension_months"] == 14 and body["total_months"] == 16
    )  # 24 - 10, plus 2 for the funeral grant
    family = "".join(body["caveats"])
    assert "计发基数" in family and "省里每年公布" in family
    assert "配置" not in family and "系统" not in family  # configuration is for staff
    assert "配置" in body["staff_note"]


def test_figures_serve_the_small_deposit_cap_with_date_and_basis(client):
    figures = {f["key"]: f for f in client.get("/api/v1/figures").json()}
    cap = figures["small_deposit_cap_per_bank"]
    assert cap["value"] == 50000 and cap["unit"] == "元" and cap["configured"] is True
    assert cap["effective_from"] == "2024-06-01"
    assert "小额存款" in cap["basis"]["title"] and cap["basis"]["source"]
    base = figures["survivor_benefit_base_monthly"]
    assert base["value"] is None and base["configured"] is False  # never an invented amount
