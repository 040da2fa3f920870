"""Property-based run over /openapi.json: whatever schemathesis sends, the API never answers 5xx.

Bounded: a few examples per operation (a few hundred in all), on both databases. Calls carry a
credential that passes the role check where one exists, so the generated bodies reach the
validation and business code instead of stopping at 401/403.
"""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.conftest import Creds, build_app, case_body

MAX_EXAMPLES = 12
AUTH_HEADERS = {"X-Api-Key", "X-Staff-Token", "Authorization", "x-api-key", "x-staff-token", "authorization"}


def _headers_for(creds: Creds, case: dict, path: str, method: str) -> dict[str, str]:
    if path.startswith("/api/v1/cases/") and (path.endswith("/ratings") or path.endswith("/resubmit")):
        return creds.applicant(case["access_token"])
    if path == "/api/v1/cases" and method == "POST":
        return creds.staff("window_staff")
    if path.startswith("/api/v1/cases/"):
        return creds.staff("hotline_staff")
    if path == "/api/v1/death-records":
        return creds.dept("health")
    if path == "/api/v1/relationship-verifications":
        return creds.dept("civil_affairs")
    return creds.staff("admin")


def test_no_server_errors(backend, monkeypatch):
    from fastapi.testclient import TestClient

    # the widget's proxy POST /api/v1/chat: no assistant behind it here, so its answer is the one
    # expected 5xx, 503 assistant_unavailable (tests/api/test_chat.py covers it with a fake assistant)
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")
    app = build_app(backend)
    creds = Creds()
    with TestClient(app) as c:
        real_case = c.post("/api/v1/cases", json=case_body()).json()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            headers = {k: v for k, v in (case.headers or {}).items() if k not in AUTH_HEADERS}
            headers.update(_headers_for(creds, real_case, case.path, case.method.upper()))
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            assistant_down = case.path == "/api/v1/chat" and response.status_code == 503
            # WeChat sign-in is not configured here: 503 wechat_not_configured (test_wechat_session.py)
            wechat_off = case.path == "/api/v1/wechat/session" and response.status_code == 503
            if response.status_code >= 500 and not assistant_down and not wechat_off:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
                )

        run()
    assert not failures, "\n".join(failures[:10])
    # the run really ran: many calls, and some of them got past validation to a success
    assert sum(statuses.values()) >= 5 * len(operations), statuses
    assert sum(n for code, n in statuses.items() if code < 300) >= len(operations) // 2, statuses
    print(f"schemathesis: {sum(statuses.values())} calls, statuses {dict(sorted(statuses.items()))}")
