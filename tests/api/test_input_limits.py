"""Bounded requests and Chinese answers (issue 7, medium and low findings):

- `start_date: 9999-12-31` on the checklist answered 500 (OverflowError) and reset the connection;
- no request size limit: a 10-million-character item key was echoed twice in a 20 MB 422;
- pydantic's English messages reached users ("String should have at most 50 characters").
"""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import case_body

CHECKLIST = {
    "situation": {"death_nature": "normal", "death_place": "home", "hukou_in_guizhou": True},
    "items": ["hukou_cancel"],
}
ENGLISH = re.compile(r"\b(should|Input|Value error|Field required|valid|at most|at least)\b")


def _chinese_4xx(r, status: int = 422) -> dict:
    assert r.status_code == status, r.text[:500]
    body = r.json()
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), body
    assert not ENGLISH.search(r.text), r.text[:500]
    assert len(r.content) < 4000, len(r.content)  # nothing echoed back in full
    return body


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "2999-01-01"])
def test_checklist_start_date_out_of_range_is_a_clean_422(client, start):
    r = client.post("/api/v1/checklist", json={**CHECKLIST, "start_date": start})
    body = _chinese_4xx(r)
    assert "start_date" in body["message"]
    # the connection and the service are fine afterwards
    ok = client.post("/api/v1/checklist", json={**CHECKLIST, "start_date": "2099-12-31"})
    assert ok.status_code == 200, ok.text


def test_a_body_over_the_limit_is_413_before_parsing(client):
    from api.limits import MAX_BODY_BYTES

    huge_key = "k" * 10_000_000
    r = client.post("/api/v1/checklist", json={**CHECKLIST, "items": [huge_key]})
    body = _chinese_4xx(r, 413)
    assert body["code"] == "body_too_large"
    # without Content-Length (chunked): counted while reading
    chunks = (b'{"items": ["' + b"x" * 65536 for _ in range(MAX_BODY_BYTES // 65536 + 2))
    r = client.post("/api/v1/checklist", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text[:300]
    # a submission just under the limit is still read
    assert client.post("/api/v1/cases", json=case_body()).status_code == 201


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/checklist", {**CHECKLIST, "items": ["i" * 200_000]}),
        ("/api/v1/checklist", {**CHECKLIST, "situation": {"k" * 200_000: 1}}),
        ("/api/v1/checklist", {**CHECKLIST, "situation": {"death_place": "p" * 200_000}}),
        ("/api/v1/cases", case_body(items=["i" * 200_000, "j" * 10])),
        ("/api/v1/cases", case_body(items=["i" * 60] * 50)),
        ("/api/v1/cases", case_body(situation={"death_place": "p" * 1000})),
        ("/api/v1/cases", case_body(deceased={"name": "名" * 50_000})),
    ],
    ids=[
        "checklist-item",
        "checklist-key",
        "checklist-value",
        "case-item",
        "case-items",
        "case-situation",
        "case-name",
    ],
)
def test_a_long_value_is_never_echoed_in_full(client, path, body):
    _chinese_4xx(client.post(path, json=body))


@pytest.mark.parametrize(
    "change",
    [
        {"deceased": {"name": "张" * 51}},
        {"deceased": {"name": ""}},
        {"applicant": {"phone": 13912345678}},
        {"deceased": {"death_date": "yesterday"}},
        {"items": "hukou_cancel"},
        {"items": ["hukou_cancel"] * 51},
        {"payee_account": ["6222"]},
        {"region": 520102},
    ],
)
def test_validation_messages_are_chinese(client, change):
    body = case_body(**change)
    _chinese_4xx(client.post("/api/v1/cases", json=body))


def test_transition_messages_are_chinese(client, creds):
    r = client.post(
        "/api/v1/tasks/1/transition",
        json={"action": "accept", "version": 0, "note": "n" * 501},
        headers=creds.dept("health"),
    )
    body = _chinese_4xx(r)
    assert "version" in body["message"] and "note" in body["message"]


@pytest.mark.parametrize(
    "name",
    ["\u200b", "张\u200b三", "\u202e明德张", "张\u0007三", "\ufeff", "123", "张\u2028三"],
    ids=["zero-width-only", "zero-width-inside", "rtl-override", "bell", "bom", "digits", "line-sep"],
)
def test_names_with_invisible_or_control_characters_are_refused(client, name):
    body = _chinese_4xx(client.post("/api/v1/cases", json=case_body(deceased={"name": name})))
    assert "deceased.name" in body["message"]


def test_names_are_normalised(client):
    from sqlalchemy import select

    from api.cases.models import Case
    from api.security.crypto import decrypt
    from tests.api.conftest import db_session

    r = client.post("/api/v1/cases", json=case_body(applicant={"name": " 阿依古丽·买买提 "}))
    assert r.status_code == 201, r.text
    with db_session() as s:
        case = s.scalar(select(Case).where(Case.case_no == r.json()["case_no"]))
        assert decrypt(case.applicant_name_enc) == "阿依古丽·买买提"
