"""The permission matrix: every route, tried as every kind of visitor, is allowed or denied as intended.

Visitors: anonymous; a candidate of another meeting (holding meeting B's link, reaching for meeting A's
things); the candidate of meeting A; a reviewer not on meeting A; a reviewer on it; a manager; an admin.
A new route fails `test_every_route_is_in_the_matrix` until its rule is written down here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.models import (
    Employer,
    LineComment,
    Run,
    RunArtifact,
    RunKind,
    RunStatus,
    StaffRole,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    TalkingPoint,
    User,
)
from caseportal.services.case_materials import kind_of
from tests.conftest import Factory, login

VISITORS = ("anonymous", "other_candidate", "candidate", "reviewer_off", "reviewer_on", "manager", "admin")
STAFF = ("reviewer_off", "reviewer_on", "manager", "admin")
PUBLIC = set(VISITORS)
ANY_STAFF = set(STAFF)
ON_MEETING = {"reviewer_on", "manager", "admin"}
MANAGERS = {"manager", "admin"}
ADMINS = {"admin"}
OWN_LINK = {"candidate", "other_candidate"}  # routes that take only a token: each candidate's own page
OWN_CASE = {"candidate"}  # routes that name meeting A's case, run or file

#: Machine-to-machine blueprints, authenticated by a key in a header rather than a cookie: CSRF does not apply.
CSRF_EXEMPT = ("partners.", "api.")

MATRIX: dict[str, set[str]] = {
    "static": PUBLIC, "index": PUBLIC, "auth.login": PUBLIC, "auth.logout": PUBLIC, "set_language": PUBLIC,
    "candidate.static": PUBLIC, "assets.codemirror": PUBLIC,
    # operator endpoints: no login; /metrics is limited by network (loopback) or token, see tests/web/test_ops.py
    "ops.healthz": PUBLIC, "ops.readyz": PUBLIC, "ops.prometheus": PUBLIC,
    "auth.staff": ADMINS, "auth.staff_edit": ADMINS,
    "candidate.home": OWN_LINK, "candidate.ics": OWN_LINK, "candidate.give_feedback": OWN_LINK,
    "candidate.brief": OWN_LINK,
    "candidate.case": OWN_CASE, "candidate.start": OWN_CASE, "candidate.save": OWN_CASE,
    "candidate.autosave": OWN_CASE, "candidate.upload": OWN_CASE, "candidate.delete_file": OWN_CASE,
    "candidate.download": OWN_CASE, "candidate.run": OWN_CASE, "candidate.run_status": OWN_CASE,
    "candidate.submit": OWN_CASE,
    "candidate.new_file": OWN_CASE, "candidate.rename_file": OWN_CASE,  # the workspace's file tree (issue 15)
    "candidate.material": OWN_CASE, "candidate.material_image": OWN_CASE, "candidate.materials_zip": OWN_CASE,
    "manage.case_material": MANAGERS, "manage.case_material_image": MANAGERS, "manage.case_materials_zip": MANAGERS,
    "manage.dashboard": ANY_STAFF, "manage.meeting": ON_MEETING, "manage.meeting_ics": ON_MEETING,
    "manage.brief": ON_MEETING, "manage.brief_pdf": ON_MEETING,
    "manage.brief_preview": MANAGERS, "manage.share_brief": MANAGERS, "manage.feedback": MANAGERS,
    "manage.analytics": MANAGERS, "manage.analytics_csv": MANAGERS, "manage.feedback_report": MANAGERS,
    "manage.case": MANAGERS,
    "manage.cases": MANAGERS, "manage.invite": MANAGERS, "manage.mark_met": MANAGERS,
    "manage.meeting_delete": MANAGERS, "manage.meeting_edit": MANAGERS, "manage.meeting_new": MANAGERS,
    "manage.revoke": MANAGERS, "manage.role_edit": MANAGERS, "manage.role_new": MANAGERS,
    "manage.roles": MANAGERS,
    "notifications.index": ANY_STAFF, "notifications.mark_read": ANY_STAFF,
    "review.pygments_css": ANY_STAFF,
    "review.meeting": ON_MEETING, "review.submission": ON_MEETING, "review.file_raw": ON_MEETING,
    "review.artifact": ON_MEETING, "review.add_point": ON_MEETING, "review.edit_point": ON_MEETING,
    "review.delete_point": ON_MEETING, "review.move_point": ON_MEETING, "review.add_comment": ON_MEETING,
    "review.mark_reviewed": ON_MEETING, "review.unmark_reviewed": ON_MEETING,
    "review.accept_suggestion": ON_MEETING, "review.drop_suggestion": ON_MEETING,
    "review.restore_suggestions": ON_MEETING,
    # only the comment's author deletes it
    "review.delete_comment": {"reviewer_on"},
    # webhooks and ATS connections: admins only; the ATS endpoints take no visitor at all (the customer's key)
    "manage.webhooks_page": ADMINS, "manage.webhook_replay": ADMINS, "manage.webhook_remove": ADMINS,
    "manage.partners_page": ADMINS, "manage.partner_revoke": ADMINS,
    "partners.greenhouse_list_tests": set(), "partners.greenhouse_send_test": set(),
    "partners.greenhouse_test_status": set(), "partners.greenhouse_response_error": set(),
    "partners.teamtailor_webhook": set(), "partners.teamtailor_config": set(),
    "partners.teamtailor_activation": set(),
    # privacy and retention (issue 12): outcome and erasures for managers; the audit log, exports and erasure on
    # request for admins; each candidate's own notice, download and withdrawal
    "manage.meeting_outcome": MANAGERS, "manage.retention_due": MANAGERS, "manage.retention_postpone": MANAGERS,
    "manage.audit_log": ADMINS, "manage.candidate_export": ADMINS, "manage.candidate_erase": ADMINS,
    "candidate.privacy_notice": OWN_LINK, "candidate.privacy_export": OWN_LINK, "candidate.privacy_withdraw": OWN_LINK,
    # JSON API (issue 13): a bearer key only, never a cookie, so no visitor here gets in; the description is public.
    # tests/api covers the keys themselves. Keys are made and revoked by admins.
    "api.openapi": PUBLIC, "api.list_roles": set(), "api.get_role": set(), "api.list_cases": set(),
    "api.get_case": set(), "api.list_meetings": set(), "api.get_meeting": set(), "api.create_meeting": set(),
    "api.create_invitation": set(), "api.revoke_invitation": set(), "api.list_submissions": set(),
    "manage.api_keys": ADMINS, "manage.revoke_api_key": ADMINS,
    # employers and brand (issue 15): managers keep employers (firm-wide ones add them, tests/web/test_employers.py);
    # a logo and the brand stylesheet are public (the candidate has no login) but named by a signed key / the colour
    "manage.employers_page": MANAGERS, "manage.employer_new": MANAGERS, "manage.employer_edit": MANAGERS,
    "brand.logo": PUBLIC, "brand.stylesheet": PUBLIC,
    # the warm-up (issue 15): every candidate's own, named by their link and the practice case (_url below)
    "candidate.practice_start": OWN_LINK, "candidate.practice_reset": OWN_LINK,
}


@dataclass
class World:
    users: dict[str, User]
    token_a: str
    token_b: str
    values: dict[str, object]


def _world(session: Session, factory: Factory) -> World:
    users = {name: factory.user(role, name=name) for name, role in (
        ("reviewer_off", StaffRole.REVIEWER), ("reviewer_on", StaffRole.REVIEWER),
        ("manager", StaffRole.MANAGER), ("admin", StaffRole.ADMIN))}
    slug_a, slug_b = factory.case_slugs(2, runtime="python")
    library = factory.app.extensions["caseportal.casebook"]
    # a case whose data/ holds an image, for the materials routes (derived from the library, not named)
    data_case = next(c for c in sorted(library, key=lambda c: c.slug)
                     if any(kind_of(n) == "image" for n in c.data_files))
    meeting_a = factory.meeting(reviewers=[users["reviewer_on"]], cases=[slug_a, data_case.slug])
    meeting_b = factory.meeting(cases=[slug_b])
    meeting_a.brief_shared = meeting_b.brief_shared = True  # so that the candidates' brief page exists
    case_a = factory.app.extensions["caseportal.casebook"].get(slug_a)
    path = next(iter(sorted(case_a.starter_files)))
    subs = {}
    for meeting, slug in ((meeting_a, slug_a), (meeting_b, slug_b)):
        sub = Submission(meeting_id=meeting.id, case_slug=slug, case_version="v",
                         status=SubmissionStatus.SUBMITTED)
        sub.files.append(SubmissionFile(path=path, content=b"x = 1\n", size=6, sha256=""))
        session.add(sub)
        session.flush()
        subs[meeting.id] = sub
    sub_a = subs[meeting_a.id]
    run = Run(submission_id=sub_a.id, kind=RunKind.FULL, status=RunStatus.DONE, outcome="passed",
              result_json='{"outcome": "passed", "checks": []}')
    session.add(run)
    session.flush()
    art = RunArtifact(run_id=run.id, name="shot.png", content=b"\x89PNG", mime="image/png")
    point = TalkingPoint(submission_id=sub_a.id, author_id=users["reviewer_on"].id, text="Ask about X")
    comment = LineComment(submission_id=sub_a.id, author_id=users["reviewer_on"].id, file_path=path, line=1,
                          body="why?")
    session.add_all([art, point, comment])
    session.commit()
    employer = _employer_with_logo(session, meeting_a.job_role.employer)
    return World(users, factory.invite(meeting_a), factory.invite(meeting_b), {
        "meeting_id": meeting_a.id, "submission_id": sub_a.id, "file_id": sub_a.files[0].id, "run_id": run.id,
        "artifact_id": art.id, "point_id": point.id, "comment_id": comment.id, "role_id": meeting_a.job_role_id,
        "user_id": users["reviewer_off"].id, "slug": slug_a, "path": path, "code": "sv",
        "filename": "app.css", "key": "nonexistent-key", "data_slug": data_case.slug,
        "data_image": next(n for n in sorted(data_case.data_files) if kind_of(n) == "image"),
        "key_id": _api_key_id(session, users["admin"]),
        "employer_id": employer.id, "sig": _logo_sig(employer), "colour": "1d4ed8",
    })


def _employer_with_logo(session: Session, employer: Employer) -> Employer:
    """Meeting A's employer with a logo, for the public logo route (issue 15)."""
    import io

    from PIL import Image

    from caseportal.services import employers

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "#1d4ed8").save(png, format="PNG")
    employers.update_employer(session, employer, logo=png.getvalue())
    session.commit()
    return employer


