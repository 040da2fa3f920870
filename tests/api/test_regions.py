"""Regional configuration (issue 9 item 3): scope (an administrator of 遵义 cannot touch 贵阳),
effective dates (a change for tomorrow is not applied today, and is on its date — China's date,
time-machine), reverts as new changes, audit rows, and the checklist, the guides, submissions and
dispatch following the deceased's region. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import delete, select

from api import clock
from api.catalog.regional import Setting, resolve
from tests.api.conftest import case_body, db_session
from tests.api.staff_helpers import make_account, sign_in

GUIYANG, NANMING, ZUNYI, PROVINCE = "520100", "520102", "520300", "520000"
CHECK = {
    "situation": {
        "death_nature": "normal",
        "death_place": "hospital",
        "hukou_in_guizhou": True,
        "relationship": "child",
        "channel": "window",
    },
    "items": ["hukou_cancel"],
}


@pytest.fixture(autouse=True)
def _clean_settings(request: pytest.FixtureRequest) -> Iterator[None]:
    """Regional settings made by a test are removed after it (other tests expect the catalog's
    defaults); the history table is append-only in the application itself."""
    yield
    if "backend" not in request.fixturenames:
        return
    from api.regions.models import RegionChange

    with db_session() as s:
        s.execute(delete(RegionChange))
        s.commit()


def _admin(api, region: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    api.cookies.clear()
    return {"X-CSRF-Token": sign_in(api, *make_account("regional_admin", region=region))}


def _change(api, headers, region: str, **body):  # type: ignore[no-untyped-def]
    return api.post(f"/api/v1/regions/{region}/changes", json=body, headers=headers)


def _limit(api, key: str, region: str) -> int:  # type: ignore[no-untyped-def]
    return api.get(f"/api/v1/items/{key}", params={"region": region}).json()["time_limit_days"]


def _china_noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 4, 0, tzinfo=dt.timezone.utc)  # 12:00 in China


# ------------------------------------------------------------------ pure resolution


def test_resolution_most_specific_level_first(catalog) -> None:
    on = dt.date(2026, 12, 1)
    settings = [
        Setting(GUIYANG, "time_limit", "hukou_cancel", 4),
        Setting(NANMING, "time_limit", "hukou_cancel", 1),
        Setting(PROVINCE, "time_limit", "hukou_cancel", 3),
        Setting(GUIYANG, "item_enabled", "equity_query", False),
        Setting(NANMING, "specialist", "hukou_cancel", {"name": "王丽", "phone": "0851-86891234"}),
    ]
    r = resolve(catalog, NANMING, on, settings)
    assert r.time_limit(catalog, "hukou_cancel") == 1 and r.origins[("time_limit", "hukou_cancel")] == NANMING
    assert (
        resolve(catalog, "520103", on, settings).time_limit(catalog, "hukou_cancel") == 4
    )  # 云岩: the city's
    assert resolve(catalog, ZUNYI, on, settings).time_limit(catalog, "hukou_cancel") == 3  # the province's
    assert r.unavailable == {"equity_query": GUIYANG}
    assert r.specialists["hukou_cancel"]["name"] == "王丽"
    # a value of None clears a level: the level above decides
    cleared = resolve(
        catalog, NANMING, on, [*settings[:1], Setting(NANMING, "time_limit", "hukou_cancel", None)]
    )
    assert cleared.time_limit(catalog, "hukou_cancel") == 4


def test_engine_takes_the_rules_as_input(catalog) -> None:
    from api.checklist.engine import build_checklist

    today = dt.date(2026, 12, 1)
    rules = resolve(catalog, GUIYANG, today, [Setting(GUIYANG, "time_limit", "hukou_cancel", 9)])
    plain = build_checklist(catalog, CHECK["situation"], CHECK["items"], today, GUIYANG)
    ruled = build_checklist(catalog, CHECK["situation"], CHECK["items"], today, GUIYANG, rules)
    limit = {i.key: i.time_limit_days for i in ruled.items}
    assert limit["hukou_cancel"] == 9
    assert {i.key: i.time_limit_days for i in plain.items}["hukou_cancel"] == catalog.items[
        "hukou_cancel"
    ].time_limit_days
    assert ruled.estimate.together_days > plain.estimate.together_days
    off = resolve(catalog, GUIYANG, today, [Setting(GUIYANG, "item_enabled", "hukou_cancel", False)])
    closed = build_checklist(catalog, CHECK["situation"], CHECK["items"], today, GUIYANG, off)
    entry = next(i for i in closed.items if i.key == "hukou_cancel")
    assert entry.status == "ineligible" and "贵阳市暂未开通" in entry.reason


# ------------------------------------------------------------------ scope and roles


def test_a_zunyi_administrator_cannot_touch_guiyang(api) -> None:
    h = _admin(api, ZUNYI)
    r = _change(api, h, GUIYANG, kind="time_limit", target="hukou_cancel", value=1)
    assert r.status_code == 403 and "遵义市" in r.json()["message"] and "贵阳市" in r.json()["message"]
    assert _change(api, h, PROVINCE, kind="time_limit", target="hukou_cancel", value=1).status_code == 403
    assert api.get(f"/api/v1/regions/{GUIYANG}/settings").status_code == 403
    assert _change(api, h, ZUNYI, kind="time_limit", target="hukou_cancel", value=1).status_code == 201
    # a province administrator manages every region below
    h = _admin(api, PROVINCE)
    assert (
        _change(api, h, NANMING, kind="online_enabled", target="equity_query", value=False).status_code == 201
    )


def test_other_roles_and_anonymous_are_refused(api) -> None:
    api.cookies.clear()
    assert _change(api, {}, GUIYANG, kind="time_limit", target="hukou_cancel", value=1).status_code == 401
    csrf = sign_in(api, *make_account("window_staff"))
    r = _change(api, {"X-CSRF-Token": csrf}, GUIYANG, kind="time_limit", target="hukou_cancel", value=1)
    assert r.status_code == 403
    # without the CSRF token a signed-in administrator is refused too
    h = _admin(api, GUIYANG)
    assert _change(api, {}, GUIYANG, kind="time_limit", target="hukou_cancel", value=1).status_code == 403
    assert _change(api, h, GUIYANG, kind="time_limit", target="no_such_item", value=1).status_code == 422
    assert _change(api, h, GUIYANG, kind="time_limit", target="hukou_cancel", value=-1).status_code == 422
    assert (
        _change(api, h, GUIYANG, kind="specialist", target="hukou_cancel", value={"name": "王"}).status_code
        == 422
    )


# ------------------------------------------------------------------ effective dates


def test_a_change_for_tomorrow_is_not_applied_today_and_is_on_its_date(api) -> None:
    h = _admin(api, GUIYANG)
    today = clock.today()
    tomorrow = today + dt.timedelta(days=1)
    default = _limit(api, "hukou_cancel", NANMING)
    r = _change(
        api,
        h,
        GUIYANG,
        kind="time_limit",
        target="hukou_cancel",
        value=default + 3,
        effective_from=tomorrow.isoformat(),
        note="贵阳市政务服务中心通知",
    )
    assert r.status_code == 201, r.text
    past = _change(
        api,
        h,
        GUIYANG,
        kind="time_limit",
        target="hukou_cancel",
        value=1,
        effective_from=(today - dt.timedelta(days=1)).isoformat(),
    )
    assert past.status_code == 422 and past.json()["code"] == "effective_date_past"
    settings = api.get(f"/api/v1/regions/{GUIYANG}/settings").json()
    assert [c["effective_from"] for c in settings["scheduled"]] == [tomorrow.isoformat()]

    assert _limit(api, "hukou_cancel", NANMING) == default  # today: not yet
    body = {**CHECK, "region": NANMING}
    item = lambda r: next(i for i in r.json()["items"] if i["key"] == "hukou_cancel")  # noqa: E731
    assert item(api.post("/api/v1/checklist", json=body))["time_limit_days"] == default
    with time_machine.travel(_china_noon(tomorrow), tick=False):
        assert clock.today() == tomorrow
        assert _limit(api, "hukou_cancel", NANMING) == default + 3  # on its date: in force
        assert _limit(api, "hukou_cancel", ZUNYI) == default  # only in 贵阳 and below
        assert item(api.post("/api/v1/checklist", json=body))["time_limit_days"] == default + 3
        listed = {i["key"]: i for i in api.get("/api/v1/items", params={"region": NANMING}).json()}
        assert listed["hukou_cancel"]["time_limit_days"] == default + 3
    # asked about a date, the API answers with the rules of that date
    cfg = api.get(f"/api/v1/regions/{NANMING}/config", params={"on": tomorrow.isoformat()}).json()
    assert {i["key"]: i for i in cfg["items"]}["hukou_cancel"]["time_limit_days"] == default + 3


def test_a_figure_takes_effect_on_its_date_and_the_estimate_uses_it(api) -> None:
    h = _admin(api, ZUNYI)
    today = clock.today()
    tomorrow = today + dt.timedelta(days=1)
    key = "survivor_benefit_base_monthly"
    r = _change(api, h, ZUNYI, kind="figure", target=key, value=3500, effective_from=tomorrow.isoformat())
    assert r.status_code == 201
    figure = lambda **p: {f["key"]: f for f in api.get("/api/v1/figures", params=p).json()}[key]  # noqa: E731
    assert figure(region=ZUNYI)["value"] is None
    assert figure(region=ZUNYI, on=tomorrow.isoformat())["value"] == 3500
    assert figure(region=ZUNYI, on=tomorrow.isoformat())["origin"] == "region"
    assert figure(region=GUIYANG, on=tomorrow.isoformat())["value"] is None
    est = api.get(
        "/api/v1/estimates/survivor-benefits",
        params={"contribution_years": 20, "retired": False, "region": ZUNYI, "on": tomorrow.isoformat()},
    ).json()
    assert est["base_monthly"] == 3500 and est["amount"] == 3500 * est["total_months"]
    before = api.get(
        "/api/v1/estimates/survivor-benefits",
        params={"contribution_years": 20, "retired": False, "region": ZUNYI, "on": today.isoformat()},
    ).json()
    assert before["amount"] is None  # a death before the date keeps the old rule: never retroactive


# ------------------------------------------------------------------ revert and audit


def test_revert_is_a_new_change_and_every_change_is_audited(api) -> None:
    from api.regions.models import RegionChange
    from api.security.models import AuditLog

    h = _admin(api, GUIYANG)
    default = _limit(api, "death_cert_normal", GUIYANG)
    first = _change(api, h, GUIYANG, kind="time_limit", target="death_cert_normal", value=default + 1).json()
    second = _change(api, h, GUIYANG, kind="time_limit", target="death_cert_normal", value=default + 2).json()
    assert _limit(api, "death_cert_normal", GUIYANG) == default + 2
    r = api.post(f"/api/v1/regions/changes/{second['id']}/revert", json={"note": "填错了"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["reverts_id"] == second["id"] and r.json()["value"] == default + 1
    assert _limit(api, "death_cert_normal", GUIYANG) == default + 1
    again = api.post(f"/api/v1/regions/changes/{second['id']}/revert", headers=h)
    assert again.status_code == 409
    api.post(f"/api/v1/regions/changes/{first['id']}/revert", headers=h)
    assert _limit(api, "death_cert_normal", GUIYANG) == default  # nothing set at this level any more

    history = api.get(f"/api/v1/regions/{GUIYANG}/settings").json()["history"]
    assert len(history) == 4 and {c["id"] for c in history if c["reverted"]} == {first["id"], second["id"]}
    with db_session() as s:
        ids = [str(i) for i in s.scalars(select(RegionChange.id))]
        rows = s.scalars(select(AuditLog).where(AuditLog.object_type == "region_change")).all()
        audited = {row.object_id: row for row in rows if row.object_id in ids}
    assert set(audited) == set(ids)
    assert {row.action for row in audited.values()} == {"region_time_limit", "region_revert"}
    assert all(row.role == "regional_admin" and row.staff_id for row in audited.values())
    # a Zunyi administrator cannot revert a Guiyang change
    h = _admin(api, ZUNYI)
    assert api.post(f"/api/v1/regions/changes/{first['id']}/revert", headers=h).status_code == 403


# ------------------------------------------------------------------ submissions and dispatch


def test_dispatch_due_dates_follow_the_deceased_region(api, creds) -> None:
    h = _admin(api, GUIYANG)
    default = _limit(api, "death_cert_normal", NANMING)
    assert (
        _change(api, h, GUIYANG, kind="time_limit", target="death_cert_normal", value=default + 4).status_code
        == 201
    )
    api.cookies.clear()
    here = api.post("/api/v1/cases", json=case_body(region=NANMING), headers=creds.staff("window_staff"))
    there = api.post("/api/v1/cases", json=case_body(region=ZUNYI), headers=creds.staff("window_staff"))
    assert here.status_code == there.status_code == 201, here.text

    def task(r):  # type: ignore[no-untyped-def]
        return next(t for t in r.json()["tasks"] if t["item"] == "death_cert_normal")

    from api.checklist.calendar import add_working_days

    today = clock.today()
    assert task(here)["due_date"] == add_working_days(today, default + 4).isoformat()
    assert task(there)["due_date"] == add_working_days(today, default).isoformat()
    est = {i["key"]: i for i in here.json()["checklist"]["items"]}
    assert est["death_cert_normal"]["time_limit_days"] == default + 4


def test_items_closed_or_offline_in_a_region(api, creds) -> None:
    h = _admin(api, GUIYANG)
    assert (
        _change(
            api, h, GUIYANG, kind="online_enabled", target="medical_account_withdraw", value=False
        ).status_code
        == 201
    )
    assert (
        _change(api, h, NANMING, kind="item_enabled", target="equity_query", value=False).status_code == 201
    )
    api.cookies.clear()
    online = api.post("/api/v1/cases", json=case_body(region=NANMING))
    assert online.status_code == 422 and online.json()["code"] == "not_online_here"
    assert "取出医保个人账户里的钱" in online.json()["message"]
    # the same application at the window is accepted
    assert (
        api.post(
            "/api/v1/cases", json=case_body(region=NANMING), headers=creds.staff("window_staff")
        ).status_code
        == 201
    )
    # elsewhere online is open
    assert api.post("/api/v1/cases", json=case_body(region=ZUNYI)).status_code == 201
    guide = api.get("/api/v1/items/equity_query", params={"region": NANMING}).json()
    assert guide["regional"]["enabled"] is False
    check = api.post(
        "/api/v1/checklist",
        json={
            "situation": {**CHECK["situation"], "has_equity": "yes"},
            "items": ["equity_query"],
            "region": NANMING,
        },
    ).json()
    entry = next(i for i in check["items"] if i["key"] == "equity_query")
    assert entry["status"] == "ineligible" and "南明区暂未开通" in entry["reason"]


def test_specialist_masked_in_public_views_full_for_the_administrator(api) -> None:
    h = _admin(api, ZUNYI)
    person = {"name": "李明华", "phone": "0851-28221234"}
    assert _change(api, h, ZUNYI, kind="specialist", target="hukou_cancel", value=person).status_code == 201
    staff_view = {i["key"]: i for i in api.get(f"/api/v1/regions/{ZUNYI}/settings").json()["items"]}
    assert staff_view["hukou_cancel"]["specialist"]["name"] == "李明华"
    api.cookies.clear()
    public = {i["key"]: i for i in api.get(f"/api/v1/regions/{ZUNYI}/config").json()["items"]}
    assert public["hukou_cancel"]["specialist"] == {
        "name": "李专员",
        "phone": "0851-28221234",
        "region_name": "遵义市",
    }
    guide = api.get("/api/v1/items/hukou_cancel", params={"region": ZUNYI}).json()
    assert guide["regional"]["specialist"]["name"] == "李专员"
    assert "李明华" not in api.get("/api/v1/items/hukou_cancel", params={"region": ZUNYI}).text
    tree = api.get("/api/v1/regions").json()
    assert tree[0]["code"] == PROVINCE and len(tree[0]["children"]) == 9


def test_rules_read_once_per_transaction_and_again_after_a_change(backend) -> None:
    from tests.api.conftest import use_database

    use_database(backend)
    from api.regions import service

    admin = service.Actor("admin", "a-test", None)
    with db_session() as s:
        first = service.rules(s, GUIYANG)
        assert service.rules(s, GUIYANG) is first  # one query per transaction
        default = first.time_limit(first_catalog(), "hukou_cancel")
        service.change(s, admin, GUIYANG, "time_limit", "hukou_cancel", default + 1)
        assert service.rules(s, NANMING).time_limit(first_catalog(), "hukou_cancel") == default + 1
        s.commit()
        assert service.rules(s, GUIYANG) is not first  # a new transaction reads again


def first_catalog():  # type: ignore[no-untyped-def]
    from api.catalog.loader import get_catalog

    return get_catalog()
