"""一窗受理 (issue 9 item 2), SQLite and PostgreSQL: a window submission is the same case as an online
one (one flow, the same one-open-case rule); a case the family filed with the assistant is opened by
number + the family's code and prefilled, masked; numbers checked without being shown; materials
carry their review points; 容缺 promises are recorded where the catalog allows them; the receipt is a
PDF with the case number, the progress code and an embedded Chinese font. Every access audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from api.catalog.loader import get_catalog
from tests.api.conftest import case_body, db_session
from tests.api.pdf_helpers import pdf_text
from tests.api.staff_helpers import make_account, sign_in


def officer(api, role: str = "window_staff") -> dict[str, str]:  # type: ignore[no-untyped-def]
    api.cookies.clear()
    username, password = make_account(role)
    return {"X-CSRF-Token": sign_in(api, username, password), "_user": username}


def _h(h: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in h.items() if not k.startswith("_")}


def online_case(api, **overrides):  # type: ignore[no-untyped-def]
    api.cookies.clear()
    body = case_body(**overrides)
    r = api.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return body, r.json()


def test_window_submission_is_the_same_case_and_flow_as_online(api) -> None:
    from api.cases.models import Case

    h = officer(api)
    body = case_body()
    r = api.post("/api/v1/window/cases", json=body, headers=_h(h))
    assert r.status_code == 201, r.text
    made = r.json()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", made["progress_code"])
    online_body, online = online_case(api)
    # the same items become the same tasks, whichever the channel
    assert sorted(t["item"] for t in made["tasks"]) == sorted(t["item"] for t in online["tasks"])
    with db_session() as s:
        case = s.scalar(select(Case).where(Case.case_no == made["case_no"]))
        assert case.channel == "window" and case.created_by_staff == h["_user"]
        assert case.situation["channel"] == "window"
        assert s.scalar(select(Case.channel).where(Case.case_no == online["case_no"])) == "online"
    # the applicant's ID is a material at the window (online it is checked by real-name sign-in)
    mats = {m["key"]: m for m in made["checklist"]["materials"]}
    assert mats["applicant_id"]["exempt"] is False
    # one open case per deceased, whichever channel filed it first
    h = officer(api)
    again = api.post("/api/v1/window/cases", json=online_body, headers=_h(h))
    assert again.status_code == 409 and again.json()["code"] == "case_exists"
    api.cookies.clear()
    twice = api.post("/api/v1/cases", json=body)
    assert twice.status_code == 409 and twice.json()["code"] == "case_exists"
    # idempotent like the online route
    h = officer(api)
    fresh = case_body()
    one = api.post(
        "/api/v1/window/cases",
        json=fresh,
        headers={**_h(h), "Idempotency-Key": "w-" + fresh["deceased"]["id_number"]},
    )
    two = api.post(
        "/api/v1/window/cases",
        json=fresh,
        headers={**_h(h), "Idempotency-Key": "w-" + fresh["deceased"]["id_number"]},
    )
    assert one.json()["case_no"] == two.json()["case_no"] and two.headers.get("Idempotent-Replayed") == "true"


def test_only_signed_in_window_staff_submit_and_open(api) -> None:
    api.cookies.clear()
    assert api.post("/api/v1/window/cases", json=case_body()).status_code == 401
    csrf = sign_in(api, *make_account("department", department="hrss"))
    assert (
        api.post("/api/v1/window/cases", json=case_body(), headers={"X-CSRF-Token": csrf}).status_code == 403
    )
    officer(api)
    assert api.post("/api/v1/window/cases", json=case_body()).status_code == 403  # no CSRF token


def test_a_case_from_the_assistant_is_opened_with_its_code_and_prefilled_masked(api) -> None:
    from api.security.models import AuditLog

    body, made = online_case(api)
    no, code = made["case_no"], made["progress_code"]
    h = officer(api)
    url = f"/api/v1/window/cases/{no}/open"
    assert api.post(url, json={}, headers=_h(h)).json()["code"] == "family_code_required"
    wrong = "ABCDEF" if code != "ABCDEF" else "BCDEFG"
    assert api.post(url, json={"code": wrong}, headers=_h(h)).status_code == 404
    r = api.post(url, json={"code": code.lower()}, headers=_h(h))
    assert r.status_code == 200, r.text
    view = r.json()
    form = view["form"]
    assert form["items"] == [t["item"] for t in made["tasks"]] or set(form["items"]) == {
        t["item"] for t in made["tasks"]
    }
    assert (
        form["situation"]["pension_scheme"] == "enterprise" and form["applicant"]["relationship"] == "child"
    )
    assert form["deceased"]["death_date"] == body["deceased"]["death_date"]
    # masked: no name, ID number, phone or account in clear anywhere in the answer
    for secret in (
        body["deceased"]["name"],
        body["deceased"]["id_number"],
        body["applicant"]["id_number"],
        body["applicant"]["phone"],
        body["payee_account"].replace(" ", ""),
    ):
        assert secret not in r.text
    assert view["channel"] == "online" and view["intake"] is None
    # the long access token works as the family's code too; an administrator needs no code
    assert api.post(url, json={"code": made["access_token"]}, headers=_h(h)).status_code == 200
    admin = officer(api, "admin")
    assert api.post(url, json={}, headers=_h(admin)).status_code == 200
    with db_session() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.action == "window_open")).all()
    assert len(actions) >= 3


def test_numbers_are_checked_against_the_card_without_being_shown(api) -> None:
    body, made = online_case(api)
    h = officer(api)
    url = f"/api/v1/window/cases/{made['case_no']}/verify"
    code = made["progress_code"]
    ok = api.post(
        url,
        json={"code": code, "field": "deceased_id", "value": body["deceased"]["id_number"].lower()},
        headers=_h(h),
    )
    assert ok.status_code == 200 and ok.json()["matches"] is True
    assert body["deceased"]["id_number"] not in ok.text
    bad = api.post(
        url, json={"code": code, "field": "applicant_phone", "value": "13000000000"}, headers=_h(h)
    )
    assert bad.json()["matches"] is False and "不一致" in bad.json()["message"]


def test_review_points_follow_the_family_situation(api) -> None:
    catalog = get_catalog()
    _, made = online_case(api)
    h = officer(api)
    view = api.post(
        f"/api/v1/window/cases/{made['case_no']}/open", json={"code": made["progress_code"]}, headers=_h(h)
    ).json()
    mats = {m["key"]: m for m in view["materials"]}
    for m in view["materials"]:
        if not m["exempt"]:
            assert m["review_points"], m["key"]
            assert all(p["basis"] and p["check"] for p in m["review_points"])
    rel = [p["check"] for p in mats["relationship_proof"]["review_points"]]
    assert any("遗属待遇" in c for c in rel)  # the case includes survivor_benefits
    assert not any("小额存款" in c and "配偶、子女、父母" in c for c in rel)  # but no small deposit
    assert any("收回纸质原件" in p["check"] for p in mats["deceased_id"]["review_points"])  # hukou_cancel

    # a small-deposit case: the limit in force is filled in, never a literal in the catalog's text
    situation = {**case_body()["situation"], "deposits": "small"}
    _, dep = online_case(api, situation=situation, items=["small_deposit_withdraw"])
    h = officer(api)
    view = api.post(
        f"/api/v1/window/cases/{dep['case_no']}/open", json={"code": dep["progress_code"]}, headers=_h(h)
    ).json()
    mats = {m["key"]: m for m in view["materials"]}
    cap = catalog.figure("small_deposit_cap_per_bank").value
    assert any(f"{int(cap)}元" in p["check"] for p in mats["deposit_documents"]["review_points"])
    assert not any("{figure." in p["check"] for m in view["materials"] for p in m["review_points"])
    assert mats["relationship_proof"]["promise_allowed"] is False  # no 容缺 when withdrawing deposits


def test_promises_are_recorded_where_the_catalog_allows_them(api) -> None:
    import datetime as dt

    from api import clock
    from api.window.models import IntakeMaterial, WindowIntake

    _, made = online_case(api)
    h = officer(api)
    url = f"/api/v1/window/cases/{made['case_no']}/intake"
    code = made["progress_code"]
    due = (clock.today() + dt.timedelta(days=7)).isoformat()
    refused = api.post(
        url, json={"code": code, "materials": [{"key": "hukou_book", "status": "promised"}]}, headers=_h(h)
    )
    assert refused.status_code == 422 and refused.json()["code"] == "promise_not_allowed"
    exempt = api.post(
        url, json={"code": code, "materials": [{"key": "death_proof", "status": "received"}]}, headers=_h(h)
    )
    assert exempt.status_code == 422 and exempt.json()["code"] == "material_exempt"
    r = api.post(
        url,
        json={
            "code": code,
            "materials": [
                {"key": "deceased_id", "status": "promised", "promise_due": due, "note": "原件遗失"},
                {"key": "hukou_book", "status": "received"},
                {"key": "relationship_proof", "status": "pending"},
            ],
            "note": "家属下周补交关系证明",
        },
        headers=_h(h),
    )
    assert r.status_code == 201, r.text
    mats = {m["key"]: m for m in r.json()["materials"]}
    assert mats["deceased_id"]["recorded"] == {"status": "promised", "promise_due": due, "note": "原件遗失"}
    assert "告知承诺" in mats["deceased_id"]["promise_note"]
    with db_session() as s:
        intake = s.scalar(select(WindowIntake).order_by(WindowIntake.id.desc()).limit(1))
        lines = {
            m.material_key: m
            for m in s.scalars(select(IntakeMaterial).where(IntakeMaterial.intake_id == intake.id))
        }
        assert intake.staff_id == h["_user"] and lines["deceased_id"].status == "promised"
        assert lines["deceased_id"].promise_due.isoformat() == due


def test_receipt_pdf_has_the_case_number_the_code_and_an_embedded_cjk_font(api) -> None:
    from api.cases.numbers import readable

    h = officer(api)
    body = case_body()
    made = api.post("/api/v1/window/cases", json=body, headers=_h(h)).json()
    no, code = made["case_no"], made["progress_code"]
    api.post(
        f"/api/v1/window/cases/{no}/intake",
        json={
            "code": code,
            "materials": [
                {"key": "deceased_id", "status": "promised"},
                {"key": "hukou_book", "status": "received"},
            ],
        },
        headers=_h(h),
    )
    r = api.post(
        f"/api/v1/window/cases/{no}/receipt", json={"code": code, "progress_code": code}, headers=_h(h)
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text, fonts = pdf_text(r.content)
    flat = re.sub(r"\s+", "", text)
    assert "受理回执" in flat and readable(no) in flat and code in flat
    assert "容缺" in flat and "居民户口簿" in flat and "注销户口" in flat
    assert any("Droid" in f for f in fonts), fonts
    for secret in (body["deceased"]["id_number"], body["applicant"]["phone"], body["deceased"]["name"]):
        assert secret not in flat
    # a code that is not this case's is never printed
    r = api.post(
        f"/api/v1/window/cases/{no}/receipt",
        json={"code": made["access_token"], "progress_code": "ZZZZZZ"},
        headers=_h(h),
    )
    text2 = re.sub(r"\s+", "", pdf_text(r.content)[0])
    assert "ZZZZZZ" not in text2 and "已通过短信发给申请人" in text2


def test_wrong_codes_at_the_window_are_limited_per_case(api) -> None:
    _, made = online_case(api)
    h = officer(api)
    url = f"/api/v1/window/cases/{made['case_no']}/open"
    wrong = next(c for c in ("ABCDEF", "BCDEFG") if c != made["progress_code"])
    codes = [api.post(url, json={"code": wrong}, headers=_h(h)).status_code for _ in range(11)]
    assert codes[:10] == [404] * 10 and codes[10] == 429
    # the family's own code is refused too once the case's budget is used up: nobody keeps guessing
    r = api.post(url, json={"code": made["progress_code"]}, headers=_h(h))
    assert r.status_code == 429 and "Retry-After" in r.headers
