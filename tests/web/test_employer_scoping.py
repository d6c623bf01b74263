"""Who sees which employer (issue 15): a client's hiring manager or reviewer, tied to employer A, never reaches
employer B's objects (a 404 or 403 on every staff route that names one) and never reads B's names in a list.

The sweep walks every staff route of the app (manage, review, notifications, staff admin), so a new route is
covered without being listed here; public routes (answering an anonymous visitor) are left to test_permissions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from caseportal.models import (
    Employer,
    EmployerStaff,
    LineComment,
    Meeting,
    Notification,
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
from caseportal.services import users, visibility
from tests.conftest import Factory, login

STAFF_BLUEPRINTS = ("manage.", "review.", "notifications.", "auth.staff")
#: Route arguments that name an object of one employer.
OBJECT_ARGS = {"meeting_id", "submission_id", "file_id", "run_id", "artifact_id", "point_id", "comment_id",
               "role_id", "employer_id"}
#: What must never appear on a page shown to employer A's people.
B_SECRETS = ("Bravo Secret Corp", "Beatrice Bravo-Hidden", "Bravo hidden role", "bravo-staff-only")


@dataclass
class World:
    a: Employer
    b: Employer
    meeting_a: Meeting
    meeting_b: Meeting
    client_manager: User  # a manager tied to A
    client_reviewer: User  # a reviewer tied to A, put (wrongly) on B's meeting: still no access
    consultant: User  # a firm-wide manager
    admin: User
    values: dict[str, object]  # route arguments naming B's objects


def tie(session: Session, user: User, *employers: Employer) -> User:
    users.set_access(session, user, firm_wide=False, employer_ids=[e.id for e in employers])
    session.commit()
    return user


def _work(session: Session, meeting: Meeting, slug: str, path: str, author: User) -> dict[str, int]:
    """Handed-in work on the meeting with a file, a full run with an artifact, a talking point and a comment."""
    sub = Submission(meeting_id=meeting.id, case_slug=slug, case_version="v", status=SubmissionStatus.SUBMITTED)
    sub.files.append(SubmissionFile(path=path, content=b"x = 1\n", size=6, sha256=""))
    session.add(sub)
    session.flush()
    run = Run(submission_id=sub.id, kind=RunKind.FULL, status=RunStatus.DONE, outcome="passed",
              result_json='{"outcome": "passed", "checks": []}')
    session.add(run)
    session.flush()
    art = RunArtifact(run_id=run.id, name="shot.png", content=b"\x89PNG", mime="image/png")
    point = TalkingPoint(submission_id=sub.id, author_id=author.id, text="Ask about bravo-staff-only")
    comment = LineComment(submission_id=sub.id, author_id=author.id, file_path=path, line=1, body="why?")
    session.add_all([art, point, comment])
    session.commit()
    return {"submission_id": sub.id, "file_id": sub.files[0].id, "run_id": run.id, "artifact_id": art.id,
            "point_id": point.id, "comment_id": comment.id}


def build(session: Session, factory: Factory) -> World:
    a, b = factory.employer("Alfa Visible AB"), factory.employer("Bravo Secret Corp")
    client_manager = tie(session, factory.user(StaffRole.MANAGER, name="Cleo Client"), a)
    client_reviewer = tie(session, factory.user(StaffRole.REVIEWER, name="Rune Client"), a)
    consultant = factory.user(StaffRole.MANAGER, name="Conny Consultant")
    admin = factory.user(StaffRole.ADMIN, name="Ada Admin")
    b_staff = tie(session, factory.user(StaffRole.REVIEWER, name="bravo-staff-only"), b)
    (slug,) = factory.case_slugs(1, runtime="python")
    path = sorted(factory.app.extensions["caseportal.casebook"].get(slug).starter_files)[0]
    meeting_a = factory.meeting(reviewers=[client_reviewer], cases=[slug], candidate="Anna Alfa-Shown",
                                job_role=factory.job_role("Alfa role", employer=a))
    meeting_b = factory.meeting(reviewers=[client_reviewer, b_staff], cases=[slug],
                                candidate="Beatrice Bravo-Hidden",
                                job_role=factory.job_role("Bravo hidden role", employer=b))
    meeting_a.brief_shared = meeting_b.brief_shared = True
    session.commit()
    factory.invite(meeting_a)
    factory.invite(meeting_b)
    _work(session, meeting_a, slug, path, client_reviewer)
    values: dict[str, object] = {"meeting_id": meeting_b.id, "role_id": meeting_b.job_role_id, "employer_id": b.id,
                                 "key": "nonexistent-key", **_work(session, meeting_b, slug, path, client_reviewer)}
    return World(a, b, meeting_a, meeting_b, client_manager, client_reviewer, consultant, admin, values)


def _staff_rules(app: Flask, with_objects: bool) -> list[tuple[str, str]]:
    """(endpoint, method) of the staff routes that do (or do not) name an employer's object."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(STAFF_BLUEPRINTS):
            continue
        if bool(rule.arguments & OBJECT_ARGS) != with_objects or rule.arguments - OBJECT_ARGS - {"key"}:
            continue
        found.append((rule.endpoint, "GET" if "GET" in (rule.methods or ()) else "POST"))
    return sorted(found)


