"""Rate limits on every route that creates data or takes a credential (issue 7, medium: no limit on
POST /cases, /lookup, /checklist and the token-checked routes other than the case read).

Each limit answers 429 with Retry-After and a Chinese message; POST /cases counts new cases only
(retries with the same Idempotency-Key are free); credentials count failures only. Every chat family
reaches the API through the one action server: with its service credential (X-Assistant-Key) and the
conversation's hash (X-Conversation-Id) each conversation has its own budget; without the credential
a conversation header is ignored and the address is counted.
"""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from api.security import config
from tests.api.conftest import Creds, build_app, case_body, use_database

ASSISTANT_KEY = "test-assistant-key-" + "k" * 24
CHECKLIST = {"situation": {"pension_scheme": "none"}, "items": None}
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture
def app(sqlite_url, monkeypatch):
    monkeypatch.setenv("ASSISTANT_API_KEY", ASSISTANT_KEY)
    return build_app(sqlite_url)  # resets every counter


@pytest.fixture
def client_at(app):
    clients: list[TestClient] = []

    def make(ip: str) -> TestClient:
        c = TestClient(app, client=(ip, 1))
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def conversation() -> str:
    return uuid.uuid4().hex  # what the action client sends: a hash, 32 hex characters


def assistant(conv: str, key: str = ASSISTANT_KEY) -> dict[str, str]:
    return {"X-Assistant-Key": key, "X-Conversation-Id": conv}


def assert_limited(r, *words: str) -> int:
    assert r.status_code == 429, r.text
    body = r.json()
    retry = int(r.headers["Retry-After"])
    assert retry >= 1 and body["code"] == "rate_limited"
    assert not LATIN.search(body["message"]), body["message"]
    for w in (*words, "后再试", "12345"):
        assert w in body["message"], body["message"]
    return retry


def test_the_defaults_are_the_documented_ones(monkeypatch):
    for name in config.RATE_LIMIT_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    assert {n: str(config.rate_limit_item(n)) for n in config.RATE_LIMIT_DEFAULTS} == {
        "RATE_LIMIT_CASE_CREATE": "10 per 1 hour",
        "RATE_LIMIT_LOOKUP": "60 per 1 minute",
        "RATE_LIMIT_CHECKLIST": "120 per 1 minute",
        "RATE_LIMIT_CASE_LOOKUP_FAILURES": "30 per 1 minute",
        "RATE_LIMIT_CREDENTIAL_FAILURES": "30 per 1 minute",
        "RATE_LIMIT_CHAT": "60 per 1 minute",
    }
    monkeypatch.setenv("RATE_LIMIT_LOOKUP", "5 per 30 seconds")
    assert str(config.rate_limit_item("RATE_LIMIT_LOOKUP")) == "5 per 30 second"


# ------------------------------------------------------------------ POST /cases