def _logo_sig(employer: Employer) -> str:
    """The logo's signed key, made in the test's app context (a new context would end the test's session)."""
    from caseportal.web.brand import logo_key

    return logo_key(employer)


def _api_key_id(session: Session, admin: User) -> int:
    """An API key to revoke (issue 13)."""
    from caseportal.services import api_keys

    key = api_keys.issue(session, admin, "ATS", "read").record
    session.commit()
    return key.id


def _url(app: Flask, endpoint: str, world: World, token: str) -> tuple[str, str]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    method = "GET" if "GET" in rule.methods else "POST"  # type: ignore[operator]
    values = {**world.values, "token": token}
    if endpoint == "assets.codemirror":
        values["filename"] = "lib/codemirror.js"
    if endpoint == "candidate.static":
        values["filename"] = "candidate.css"
    if endpoint.startswith("candidate.practice_"):  # a practice case, not one of meeting A's
        values["slug"] = next(iter(sorted(app.extensions["caseportal.casebook"].practice)))
    if endpoint.startswith(("candidate.material", "manage.case_material")):
        values.update(slug=world.values["data_slug"], name=world.values["data_image"])
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{k: values[k] for k in rule.arguments})
    return method, url


def _denied(resp_status: int, location: str) -> bool:
    return resp_status in (401, 403, 404, 410) or (resp_status == 302 and "/login" in location)


