"""Rate limits on the routes that take a case number and a credential are keyed on what is being
guessed and count failures (issue 7, medium): the per-case limit was keyed on the raw path text
(hyphen and case variants got around it) and counted successes, so 30 bad guesses locked a family
out, and every chat user shares the action server's address."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import case_body


@pytest.fixture
def new_client(app):
    clients = []

    def make(ip: str) -> TestClient:
        c = TestClient(app, client=(ip, 1))
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def _variants(case_no: str) -> list[str]:
    readable = f"{case_no[:10]}-{case_no[10:15]}-{case_no[15:]}"
    full = case_no.translate(str.maketrans("0123456789SH", "０１２３４５６７８９ＳＨ"))
    return [case_no, case_no.lower(), readable, readable.lower(), f"{case_no[:10]} {case_no[10:]}", full]


def test_variants_of_one_case_number_share_one_budget(api, new_client, creds):
    data = api.post("/api/v1/cases", json=case_body()).json()
    variants = _variants(data["case_no"])
    codes = []
    for i in range(31):  # each guess from another address, with another spelling of the number
        c = new_client(f"10.20.{i // 200}.{i % 200}")
        codes.append(
            c.get(
                f"/api/v1/cases/{variants[i % len(variants)]}", headers=creds.applicant("g" * 32)
            ).status_code
        )
    assert set(codes[:30]) == {401} and codes[30] == 429, codes
    # the family still reads its case, under any spelling
    fam = new_client("10.21.0.1")
    for v in variants:
        assert fam.get(f"/api/v1/cases/{v}", headers=creds.applicant(data["access_token"])).status_code == 200


def test_successful_reads_do_not_use_up_the_budget(api, new_client, creds):
    data = api.post("/api/v1/cases", json=case_body()).json()
    c = new_client("10.22.0.1")
    codes = [
        c.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"])).status_code
        for _ in range(40)
    ]
    assert set(codes) == {200}


def test_many_families_behind_one_address_are_not_limited(api, new_client, creds):
    """The assistant's action server reads many families' cases from one address."""
    # filed at a window: 35 new cases from one address would use up an anonymous creation budget
    window = creds.staff("window_staff")
    cases = [api.post("/api/v1/cases", json=case_body(), headers=window).json() for _ in range(35)]
    action_server = new_client("10.23.0.1")
    codes = [
        action_server.get(
            f"/api/v1/cases/{d['case_no']}", headers=creds.applicant(d["access_token"])
        ).status_code
        for d in cases
    ]
    assert set(codes) == {200}


@pytest.mark.parametrize("route", ["ratings", "resubmit"])
def test_the_other_token_checked_case_routes_are_limited(api, new_client, creds, route):
    data = api.post("/api/v1/cases", json=case_body()).json()
    c = new_client("10.24.0.1" if route == "ratings" else "10.24.0.2")
    if route == "ratings":
        url, body = f"/api/v1/cases/{data['case_no']}/ratings", {"item": "hukou_cancel", "score": 5}
    else:
        url, body = f"/api/v1/cases/{data['case_no']}/tasks/hukou_cancel/resubmit", {"note": "已补交"}
    codes = [
        c.post(url, json=body, headers=creds.applicant(f"guess-{i:04d}" + "z" * 20)).status_code
        for i in range(31)
    ]
    assert set(codes[:30]) == {401} and codes[30] == 429, codes


# ------------------------------------------------------------------ who learns that a case exists


def test_case_exists_is_told_only_to_a_fully_validated_application(api):
    """Anonymous callers could learn whether a person has an open case (409 case_exists, with the
    case number when they added the applicant's ID number)."""
    body = case_body()
    created = api.post("/api/v1/cases", json=body).json()
    # a probe with the deceased's ID number and an incomplete form learns nothing
    probe = case_body(deceased=body["deceased"], items=["survivor_benefits"])
    probe["situation"] = {}  # the questions survivor benefits need are unanswered
    r = api.post("/api/v1/cases", json=probe)
    assert r.status_code == 422, r.text
    assert "case_exists" not in r.text and created["case_no"] not in r.text
    probe = case_body(deceased=body["deceased"], items=["no_such_item"])
    assert api.post("/api/v1/cases", json=probe).status_code == 422
    # with the applicant's ID number but another phone: told that a case exists, not its number
    other_phone = case_body(
        deceased=body["deceased"], applicant={**body["applicant"], "phone": "13700000001"}
    )
    r = api.post("/api/v1/cases", json=other_phone)
    assert r.status_code == 409 and r.json()["code"] == "case_exists"
    assert created["case_no"] not in r.text and "details" not in r.json()
    # the applicant who opened it (same ID number and phone) is reminded of the number
    r = api.post("/api/v1/cases", json=body)
    assert r.status_code == 409 and r.json()["details"]["case_no"] == created["case_no"]