def test_case_creation_is_limited_per_address_counting_new_cases_only(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CASE_CREATE", "3/hour")
    c = client_at("10.30.0.1")
    refused = case_body()
    refused["deceased"]["id_number"] = "520102194001011230"  # wrong check digit: 422, not counted
    assert c.post("/api/v1/cases", json=refused).status_code == 422
    assert [c.post("/api/v1/cases", json=case_body()).status_code for _ in range(3)] == [201] * 3
    retry = assert_limited(c.post("/api/v1/cases", json=case_body()), "提交申请太频繁")
    assert 60 < retry <= 3600 and "分钟后再试" in c.post("/api/v1/cases", json=case_body()).json()["message"]
    assert client_at("10.30.0.2").post("/api/v1/cases", json=case_body()).status_code == 201
    # window staff file many families' cases from one address: not limited
    staff = Creds().staff("window_staff")
    assert c.post("/api/v1/cases", json=case_body(), headers=staff).status_code == 201


def test_retries_of_one_submission_do_not_use_the_creation_budget(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CASE_CREATE", "2/hour")
    c = client_at("10.31.0.1")
    body, key = case_body(), {"Idempotency-Key": "retry-" + uuid.uuid4().hex}
    first = c.post("/api/v1/cases", json=body, headers=key)
    assert first.status_code == 201
    for _ in range(5):  # the action server retrying after a timeout
        r = c.post("/api/v1/cases", json=body, headers=key)
        assert r.status_code == 201 and r.headers["Idempotent-Replayed"] == "true"
    assert c.post("/api/v1/cases", json=case_body()).status_code == 201  # the budget's second case
    assert_limited(c.post("/api/v1/cases", json=case_body()), "提交申请")
    # with the budget used up, the family still gets its case number back
    again = c.post("/api/v1/cases", json=body, headers=key)
    assert again.status_code == 201 and again.json()["case_no"] == first.json()["case_no"]


def test_conversations_through_the_action_server_have_their_own_creation_budgets(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CASE_CREATE", "2/hour")
    action_server = client_at("10.32.0.1")
    one, two = conversation(), conversation()

    def post(headers):
        return action_server.post("/api/v1/cases", json=case_body(), headers=headers)

    assert [post(assistant(one)).status_code for _ in range(2)] == [201, 201]
    assert_limited(post(assistant(one)), "提交申请")
    assert post(assistant(two)).status_code == 201
    # the address itself (no assistant credential) has a budget of its own, untouched
    assert post({}).status_code == 201


# ------------------------------------------------------------------ /lookup and /checklist


def test_lookup_is_limited_per_address_but_not_for_staff(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_LOOKUP", "5/minute")
    c = client_at("10.33.0.1")
    assert [c.get("/api/v1/lookup", params={"q": "销户口"}).status_code for _ in range(5)] == [200] * 5
    retry = assert_limited(c.get("/api/v1/lookup", params={"q": "销户口"}), "查询太频繁", "秒后再试")
    assert retry <= 60
    hotline = Creds().staff("hotline_staff")
    assert c.get("/api/v1/lookup", params={"q": "zxhk"}, headers=hotline).status_code == 200
    assert client_at("10.33.0.2").get("/api/v1/lookup", params={"q": "zxhk"}).status_code == 200


def test_checklist_is_limited_per_address(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CHECKLIST", "4/minute")
    c = client_at("10.34.0.1")
    assert [c.post("/api/v1/checklist", json=CHECKLIST).status_code for _ in range(4)] == [200] * 4
    assert_limited(c.post("/api/v1/checklist", json=CHECKLIST), "秒后再试")
    assert client_at("10.34.0.2").post("/api/v1/checklist", json=CHECKLIST).status_code == 200


def test_two_conversations_through_the_action_server_do_not_share_a_budget(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CHECKLIST", "3/minute")
    action_server = client_at("10.35.0.1")
    one, two = conversation(), conversation()
    codes = [action_server.post("/api/v1/checklist", json=CHECKLIST, headers=assistant(one)) for _ in "abcd"]
    assert [r.status_code for r in codes[:3]] == [200] * 3
    assert_limited(codes[3])
    assert action_server.post("/api/v1/checklist", json=CHECKLIST, headers=assistant(two)).status_code == 200
    assert action_server.post("/api/v1/checklist", json=CHECKLIST).status_code == 200  # the address's own


def test_a_conversation_header_without_the_credential_falls_back_to_the_address(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CHECKLIST", "3/minute")
    c = client_at("10.36.0.1")
    forged = [
        c.post("/api/v1/checklist", json=CHECKLIST, headers={"X-Conversation-Id": conversation()})
        for _ in range(4)
    ]
    assert [r.status_code for r in forged[:3]] == [200] * 3
    assert_limited(forged[3])
    # a conversation id that is no hash (a phone number, say) is not used either
    d = client_at("10.36.0.2")
    bad = [
        d.post("/api/v1/checklist", json=CHECKLIST, headers=assistant("13912345678" * 3)) for _ in range(4)
    ]
    assert [r.status_code for r in bad[:3]] == [200] * 3
    assert_limited(bad[3])


def test_a_wrong_assistant_credential_is_refused_and_guessing_it_is_limited(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CREDENTIAL_FAILURES", "3/minute")
    c = client_at("10.37.0.1")
    codes = [
        c.post("/api/v1/checklist", json=CHECKLIST, headers=assistant(conversation(), f"guess-{i}"))
        for i in range(4)
    ]
    assert [r.status_code for r in codes[:3]] == [401] * 3
    refused = codes[0].json()
    assert refused["code"] == "invalid_assistant_key" and "助手服务凭证无效" in refused["message"]
    assert_limited(codes[3])
    # the real action server on that address is not locked out by the guesses
    assert c.post("/api/v1/checklist", json=CHECKLIST, headers=assistant(conversation())).status_code == 200


def test_the_development_default_is_not_accepted_once_a_key_is_set(client_at):
    c = client_at("10.38.0.1")
    dev_default = assistant(conversation(), config.DEV_ASSISTANT_API_KEY)
    assert c.post("/api/v1/checklist", json=CHECKLIST, headers=dev_default).status_code == 401


# ------------------------------------------------------------------ credentials: failures count


@pytest.mark.parametrize("kind", ["api_key", "staff_token"])
def test_guessing_department_keys_and_staff_tokens_is_limited(client_at, monkeypatch, kind):
    monkeypatch.setenv("RATE_LIMIT_CREDENTIAL_FAILURES", "3/minute")
    creds = Creds()
    header = "X-Api-Key" if kind == "api_key" else "X-Staff-Token"
    right = creds.dept("hrss") if kind == "api_key" else creds.staff("admin")
    url = "/api/v1/departments/hrss/tasks"
    good = client_at("10.39.0.9")
    for _ in range(5):  # successes are free
        assert good.get(url, headers=right).status_code == 200
    c = client_at("10.39.0.1" if kind == "api_key" else "10.39.0.2")
    codes = [c.get(url, headers={header: f"guess-{i:04d}"}) for i in range(4)]
    assert [r.status_code for r in codes[:3]] == [401] * 3
    assert_limited(codes[3])
    # past the budget nothing is checked from that address, not even the right secret (operators
    # choose these; a guesser learns nothing more) — another address is not affected
    assert_limited(c.get(url, headers=right))
    assert good.get(url, headers=right).status_code == 200


def test_guessing_an_applicant_token_on_post_cases_is_limited(client_at, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CREDENTIAL_FAILURES", "3/minute")
    c = client_at("10.40.0.1")
    bearer = {"Authorization": "Bearer " + "g" * 32}
    codes = [c.post("/api/v1/cases", json=case_body(), headers=bearer).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_failed_case_lookups_count_per_conversation(client_at, monkeypatch):
    """The case read, ratings and resubmission count failures per client and per case number; the
    action server's conversations each have their own client budget."""
    monkeypatch.setenv("RATE_LIMIT_CASE_LOOKUP_FAILURES", "3/minute")
    action_server = client_at("10.41.0.1")
    one, two = conversation(), conversation()

    def guess(conv: str, n: int) -> int:
        headers = {**assistant(conv), "Authorization": f"Bearer guess-{n:04d}" + "q" * 20}
        return action_server.get(f"/api/v1/cases/SH20261129-{n:05d}-1", headers=headers).status_code

    assert [guess(one, n) for n in range(4)] == [401, 401, 401, 429]
    assert guess(two, 10) == 401  # another conversation, another case number: its own budget


# ------------------------------------------------------------------ start-up


def _start(sqlite_url, monkeypatch, **env: str) -> None:
    from api import settings

    monkeypatch.setenv("APP_ENV", "production")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    settings.get_settings.cache_clear()
    try:
        with TestClient(build_app(sqlite_url)) as c:
            assert c.get("/healthz").status_code == 200
    finally:
        monkeypatch.undo()
        settings.get_settings.cache_clear()
        use_database(sqlite_url)


@pytest.mark.parametrize("value", ["", "too-short"])
def test_production_refuses_to_start_without_the_assistant_key(sqlite_url, monkeypatch, value):
    with pytest.raises(config.ConfigError, match="ASSISTANT_API_KEY"):
        _start(sqlite_url, monkeypatch, ASSISTANT_API_KEY=value)


def test_production_starts_with_the_assistant_key_and_has_no_development_default(sqlite_url, monkeypatch):
    _start(sqlite_url, monkeypatch, ASSISTANT_API_KEY="p" * 40)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("ASSISTANT_API_KEY", raising=False)
    assert config.assistant_api_key() is None


def test_a_malformed_limit_refuses_to_start(sqlite_url, monkeypatch):
    with pytest.raises(config.ConfigError, match="RATE_LIMIT_CHECKLIST"):
        _start(sqlite_url, monkeypatch, APP_ENV="development", RATE_LIMIT_CHECKLIST="lots")
