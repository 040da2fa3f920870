"""Every endpoint × every role: who may do what, checked through HTTP on both databases.

A new endpoint fails `test_every_endpoint_is_in_the_matrix` until its row is added here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import case_body
from tests.api.test_tasks import dept_task

PRINCIPALS = (
    "anonymous",
    "bad_credential",
    "applicant_own",
    "applicant_other",
    "window_staff",
    "hotline_staff",
    "admin",
    "department_own",
    "department_other",
)

# Endpoints anyone may call: the same answer whoever asks (no principal is consulted).
PUBLIC: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/healthz"): {},
    ("GET", "/api/v1/items"): {},
    ("GET", "/api/v1/items/{key}"): {"path": {"key": "hukou_cancel"}},
    ("GET", "/api/v1/referrals"): {},
    ("GET", "/api/v1/referrals/{key}"): {"path": {"key": "__first_referral__"}},
    ("GET", "/api/v1/materials"): {},
    ("GET", "/api/v1/situation"): {},
    ("GET", "/api/v1/lookup"): {"params": {"q": "销户口"}},
    ("GET", "/api/v1/estimates/survivor-benefits"): {"params": {"contribution_years": 12, "retired": False}},
    ("GET", "/api/v1/figures"): {},
    ("GET", "/api/v1/regions"): {},
    ("GET", "/api/v1/regions/{code}/config"): {"path": {"code": "520100"}},
    ("POST", "/api/v1/checklist"): {
        "json": {"situation": {"death_nature": "normal"}, "items": ["hukou_cancel"]}
    },
    # the hotline console (docs/hotline.md): public catalog data
    ("GET", "/api/v1/hotline/search"): {"params": {"q": "hkzx", "nlu": False}},
    ("POST", "/api/v1/checklist/pdf"): {
        "json": {"situation": {"death_nature": "normal"}, "items": ["hukou_cancel"]}
    },
    # the website widget's suggestions (docs/channels.md)
    ("GET", "/api/v1/chat/phrases"): {},
}

# (method, path) → expected status per principal. The requests are built so that an allowed
# caller gets a definite answer without changing shared state (stale versions, absent ids).
A, AO = "applicant_own", "applicant_other"
W, H, AD = "window_staff", "hotline_staff", "admin"
DO, DX = "department_own", "department_other"


def _row(default: int, **by: int) -> dict[str, int]:
    out = {p: default for p in PRINCIPALS}
    out["anonymous"] = 401
    out["bad_credential"] = 401
    out.update({k: v for k, v in by.items()})
    return out


MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/api/v1/cases"): _row(
        201, anonymous=201, hotline_staff=403, department_own=403, department_other=403
    ),
    ("GET", "/api/v1/cases/{case_no}"): _row(
        403, applicant_own=200, applicant_other=404, **{W: 200, H: 200, AD: 200}
    ),
    ("GET", "/api/v1/departments/{dept}/tasks"): _row(403, admin=200, department_own=200),
    ("GET", "/api/v1/tasks/{task_id}"): _row(
        403, window_staff=200, admin=200, department_own=200, department_other=404
    ),
    ("POST", "/api/v1/tasks/{task_id}/transition"): _row(
        403, admin=409, department_own=409, department_other=404
    ),
    ("POST", "/api/v1/death-records"): _row(403, department_own=201),
    ("POST", "/api/v1/relationship-verifications"): _row(403),
    ("POST", "/api/v1/cases/{case_no}/ratings"): _row(403, applicant_own=409, applicant_other=404),
    ("POST", "/api/v1/cases/{case_no}/tasks/{item}/resubmit"): _row(
        403, applicant_own=409, applicant_other=404
    ),
    ("GET", "/api/v1/stats"): _row(403, admin=200),
    ("GET", "/api/v1/admin/outbox"): _row(403, admin=200),
    ("POST", "/api/v1/admin/outbox/{event_id}/retry"): _row(403, admin=404),
    ("GET", "/api/v1/admin/audit"): _row(403, admin=200),
    ("GET", "/api/v1/admin/invitations"): _row(403, admin=200),
    # the supervisor dashboard: signed-in staff sessions only (tests/api/test_supervision_stats.py)
    ("GET", "/api/v1/supervision/stats"): _row(401),
    # staff pages sign in with a session cookie (tests/api/test_staff_matrix.py checks every staff role);
    # machine credentials open no staff session
    ("POST", "/api/v1/staff/login"): _row(422, anonymous=422, bad_credential=422),
    ("POST", "/api/v1/staff/logout"): _row(401),
    ("GET", "/api/v1/staff/me"): _row(401),
    # 证照送达: a completed task's result document and the family's receipt (the world's task is open)
    ("GET", "/api/v1/cases/{case_no}/tasks/{item}/document"): _row(
        409, applicant_other=404, department_other=404
    ),
    ("POST", "/api/v1/cases/{case_no}/tasks/{item}/receipt"): _row(
        403, applicant_own=409, applicant_other=404
    ),
    # the department workbench: signed-in clerks only (tests/api/test_staff_matrix.py)
    ("GET", "/api/v1/workbench/department/queue"): _row(401),
    ("POST", "/api/v1/workbench/tasks/{task_id}/accept"): _row(401),
    ("POST", "/api/v1/workbench/tasks/{task_id}/complete"): _row(401),
    ("POST", "/api/v1/workbench/tasks/{task_id}/supplement"): _row(401),
    ("POST", "/api/v1/workbench/tasks/{task_id}/reject"): _row(401),
    ("POST", "/api/v1/workbench/tasks/{task_id}/reveal"): _row(401),
    ("POST", "/api/v1/workbench/tasks/{task_id}/mailing"): _row(401),
    # regional configuration and the window's intake: signed-in staff sessions only (api/staff), no
    # header credential opens them (roles per route: tests/api/test_regions.py, test_window.py)
    ("GET", "/api/v1/regions/{code}/settings"): _row(401),
    ("POST", "/api/v1/regions/{code}/changes"): _row(401),
    ("POST", "/api/v1/regions/changes/{change_id}/revert"): _row(401),
    ("POST", "/api/v1/window/cases"): _row(401),
    ("POST", "/api/v1/window/cases/{case_no}/open"): _row(401),
    ("POST", "/api/v1/window/cases/{case_no}/verify"): _row(401),
    ("POST", "/api/v1/window/cases/{case_no}/intake"): _row(401),
    ("POST", "/api/v1/window/cases/{case_no}/receipt"): _row(401),
    # following a case with the short progress code or the applicant's phone consults no principal:
    # the code is the credential (tests/api/test_progress_code.py); without a body 422 for all
    ("POST", "/api/v1/cases/{case_no}/progress-code"): _row(422, anonymous=422, bad_credential=422),
    ("POST", "/api/v1/progress/phone-code"): _row(422, anonymous=422, bad_credential=422),
    ("POST", "/api/v1/progress/phone-code/verify"): _row(422, anonymous=422, bad_credential=422),
    # the mini-program's sign-in consults no principal: WeChat login is not configured here (503 for
    # all), and only our own WeChat session is a valid bearer (tests/api/test_wechat_session.py)
    ("POST", "/api/v1/wechat/session"): _row(503, anonymous=503, bad_credential=503),
    ("GET", "/api/v1/wechat/session"): _row(401),
    # the hotline console's SMS link: hotline staff signed in on the page (session cookie, docs/staff.md);
    # machine credentials open no staff session (tests/api/test_hotline.py checks the signed-in roles)
    ("POST", "/api/v1/hotline/sms-links"): _row(401),
    # the website widget's proxy to the assistant and its answer ratings consult no principal (a
    # conversation id is no credential); without a body 422 for all (tests/api/test_chat.py)
    ("POST", "/api/v1/chat"): _row(422, anonymous=422, bad_credential=422),
    ("POST", "/api/v1/chat/ratings"): _row(422, anonymous=422, bad_credential=422),
}


@pytest.fixture
def world(api, creds, catalog):
    own = api.post("/api/v1/cases", json=case_body()).json()
    other = api.post("/api/v1/cases", json=case_body()).json()
    task = dept_task(api, creds, own["case_no"], "death_cert_normal", "health")
    headers = {
        "anonymous": {},
        "bad_credential": {"X-Api-Key": "not-a-key"},
        A: creds.applicant(own["access_token"]),
        AO: creds.applicant(other["access_token"]),
        W: creds.staff("window_staff"),
        H: creds.staff("hotline_staff"),
        AD: creds.staff("admin"),
        DO: creds.dept("health"),  # may push death records; owns the death certificate task
        DX: creds.dept("hrss"),
    }
    return {"own": own, "task": task, "headers": headers, "referral": next(iter(catalog.referrals))}


def _request(world: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    own, task = world["own"], world["task"]
    url = (
        path.replace("{case_no}", own["case_no"])
        .replace("{dept}", "health")
        .replace("{task_id}", str(task["id"]))
        .replace("{event_id}", "1999999999")
        .replace("{item}", "death_cert_normal")
    )
    body: dict[str, Any] = {
        "/api/v1/cases": case_body(),
        "/api/v1/tasks/{task_id}/transition": {"action": "accept", "version": task["version"] + 100},
        "/api/v1/death-records": {
            "kind": "death",
            "id_number": case_body()["deceased"]["id_number"],
            "name": "李四",
            "event_date": "2026-01-05",
            "record_no": "WJ-1",
        },
        "/api/v1/relationship-verifications": {
            "deceased_id_number": case_body()["deceased"]["id_number"],
            "applicant_id_number": case_body()["applicant"]["id_number"],
            "relationship": "child",
            "verified": True,
        },
        "/api/v1/cases/{case_no}/ratings": {"item": "death_cert_normal", "score": 5},
        "/api/v1/cases/{case_no}/tasks/{item}/resubmit": {"note": "已补充"},
        "/api/v1/wechat/session": {"code": "081wxlogincode"} if method == "POST" else None,
    }.get(path)
    return {"method": method, "url": url, "json": body}


def test_every_endpoint_is_in_the_matrix(app):
    paths = app.openapi()["paths"]
    routes = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    missing = routes - set(MATRIX) - set(PUBLIC)
    assert not missing, f"add these endpoints to the access matrix: {sorted(missing)}"


@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
def test_access(api, world, endpoint):
    method, path = endpoint
    got = {}
    for who in PRINCIPALS:
        req = _request(world, method, path)
        r = api.request(req["method"], req["url"], json=req["json"], headers=world["headers"][who])
        got[who] = r.status_code
        if r.status_code >= 400:
            assert r.json().get("message"), (who, r.text)  # every refusal says why, in words
    assert got == MATRIX[endpoint]


@pytest.mark.parametrize("endpoint", sorted(PUBLIC), ids=lambda e: f"{e[0]} {e[1]}")
def test_public_endpoints_answer_everyone_alike(api, world, endpoint):
    method, path = endpoint
    spec = PUBLIC[endpoint]
    url = path
    for k, v in spec.get("path", {}).items():
        url = url.replace("{" + k + "}", world["referral"] if v == "__first_referral__" else v)
    codes = set()
    for who in PRINCIPALS:
        if who == "bad_credential":
            continue
        r = api.request(
            method, url, params=spec.get("params"), json=spec.get("json"), headers=world["headers"][who]
        )
        codes.add(r.status_code)
    assert codes == {200}
