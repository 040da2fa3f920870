"""好差评 after completion, by item and by staff member."""

from __future__ import annotations

from tests.api.conftest import case_body
from tests.api.test_tasks import act, dept_task


def finished_death_cert(api, creds, staff_id="WJ-001"):
    case = api.post("/api/v1/cases", json=case_body()).json()
    t = dept_task(api, creds, case["case_no"], "death_cert_normal", "health")
    t = act(api, creds, "health", t, "accept")
    act(api, creds, "health", t, "complete", result={"certificate_no": "C1"}, staff_id=staff_id)
    return case


def rate(api, creds, case, token=None, **body):
    return api.post(
        f"/api/v1/cases/{case['case_no']}/ratings",
        json=body,
        headers=creds.applicant(token or case["access_token"]),
    )


def test_rating_a_completed_item(api, creds):
    case = finished_death_cert(api, creds)
    r = rate(api, creds, case, item="death_cert_normal", score=4, staff_score=5, comment="医生很耐心")
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["staff_id"] == "WJ-001" and out["score"] == 4 and out["staff_score"] == 5


def test_only_completed_items_and_only_once(api, creds):
    case = finished_death_cert(api, creds)
    r = rate(api, creds, case, item="hukou_cancel", score=5)
    assert r.status_code == 409 and "还没有办结" in r.json()["message"]
    assert rate(api, creds, case, item="death_cert_normal", score=1, comment="太慢").status_code == 201
    r = rate(api, creds, case, item="death_cert_normal", score=5)
    assert r.status_code == 409 and r.json()["code"] == "already_rated"
    r = rate(api, creds, case, item="equity_query", score=5)
    assert r.status_code == 404


def test_scores_are_bounded(api, creds):
    case = finished_death_cert(api, creds)
    for score in (0, 6, "五"):
        assert rate(api, creds, case, item="death_cert_normal", score=score).status_code == 422


def test_only_the_applicant_of_that_case(api, creds):
    case = finished_death_cert(api, creds)
    other = api.post("/api/v1/cases", json=case_body()).json()
    r = rate(api, creds, case, token=other["access_token"], item="death_cert_normal", score=5)
    assert r.status_code == 404
    for headers in (creds.staff("window_staff"), creds.staff("admin"), creds.dept("health")):
        r = api.post(
            f"/api/v1/cases/{case['case_no']}/ratings",
            json={"item": "death_cert_normal", "score": 5},
            headers=headers,
        )
        assert r.status_code == 403
    r = api.post(f"/api/v1/cases/{case['case_no']}/ratings", json={"item": "death_cert_normal", "score": 5})
    assert r.status_code == 401


def test_comment_is_masked(api, creds):
    case = finished_death_cert(api, creds)
    r = rate(api, creds, case, item="death_cert_normal", score=3, comment="请回电 13912345678")
    assert "13912345678" not in r.text


def test_a_retried_rating_is_recorded_once(api, creds):
    """The same rating sent again (a lost answer, a double tap) is answered with the stored one and adds
    no row; one rating per case and item."""
    from sqlalchemy import func, select

    from api.ratings.models import Rating
    from tests.api.conftest import db_session

    case = finished_death_cert(api, creds)
    body = {"item": "death_cert_normal", "score": 4, "comment": "办得快 13912345678"}
    first = rate(api, creds, case, **body)
    again = rate(api, creds, case, **body)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
    assert "13912345678" not in again.text
    assert rate(api, creds, case, **{**body, "score": 1}).status_code == 409
    with db_session() as s:
        n = s.scalar(select(func.count()).select_from(Rating).where(Rating.id == first.json()["id"]))
        per_item = s.scalar(
            select(func.count())
            .select_from(Rating)
            .where(Rating.case_id == s.scalar(select(Rating.case_id).where(Rating.id == first.json()["id"])))
        )
    assert n == 1 and per_item == 1
