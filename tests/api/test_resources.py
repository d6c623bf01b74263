"""The API's resources against the real services and database: roles, cases, meetings, invitations, status."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.models import Meeting, RunKind, RunStatus, StaffRole
from caseportal.services import invitations
from tests.api.conftest import Api
from tests.conftest import Factory

PROBLEM = "application/problem+json"
#: The API's reads and writes on both databases (the schemathesis run stays on SQLite, to keep it short).
pytestmark = pytest.mark.parametrize("db_backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                                     indirect=True)


def test_roles_and_cases_are_listed_and_fetched(api: Api, factory: Factory) -> None:
    role = factory.job_role("Data engineer")
    listed = api.get("/roles")
    assert listed.status_code == 200
    assert [r["title"] for r in listed.json["items"]] == ["Data engineer"]
    assert api.get(f"/roles/{role.id}").json["team"] == "Payments"
    slug = factory.case_slugs(1)[0]
    cases = api.get("/cases").json["items"]
    assert slug in [c["slug"] for c in cases]
    one = api.get(f"/cases/{slug}")
    assert one.status_code == 200 and one.json["slug"] == slug and one.json["version"]


def test_unknown_objects_are_404_problems(api: Api) -> None:
    for path in ("/roles/999", "/cases/no-such-case", "/meetings/999", "/meetings/99999999999999999999/submissions",
                 "/no/such/path"):
        resp = api.get(path)
        assert resp.status_code == 404, path
        assert resp.mimetype == PROBLEM
        assert resp.json["status"] == 404 and resp.json["title"] == "Not Found"


def test_a_meeting_is_created_with_cases_and_reviewers(api: Api, factory: Factory, session: Session,
                                                       admin: object) -> None:
    role = factory.job_role()
    reviewer = factory.user(StaffRole.REVIEWER, name="Rita Reviewer")
    slugs = factory.case_slugs(2)
    resp = api.post("/meetings", json={
        "candidate_name": "Grace Hopper", "candidate_email": "grace@example.org", "role_id": role.id,
        "case_slugs": slugs, "reviewer_ids": [reviewer.id], "timezone": "Europe/Stockholm",
        "starts_at": "2030-03-04T13:00:00Z", "case_deadline": "2030-03-02T12:00:00+01:00"})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["case_slugs"] == slugs and body["reviewers"] == [{"id": reviewer.id, "name": "Rita Reviewer"}]
    assert body["starts_at"].startswith("2030-03-04T13:00:00")
    assert body["links"]["brief"].endswith(f"/meetings/{body['id']}/brief")
    stored = session.get(Meeting, body["id"])
    assert stored is not None and stored.created_by_id == admin.id  # type: ignore[attr-defined]
    assert stored.case_slugs == slugs and [u.id for u in stored.reviewers] == [reviewer.id]
    assert api.get(f"/meetings/{body['id']}").json["id"] == body["id"]
    assert [m["id"] for m in api.get("/meetings").json["items"]] == [body["id"]]


def test_422_names_the_field(api: Api, factory: Factory) -> None:
    role = factory.job_role()
    resp = api.post("/meetings", json={"candidate_name": "Grace", "role_id": role.id, "case_slugs": []})
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    fields = {e["field"] for e in resp.json["errors"]}
    assert fields == {"candidate_email", "case_slugs"}
    assert "candidate_email" in resp.json["detail"]
    query = api.get("/meetings?limit=0")
    assert query.status_code == 422 and [e["field"] for e in query.json["errors"]] == ["limit"]


def test_a_business_rule_refusal_is_a_problem_with_the_services_message(api: Api, factory: Factory) -> None:
    role = factory.job_role()
    resp = api.post("/meetings", json={"candidate_name": "Grace", "candidate_email": "grace@example.org",
                                       "role_id": role.id, "case_slugs": ["no-such-case"]})
    assert resp.status_code == 400 and resp.mimetype == PROBLEM
    assert "no-such-case" in resp.json["detail"]


def test_invitation_link_is_returned_works_and_can_be_revoked(api: Api, factory: Factory, app: Flask,
                                                              session: Session) -> None:
    m = factory.meeting()
    resp = api.post(f"/meetings/{m.id}/invitation")
    assert resp.status_code == 201
    token = resp.json["url"].rsplit("/i/", 1)[1]
    inv = invitations.resolve(session, token, app.config["SECRET_KEY"])
    assert inv.meeting_id == m.id and resp.json["mailed"] is False
    assert api.get(f"/meetings/{m.id}").json["invitation"]["id"] == inv.id
    assert api.call("DELETE", f"/meetings/{m.id}/invitation").status_code == 204
    session.expire_all()
    assert session.get(type(inv), inv.id).revoked_at is not None  # type: ignore[union-attr]
    assert api.get(f"/meetings/{m.id}").json["invitation"] is None


def test_submission_and_run_status_with_staff_links(api: Api, factory: Factory) -> None:
    m = factory.meeting()
    sub = factory.submission(m, {"solution.py": b"print(1)\n"})
    factory.run(sub, kind=RunKind.FULL, status=RunStatus.QUEUED)
    resp = api.get(f"/meetings/{m.id}/submissions")
    assert resp.status_code == 200
    [item] = resp.json["items"]
    assert item["status"] == "submitted" and item["latest_run"]["status"] == "queued"
    assert item["links"]["talking_points"].endswith(f"/review/submissions/{sub.id}#points")
    assert api.get(f"/meetings/{m.id}").json["stages"][3]["stage"] == "submitted"
