"""Data sharing: death / cremation records and relationship checks pushed by departments."""

from __future__ import annotations

from api import clock  # China's date (Asia/Shanghai), as the API sees it
from tests.api.conftest import case_body


def push(api, creds, dept, **body):
    return api.post("/api/v1/death-records", json=body, headers=creds.dept(dept))


def record(body, kind="death", **extra):
    return {
        "kind": kind,
        "id_number": body["deceased"]["id_number"],
        "name": body["deceased"]["name"],
        "event_date": body["deceased"]["death_date"],
        "record_no": "WJ-2026-" + body["deceased"]["id_number"][-6:],
        **extra,
    }


def test_only_health_police_and_civil_affairs_may_push(api, creds):
    body = case_body()
    for dept in ("hrss", "housing_fund", "justice"):
        assert push(api, creds, dept, **record(body)).status_code == 403
    for role in ("window_staff", "hotline_staff", "admin"):
        r = api.post("/api/v1/death-records", json=record(body), headers=creds.staff(role))
        assert r.status_code == 403
    assert api.post("/api/v1/death-records", json=record(body)).status_code == 401
    r = push(api, creds, "health", **record(body))
    assert r.status_code == 201, r.text
    assert body["deceased"]["id_number"] not in r.text and r.json()["created"] is True
    # the same record again updates, never duplicates
    r = push(api, creds, "health", **record(body))
    assert r.status_code == 201 and r.json()["created"] is False and r.json()["id"]


def test_shared_death_record_before_submission_exempts_and_skips_the_certificate(api, creds):
    body = case_body()
    assert push(api, creds, "health", **record(body, death_nature="normal")).status_code == 201
    r = api.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    data = r.json()
    items = {t["item"] for t in data["tasks"]}
    assert "death_cert_normal" not in items and "death_cert_abnormal" not in items
    hukou = next(t for t in data["tasks"] if t["item"] == "hukou_cancel")
    assert hukou["status"] == "ready"  # nothing to wait for: the death is on record
    statuses = {i["key"]: i["status"] for i in data["checklist"]["items"]}
    assert statuses.get("death_cert_normal") in (None, "already_done")
    death_proof = next((m for m in data["checklist"]["materials"] if m["key"] == "death_proof"), None)
    assert death_proof is None or death_proof["exempt"] is True
    view = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"])).json()
    assert view["shared_data"]["death_record_shared"] is True
    assert view["shared_data"]["death_record"]["source"] == "health"


def test_shared_record_after_submission_settles_the_certificate_and_releases(api, creds):
    body = case_body()
    data = api.post("/api/v1/cases", json=body).json()
    r = push(api, creds, "health", **record(body))
    assert r.status_code == 201
    assert r.json()["cases_updated"] == [data["case_no"]]
    view = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"])).json()
    by_item = {t["item"]: t for t in view["tasks"]}
    assert by_item["death_cert_normal"]["status"] == "completed"
    assert by_item["death_cert_normal"]["result"]["shared_record_no"] == record(body)["record_no"]
    assert by_item["hukou_cancel"]["status"] == "ready"
    assert view["shared_data"]["death_record_shared"] is True


def test_cremation_record(api, creds):
    body = case_body()
    cremation = record(body, kind="cremation", event_date=clock.today().isoformat())
    assert push(api, creds, "civil_affairs", **cremation).status_code == 201
    body["items"] = ["hukou_cancel"]
    data = api.post("/api/v1/cases", json=body).json()
    view = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"])).json()
    assert view["shared_data"]["cremation_record_shared"] is True


def test_bad_record_is_refused(api, creds):
    body = case_body()
    bad = record(body)
    bad["id_number"] = bad["id_number"][:17] + ("1" if bad["id_number"][17] != "1" else "2")
    r = push(api, creds, "health", **bad)
    assert r.status_code == 422 and "校验位" in r.json()["message"]
    assert push(api, creds, "health", **record(body), extra_field=1).status_code == 422


def verification(body, verified=True):
    return {
        "deceased_id_number": body["deceased"]["id_number"],
        "applicant_id_number": body["applicant"]["id_number"],
        "relationship": body["applicant"]["relationship"],
        "verified": verified,
        "record_no": "MZ-REL-1",
    }


def test_relationship_verified_before_submission(api, creds):
    body = case_body()
    r = api.post(
        "/api/v1/relationship-verifications", json=verification(body), headers=creds.dept("civil_affairs")
    )
    assert r.status_code == 201, r.text
    data = api.post("/api/v1/cases", json=body).json()
    proof = next(m for m in data["checklist"]["materials"] if m["key"] == "relationship_proof")
    assert proof["exempt"] is True
    view = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"])).json()
    assert view["shared_data"]["relationship_verified"] is True


def test_relationship_verified_after_submission_updates_the_case(api, creds):
    body = case_body()
    data = api.post("/api/v1/cases", json=body).json()
    proof = next(m for m in data["checklist"]["materials"] if m["key"] == "relationship_proof")
    assert proof["exempt"] is False
    r = api.post(
        "/api/v1/relationship-verifications", json=verification(body), headers=creds.dept("public_security")
    )
    assert r.json()["cases_updated"] == [data["case_no"]]
    view = api.get(f"/api/v1/cases/{data['case_no']}", headers=creds.applicant(data["access_token"])).json()
    proof = next(m for m in view["checklist"]["materials"] if m["key"] == "relationship_proof")
    assert proof["exempt"] is True
    assert any("亲属关系" in n["message"] for n in view["notifications"])


def test_relationship_only_from_civil_affairs_or_police(api, creds):
    body = case_body()
    for dept in ("health", "hrss"):
        r = api.post("/api/v1/relationship-verifications", json=verification(body), headers=creds.dept(dept))
        assert r.status_code == 403