def _endpoints() -> list[str]:
    return sorted(MATRIX)


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "write down who may use these routes"
    assert set(MATRIX) - endpoints == set(), "the matrix names routes that no longer exist"


@pytest.mark.parametrize("endpoint", _endpoints())
def test_route_as_every_visitor(app: Flask, session: Session, factory: Factory, endpoint: str) -> None:
    world = _world(session, factory)
    # Denied visitors first: they must change nothing. Each allowed POST gets a fresh world, since an allowed
    # action (a delete, say) changes what the next visitor finds.
    order = [v for v in VISITORS if v not in MATRIX[endpoint]] + [v for v in VISITORS if v in MATRIX[endpoint]]
    for visitor in order:
        if visitor in MATRIX[endpoint] and _url(app, endpoint, world, "t")[0] == "POST":
            world = _world(session, factory)
        client: FlaskClient = app.test_client()
        if visitor in STAFF:
            login(client, world.users[visitor])
        token = {"other_candidate": world.token_b, "candidate": world.token_a}.get(visitor, "not-a-valid-token")
        if visitor == "other_candidate":
            client.get(f"/i/{world.token_b}")  # a browser that holds B's link, not logged in as staff
        method, url = _url(app, endpoint, world, token)
        resp = client.open(url, method=method, data={})
        location = resp.headers.get("Location", "")
        allowed = visitor in MATRIX[endpoint]
        where = f"{method} {url} as {visitor} -> {resp.status_code} {location}"
        if allowed:
            assert not _denied(resp.status_code, location) or endpoint == "auth.logout", where
            assert resp.status_code < 500, where
        else:
            assert _denied(resp.status_code, location), where


def test_every_post_needs_a_csrf_token(csrf_app: Flask) -> None:
    """With CSRF on, every POST route refuses a request without a token, before any other check."""
    client = csrf_app.test_client()
    posts = [r for r in csrf_app.url_map.iter_rules() if "POST" in (r.methods or ())
             and not r.endpoint.startswith(CSRF_EXEMPT)]
    assert posts
    for rule in posts:
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "1" if m.group(1).endswith("id") else "x", rule.rule)
        resp = client.post(url, data={"anything": "1"})
        assert resp.status_code == 400, f"{rule.endpoint} {url}: {resp.status_code}"


def test_every_page_carries_security_headers(client: FlaskClient) -> None:
    resp = client.get("/login")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "unsafe-eval" not in csp
