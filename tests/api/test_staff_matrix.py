"""The permission matrix of staff pages and their API: every staff role × every route that uses the
staff sign-in (api.staff.auth.require_staff / staff_page), checked through HTTP on both databases.

MATRIX is the specification, one line per route: (method, path) → the roles that may use it. A route
that uses the staff sign-in but has no line here fails `test_every_staff_route_is_in_the_matrix` — add
its line when you add a page or an API route for staff. Lines for routes not (yet) in the application
are skipped, so a line may land before its page.

What is checked for each route:
- nobody signed in (and a machine credential such as X-Staff-Token, which opens no staff session):
  an API route answers 401, a page 303 to the sign-in page;
- a signed-in role not in the line: an API route 403 ``forbidden``, a page 403;
- a role in the line: never 401 nor a role refusal (the route then answers on the dummy request as
  it should: 200, 404 for a made-up id, 409 or 422 for an empty body — never 5xx).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from tests.api.staff_helpers import make_account

DEPARTMENT, WINDOW, HOTLINE = "department", "window_staff", "hotline_staff"
REGIONAL, SUPERVISOR, ADMIN = "regional_admin", "supervisor", "admin"
STAFF = (DEPARTMENT, WINDOW, HOTLINE, REGIONAL, SUPERVISOR, ADMIN)

MATRIX: dict[tuple[str, str], tuple[str, ...]] = {
    # sign-in (api/staff)
    ("GET", "/staff"): STAFF,
    ("GET", "/api/v1/staff/me"): STAFF,
    ("POST", "/api/v1/staff/logout"): STAFF,
    # department workbench and delivery (api/workbench)
    ("GET", "/workbench/department"): (DEPARTMENT,),
    ("GET", "/api/v1/workbench/department/queue"): (DEPARTMENT,),
    ("POST", "/api/v1/workbench/tasks/{task_id}/accept"): (DEPARTMENT,),
    ("POST", "/api/v1/workbench/tasks/{task_id}/complete"): (DEPARTMENT,),
    ("POST", "/api/v1/workbench/tasks/{task_id}/supplement"): (DEPARTMENT,),
    ("POST", "/api/v1/workbench/tasks/{task_id}/reject"): (DEPARTMENT,),
    ("POST", "/api/v1/workbench/tasks/{task_id}/reveal"): (DEPARTMENT,),
    ("POST", "/api/v1/workbench/tasks/{task_id}/mailing"): (DEPARTMENT,),
    # window intake (api/window)
    ("GET", "/workbench/window"): (WINDOW, ADMIN),
    ("POST", "/api/v1/window/cases"): (WINDOW, ADMIN),
    ("POST", "/api/v1/window/cases/{case_no}/open"): (WINDOW, ADMIN),
    ("POST", "/api/v1/window/cases/{case_no}/verify"): (WINDOW, ADMIN),
    ("POST", "/api/v1/window/cases/{case_no}/intake"): (WINDOW, ADMIN),
    ("POST", "/api/v1/window/cases/{case_no}/receipt"): (WINDOW, ADMIN),
    # regional configuration (api/regions)
    ("GET", "/workbench/region"): (REGIONAL, ADMIN),
    ("GET", "/api/v1/regions/{code}/settings"): (REGIONAL, ADMIN),
    ("POST", "/api/v1/regions/{code}/changes"): (REGIONAL, ADMIN),
    ("POST", "/api/v1/regions/changes/{change_id}/revert"): (REGIONAL, ADMIN),
    # supervision (api/stats)
    ("GET", "/workbench/supervisor"): (SUPERVISOR, REGIONAL, ADMIN),
    ("GET", "/api/v1/supervision/stats"): (SUPERVISOR, REGIONAL, ADMIN),
    # hotline (api/hotline)
    ("POST", "/api/v1/hotline/sms-links"): (HOTLINE, ADMIN),
}

# Values for path parameters: made-up ids, so allowed callers get a definite answer without changing
# anything that exists.
PATH_VALUES = {
    "code": "520000",
    "case_no": "GZ20260101000000",
    "task_id": "1999999999",
    "change_id": "1999999999",
}


def _walk(routes: list[Any]) -> list[APIRoute]:
    out: list[APIRoute] = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif hasattr(r, "original_router"):  # FastAPI's included routers
            out += _walk(r.original_router.routes)
        elif hasattr(r, "routes") and not hasattr(r, "app"):
            out += _walk(r.routes)
    return out


def _staff_dependency(dependant: Any) -> Any:
    for d in dependant.dependencies:
        if getattr(d.call, "staff_roles", None) is not None:
            return d.call
        found = _staff_dependency(d)
        if found is not None:
            return found
    return None


def staff_routes(app: Any) -> dict[tuple[str, str], tuple[bool, tuple[str, ...]]]:
    """(method, path) → (is a page, declared roles) for every route using the staff sign-in."""
    out = {}
    for route in _walk(app.routes):
        dep = _staff_dependency(route.dependant)
        if dep is None:
            continue
        for method in route.methods - {"HEAD", "OPTIONS"}:
            out[(method, route.path)] = (dep.__name__.startswith("staff_page"), tuple(dep.staff_roles))
    return out


def test_every_staff_route_is_in_the_matrix(app):
    found = staff_routes(app)
    missing = sorted(set(found) - set(MATRIX))
    assert not missing, f"add these staff routes to MATRIX in tests/api/test_staff_matrix.py: {missing}"
    # the line and the route's declaration agree (a change of either is deliberate)
    differ = {k: (MATRIX[k], v[1]) for k, v in found.items() if set(MATRIX[k]) != set(v[1])}
    assert not differ, f"MATRIX and the routes' declared roles differ: {differ}"


def _sessions(api) -> dict[str, dict[str, str]]:
    """One signed-in account per staff role: its cookies."""
    out = {}
    for role in STAFF:
        api.cookies.clear()
        user, password = make_account(role, "health" if role == DEPARTMENT else None)
        r = api.post("/api/v1/staff/login", json={"username": user, "password": password})
        assert r.status_code == 200, r.text
        out[role] = {"staff_session": api.cookies["staff_session"], "staff_csrf": api.cookies["staff_csrf"]}
    api.cookies.clear()
    return out


def _call(api, method: str, path: str, cookies: dict[str, str] | None, headers: dict[str, str] | None = None):
    url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)
    api.cookies.clear()
    for k, v in (cookies or {}).items():
        api.cookies.set(k, v)
    h = dict(headers or {})
    if cookies:
        h["X-CSRF-Token"] = cookies["staff_csrf"]
    return api.request(method, url, json={} if method != "GET" else None, headers=h, follow_redirects=False)


def test_every_role_on_every_staff_route(app, api, creds):
    sessions = _sessions(api)
    found = staff_routes(app)
    problems: list[str] = []
    # signing out ends the session: that line last
    for (method, path), allowed in sorted(MATRIX.items(), key=lambda kv: kv[0][1] == "/api/v1/staff/logout"):
        if (method, path) not in found:
            continue  # not in this application (yet)
        is_page = found[(method, path)][0]
        for who, cookies, headers in (
            ("anonymous", None, None),
            ("machine X-Staff-Token", None, creds.staff("admin")),
        ):
            r = _call(api, method, path, cookies, headers)
            ok = (
                (r.status_code == 303 and r.headers["location"].startswith("/staff/login"))
                if is_page
                else (r.status_code == 401)
            )
            if not ok:
                problems.append(f"{method} {path} {who}: {r.status_code}")
        for role in STAFF:
            r = _call(api, method, path, sessions[role])
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            refused = r.status_code == 401 or (
                r.status_code == 403 and (is_page or body.get("code") == "forbidden")
            )
            if role in allowed:
                if refused or r.status_code >= 500 or (is_page and r.status_code != 200):
                    problems.append(f"{method} {path} {role} (allowed): {r.status_code} {r.text[:120]}")
            elif not (r.status_code == 403 and (is_page or body.get("code") == "forbidden")):
                problems.append(f"{method} {path} {role} (not allowed): {r.status_code} {r.text[:120]}")
    assert not problems, "\n".join(problems)