def _url(app: Flask, endpoint: str, values: dict[str, object]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{k: str(values[k]) for k in rule.arguments})


def _as(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client


def _denied(status: int, location: str) -> bool:
    return status in (401, 403, 404) or (status == 302 and "/login" in location)


def test_a_tied_user_gets_no_route_to_another_employers_objects(app: Flask, session: Session,
                                                                factory: Factory) -> None:
    world = build(session, factory)
    routes = _staff_rules(app, with_objects=True)
    assert {"manage.meeting", "review.submission", "manage.role_edit"} <= {e for e, _m in routes}
    admin = _as(app, world.admin)
    clients = {"client_manager": _as(app, world.client_manager), "client_reviewer": _as(app, world.client_reviewer)}
    checked = 0
    for endpoint, method in routes:
        url = _url(app, endpoint, world.values)
        anonymous = app.test_client().open(url, method=method)
        if not _denied(anonymous.status_code, anonymous.headers.get("Location", "")):
            continue  # public (e.g. a logo): test_permissions covers it
        for who, client in clients.items():
            resp = client.open(url, method=method, data={})
            assert _denied(resp.status_code, resp.headers.get("Location", "")), f"{method} {url} as {who}"
            assert not any(s in resp.get_data(as_text=True) for s in B_SECRETS[1:]), f"{url} as {who} leaks"
        if method == "GET" and endpoint not in ("review.delete_comment",):
            resp = admin.get(url)  # the control: the URL is right, and someone who may see it gets it
            assert not _denied(resp.status_code, resp.headers.get("Location", "")), f"GET {url} as admin"
        checked += 1
    assert checked >= 30
    # nothing changed on B's side: the denied POSTs did no harm
    session.expire_all()
    meeting_b = session.get(Meeting, world.meeting_b.id)
    assert meeting_b is not None and meeting_b.met_at is None and meeting_b.current_invitation is not None


def test_lists_name_only_the_users_employers(app: Flask, session: Session, factory: Factory) -> None:
    world = build(session, factory)
    routes = [e for e, m in _staff_rules(app, with_objects=False) if m == "GET"]
    assert {"manage.dashboard", "manage.analytics", "manage.feedback_report", "manage.retention_due",
            "manage.roles", "manage.meeting_new", "notifications.index"} <= set(routes)
    seen_a = False
    for who in (world.client_manager, world.client_reviewer):
        client = _as(app, who)
        for endpoint in routes:
            resp = client.get(_url(app, endpoint, {}))
            body = resp.get_data(as_text=True)
            leaked = [s for s in B_SECRETS if s in body]
            assert not leaked, f"{endpoint} as {who.name} shows {leaked}"
            seen_a = seen_a or "Anna Alfa-Shown" in body
        for query in ("?employer=" + str(world.b.id), "?role=" + str(world.meeting_b.job_role_id)):
            resp = client.get("/analytics.csv" + query)
            assert resp.status_code in (400, 403), query  # another employer's filter is refused, not obeyed
    assert seen_a, "the tied users' own meeting appears somewhere (the control)"
    consultant = _as(app, world.consultant).get("/meetings").get_data(as_text=True)
    assert "Beatrice Bravo-Hidden" in consultant and "Anna Alfa-Shown" in consultant


def test_the_analytics_csv_holds_only_the_users_employers(app: Flask, session: Session, factory: Factory) -> None:
    world = build(session, factory)
    rows = _as(app, world.client_manager).get("/analytics.csv").get_data(as_text=True).splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == [str(world.meeting_a.id)]
    everything = _as(app, world.consultant).get("/analytics.csv").get_data(as_text=True).splitlines()[1:]
    assert sorted(r.split(",")[0] for r in everything) == sorted([str(world.meeting_a.id), str(world.meeting_b.id)])
    only_b = _as(app, world.consultant).get(f"/analytics.csv?employer={world.b.id}").get_data(as_text=True)
    assert [r.split(",")[0] for r in only_b.splitlines()[1:]] == [str(world.meeting_b.id)]


def test_a_tied_reviewer_is_not_notified_of_another_employers_candidate(app: Flask, session: Session,
                                                                        factory: Factory) -> None:
    from caseportal.services import notify

    world = build(session, factory)
    firm_reviewer = factory.user(StaffRole.REVIEWER, name="Firm Reviewer")
    meeting_b = session.get(Meeting, world.meeting_b.id)
    assert meeting_b is not None
    meeting_b.reviewers = [*meeting_b.reviewers, firm_reviewer]
    session.commit()
    sub = session.get(Submission, world.values["submission_id"])
    assert sub is not None
    notes = notify.notify_submission(session, app.extensions["caseportal.settings"], sub, "http://localhost")
    session.commit()
    told = {n.user_id for n in notes}
    assert firm_reviewer.id in told and world.client_reviewer.id not in told
    b_staff = session.scalar(select(User).where(User.name == "bravo-staff-only"))
    assert b_staff is not None and b_staff.id in told  # tied to B: B's own reviewer is told
    page = _as(app, world.client_reviewer).get("/notifications").get_data(as_text=True)
    assert "Beatrice Bravo-Hidden" not in page


def test_a_withdrawal_is_told_only_to_managers_who_see_the_employer(app: Flask, session: Session,
                                                                    factory: Factory) -> None:
    from caseportal.services import privacy

    world = build(session, factory)
    meeting_b = session.get(Meeting, world.meeting_b.id)
    assert meeting_b is not None
    privacy.withdraw(session, app.extensions["caseportal.settings"], meeting_b)
    session.commit()
    told = set(session.scalars(select(Notification.user_id)))
    assert world.consultant.id in told and world.client_manager.id not in told


def test_the_meeting_form_offers_only_the_users_roles_and_people(app: Flask, session: Session,
                                                                 factory: Factory) -> None:
    world = build(session, factory)
    client = _as(app, world.client_manager)
    page = client.get("/meetings/new").get_data(as_text=True)
    assert "Alfa role" in page and "Rune Client" in page
    assert not [s for s in B_SECRETS if s in page]
    slug = world.meeting_b.case_slugs[0]
    before = session.scalar(select(Meeting.id).order_by(Meeting.id.desc()))
    resp = client.post("/meetings/new", data={
        "candidate_name": "Sneaky", "candidate_email": "s@example.org", "job_role_id": world.meeting_b.job_role_id,
        "timezone": "UTC", "duration_minutes": 60, "cases": [slug]})
    assert resp.status_code == 200  # the form again, with its error: B's role is not a choice
    assert session.scalar(select(Meeting.id).order_by(Meeting.id.desc())) == before


def test_a_reviewer_who_cannot_see_the_employer_is_refused(app: Flask, session: Session, factory: Factory) -> None:
    world = build(session, factory)
    client = _as(app, world.consultant)
    slug = world.meeting_a.case_slugs[0]
    resp = client.post("/meetings/new", data={
        "candidate_name": "Nils New", "candidate_email": "n@example.org", "job_role_id": world.meeting_b.job_role_id,
        "timezone": "UTC", "duration_minutes": 60, "cases": [slug], "reviewers": [world.client_reviewer.id]})
    assert resp.status_code == 200 and "Rune Client cannot see Bravo Secret Corp" in resp.get_data(as_text=True)
    assert session.scalar(select(Meeting).where(Meeting.candidate_name == "Nils New")) is None
    resp = client.post("/meetings/new", data={
        "candidate_name": "Nils New", "candidate_email": "n@example.org", "job_role_id": world.meeting_a.job_role_id,
        "timezone": "UTC", "duration_minutes": 60, "cases": [slug], "reviewers": [world.client_reviewer.id]})
    assert resp.status_code == 302


def test_the_rule_in_one_place(session: Session, factory: Factory) -> None:
    """The per-object check and the list query say the same, for every kind of staff member."""
    world = build(session, factory)
    untied = factory.user(StaffRole.MANAGER, name="Nobody's")
    users.set_access(session, untied, firm_wide=False, employer_ids=[world.a.id])
    session.execute(delete(EmployerStaff).where(EmployerStaff.user_id == untied.id))
    session.commit()
    tied_admin = world.admin
    tied_admin.firm_wide = False  # admins see everything whatever the flag says
    session.commit()
    meetings = [world.meeting_a, world.meeting_b]
    for user in (world.client_manager, world.client_reviewer, world.consultant, tied_admin, untied):
        listed = {m.id for m in visibility.meetings_for(session, user)}
        assert listed == {m.id for m in meetings if visibility.can_see(user, m)}, user.name
    assert {m.id for m in visibility.meetings_for(session, world.client_reviewer)} == {world.meeting_a.id}
    assert visibility.meetings_for(session, untied) == []
    assert visibility.employer_ids_for(untied) == frozenset()
    assert visibility.employer_ids_for(world.consultant) is None
    assert [e.name for e in visibility.employers_for(session, world.client_manager)] == ["Alfa Visible AB"]
    assert len(visibility.roles_for(session, world.client_manager)) == 1


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_an_admin_ties_staff_to_employers(app: Flask, session: Session, factory: Factory, lang: str) -> None:
    world = build(session, factory)
    client = _as(app, world.admin)
    page = client.get("/admin/staff", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert "Alfa Visible AB" in page and "Bravo Secret Corp" in page
    target = factory.user(StaffRole.MANAGER, name="Tove Tied")
    resp = client.post(f"/admin/staff/{target.id}", data={"role": "manager", "active": "y", "access": "tied",
                                                          "employers": [world.b.id]})
    assert resp.status_code == 302
    session.expire_all()
    assert visibility.employer_ids_for(target, session) == frozenset({world.b.id})
    # tied without any employer would see nothing: refused, nothing changed
    resp = client.post(f"/admin/staff/{target.id}", data={"role": "manager", "active": "y", "access": "tied"},
                       headers={"Accept-Language": lang})
    assert resp.status_code == 200
    assert ("at least one employer" if lang == "en" else "minst en arbetsgivare") in resp.get_data(as_text=True)
    session.expire_all()
    assert visibility.employer_ids_for(target, session) == frozenset({world.b.id})
    client.post(f"/admin/staff/{target.id}", data={"role": "manager", "active": "y", "access": "firm"})
    session.expire_all()
    assert visibility.employer_ids_for(target, session) is None
    assert not list(session.scalars(select(EmployerStaff).where(EmployerStaff.user_id == target.id)))
    resp = client.post("/admin/staff", data={"name": "Nea New", "email": "nea@example.org", "role": "reviewer",
                                             "password": "a long password", "access": "tied",
                                             "employers": [world.a.id]})
    assert resp.status_code == 302
    nea = session.scalar(select(User).where(User.email == "nea@example.org"))
    assert nea is not None and visibility.employer_ids_for(nea, session) == frozenset({world.a.id})
    listing = client.get("/admin/staff").get_data(as_text=True)
    assert "every employer" in listing or lang == "sv"


def test_the_cli_ties_a_new_account(app: Flask, session: Session, factory: Factory) -> None:
    from click.testing import CliRunner

    from caseportal.cli import main

    world = build(session, factory)
    settings = app.extensions["caseportal.settings"]
    env = {"CASEPORTAL_DATABASE_URL": settings.database_url, "CASEPORTAL_NEW_PASSWORD": "a long password",
           "CASEPORTAL_INSTANCE": str(settings.instance_path)}
    runner = CliRunner()
    out = runner.invoke(main, ["users", "create", "--email", "hm@example.org", "--role", "manager",
                               "--employer", "alfa visible ab"], env=env)
    assert out.exit_code == 0, out.output
    assert "sees: Alfa Visible AB" in out.output
    session.expire_all()
    hm = session.scalar(select(User).where(User.email == "hm@example.org"))
    assert hm is not None and visibility.employer_ids_for(hm, session) == frozenset({world.a.id})
    out = runner.invoke(main, ["users", "create", "--email", "x@example.org", "--employer", "No Such AB"], env=env)
    assert out.exit_code != 0 and "No Such AB" in out.output
    assert session.scalar(select(User).where(User.email == "x@example.org")) is None
