"""Meeting services: time zones across DST, validation, the pipeline, invitations and demo data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import Library, scaffold
from caseportal.config import Settings
from caseportal.models import Invitation, Meeting, StaffRole, Submission, SubmissionStatus, User
from caseportal.services import demo, invitation_mail, invitations, meetings, pipeline, timezones, users, visibility
from caseportal.services.errors import Invalid, LinkInvalid, NotFound
from tests.conftest import Factory


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """A small library of our own: independent of which real cases exist right now."""
    lib = tmp_path / "cases"
    for slug, kind in (("rate-limiter", "coding"), ("churn-model", "data"), ("signup-form", "ux")):
        scaffold(lib, slug, kind)
    return Settings.for_tests(tmp_path, cases_dir=lib, base_url="https://jobs.example.org/")


@pytest.fixture()
def library(app: Flask) -> Library:
    return app.extensions["caseportal.casebook"]


def stockholm(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return timezones.to_utc(datetime(y, mo, d, h, mi), "Europe/Stockholm")


# --------------------------------------------------------------------------- time zones


def test_local_times_become_utc_across_dst() -> None:
    # winter time (CET, +1) the day before clocks go forward, summer time (CEST, +2) the day after
    assert stockholm(2025, 3, 29, 10) == datetime(2025, 3, 29, 9, tzinfo=UTC)
    assert stockholm(2025, 3, 31, 10) == datetime(2025, 3, 31, 8, tzinfo=UTC)
    # the same wall-clock time maps to different UTC hours on either side of the October change
    assert stockholm(2025, 10, 25, 10) == datetime(2025, 10, 25, 8, tzinfo=UTC)
    assert stockholm(2025, 10, 27, 10) == datetime(2025, 10, 27, 9, tzinfo=UTC)
    # other zones: New York changes on other dates than Europe
    ny = timezones.to_utc(datetime(2025, 3, 10, 9), "America/New_York")
    assert ny == datetime(2025, 3, 10, 13, tzinfo=UTC)
    assert timezones.to_utc(datetime(2025, 6, 1, 9), "UTC") == datetime(2025, 6, 1, 9, tzinfo=UTC)


def test_skipped_hour_is_refused_and_repeated_hour_takes_summer_time() -> None:
    with pytest.raises(Invalid, match="does not exist"):
        stockholm(2025, 3, 30, 2, 30)
    assert stockholm(2025, 10, 26, 2, 30) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    with pytest.raises(Invalid, match="Unknown time zone"):
        timezones.to_utc(datetime(2025, 1, 1, 9), "Mars/Olympus_Mons")


def test_round_trip_to_local() -> None:
    utc = datetime(2025, 7, 1, 7, 30, tzinfo=UTC)
    assert timezones.to_local(utc, "Europe/Stockholm") == datetime(2025, 7, 1, 9, 30)
    assert timezones.to_local(None, "Europe/Stockholm") is None
    assert "Europe/Stockholm" in timezones.timezone_names()


# --------------------------------------------------------------------------- create and update


def _input(factory: Factory, **kw: object) -> meetings.MeetingInput:
    values: dict[str, object] = dict(
        candidate_name="Ada Candidate", candidate_email="ada@example.org", job_role_id=factory.job_role().id,
        timezone="Europe/Stockholm", starts_local=datetime(2030, 3, 31, 10, 0), duration_minutes=60,
        video_link="https://meet.example.org/abc", case_slugs=("rate-limiter",),
        deadline_local=datetime(2030, 3, 29, 17, 0),
    )
    values.update(kw)
    return meetings.MeetingInput(**values)  # type: ignore[arg-type]


def test_create_meeting_stores_utc_cases_and_reviewers(session: Session, factory: Factory,
                                                       library: Library) -> None:
    r1, r2 = factory.user(StaffRole.REVIEWER), factory.user(StaffRole.MANAGER)
    m = meetings.create_meeting(session, library, _input(factory, reviewer_ids=(r2.id, r1.id),
                                case_slugs=("churn-model", "rate-limiter", "churn-model")), created_by=r2)
    session.commit()
    assert m.starts_at == datetime(2030, 3, 31, 8, 0, tzinfo=UTC)
    assert m.case_deadline == datetime(2030, 3, 29, 16, 0, tzinfo=UTC)  # still winter time on the 29th
    assert m.case_slugs == ["churn-model", "rate-limiter"]
    assert {u.id for u in m.reviewers} == {r1.id, r2.id}
    assert m.created_by_id == r2.id and m.timezone == "Europe/Stockholm"


@pytest.mark.parametrize(("change", "message"), [
    ({"case_slugs": ()}, "at least one case"),
    ({"case_slugs": ("rate-limiter", "no-such-case")}, "Unknown case: no-such-case"),
    ({"video_link": "javascript:alert(1)"}, "http"),
    ({"video_link": "ftp://files.example.org"}, "http"),
    ({"deadline_local": datetime(2030, 4, 1, 9)}, "before the meeting"),
    ({"timezone": "Nowhere/Land"}, "time zone"),
    ({"duration_minutes": 0}, "duration"),
    ({"candidate_name": "  "}, "name"),
    ({"candidate_email": "not-an-email"}, "email"),
    ({"job_role_id": 999}, "role"),
])
def test_create_meeting_refuses_bad_input(session: Session, factory: Factory, library: Library,
                                          change: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        meetings.create_meeting(session, library, _input(factory, **change))


def test_only_active_reviewers_and_managers_can_take_part(session: Session, factory: Factory,
                                                          library: Library) -> None:
    admin = factory.user(StaffRole.ADMIN)
    gone = factory.user(StaffRole.REVIEWER)
    users.update_user(session, gone, role=StaffRole.REVIEWER, active=False, password=None)
    session.commit()
    for uid in (admin.id, gone.id, 12345):
        with pytest.raises(Invalid, match="Reviewers"):
            meetings.create_meeting(session, library, _input(factory, reviewer_ids=(uid,)))
    assert gone not in meetings.eligible_reviewers(session)


def test_update_keeps_started_cases(session: Session, factory: Factory, library: Library) -> None:
    m = meetings.create_meeting(session, library, _input(factory, case_slugs=("rate-limiter", "churn-model")))
    factory.submission(m, case="rate-limiter", submitted=False)
    with pytest.raises(Invalid, match="already started rate-limiter"):
        meetings.update_meeting(session, library, m, _input(factory, case_slugs=("churn-model",)))
    session.rollback()
    meetings.update_meeting(session, library, m, _input(factory, case_slugs=("signup-form", "rate-limiter"),
                                                         timezone="America/New_York"))
    session.commit()
    assert m.case_slugs == ["signup-form", "rate-limiter"]
    assert m.starts_at == datetime(2030, 3, 31, 14, 0, tzinfo=UTC)  # 10:00 in New York (EDT, -4)


def test_a_case_that_left_the_library_may_stay(session: Session, factory: Factory, library: Library) -> None:
    m = factory.meeting(cases=["retired-case"])
    meetings.update_meeting(session, library, m, _input(factory, case_slugs=("retired-case", "rate-limiter")))
    assert m.case_slugs == ["retired-case", "rate-limiter"]
    with pytest.raises(Invalid, match="Unknown case: other-gone"):
        meetings.update_meeting(session, library, m, _input(factory, case_slugs=("retired-case", "other-gone")))


# --------------------------------------------------------------------------- reading and access


def test_dashboard_order_upcoming_then_unscheduled_then_past(session: Session, factory: Factory) -> None:
    manager = factory.user(StaffRole.MANAGER)
    now = datetime.now(UTC)
    times = {"past-far": now - timedelta(days=30), "soon": now + timedelta(days=1), "none": None,
             "later": now + timedelta(days=9), "past-near": now - timedelta(days=2)}
    for name, when in times.items():
        m = factory.meeting(candidate=name)
        m.starts_at = when
    session.commit()
    order = [m.candidate_name for m in visibility.meetings_for(session, manager)]
    assert order == ["soon", "later", "none", "past-near", "past-far"]


def test_reviewers_see_only_their_meetings(session: Session, factory: Factory) -> None:
    manager, rev, other = (factory.user(StaffRole.MANAGER), factory.user(), factory.user())
    mine = factory.meeting(reviewers=[rev])
    theirs = factory.meeting(reviewers=[other])
    assert {m.id for m in visibility.meetings_for(session, manager)} == {mine.id, theirs.id}
    assert [m.id for m in visibility.meetings_for(session, rev)] == [mine.id]
    assert visibility.meeting_for(session, rev, mine.id) is mine
    with pytest.raises(NotFound):
        visibility.meeting_for(session, rev, theirs.id)
    with pytest.raises(NotFound):
        visibility.meeting_for(session, manager, 99999)


def test_blind_review_hides_identity_from_reviewers_until_met(factory: Factory) -> None:
    manager, rev = factory.user(StaffRole.MANAGER), factory.user()
    m = factory.meeting(reviewers=[rev], blind_review=True)
    assert visibility.hides_identity(m, rev) and not visibility.hides_identity(m, manager)
    meetings.mark_met(m)
    assert not visibility.hides_identity(m, rev)


# --------------------------------------------------------------------------- pipeline


def test_pipeline_follows_the_data(session: Session, factory: Factory) -> None:
    m = factory.meeting()

    def done() -> list[str]:
        stages = pipeline.pipeline(session, m)
        assert [s for s, _ in stages] == list(pipeline.STAGES)
        return [s for s, when in stages if when is not None]

    assert done() == []
    t0 = datetime(2030, 1, 1, 9, tzinfo=UTC)
    inv = invitations.issue(session, m, 14, now=t0)
    assert done() == ["invited"]
    invitations.mark_opened(inv, now=t0 + timedelta(hours=1))
    assert done() == ["invited", "opened"]
    sub = Submission(meeting_id=m.id, case_slug=m.case_slugs[0], case_version="v", started_at=t0)
    session.add(sub)
    session.flush()
    assert done() == ["invited", "opened", "started"]
    sub.status, sub.submitted_at = SubmissionStatus.SUBMITTED, t0 + timedelta(days=1)
    assert done() == ["invited", "opened", "started", "submitted"]
    sub.reviewed_at = t0 + timedelta(days=2)
    meetings.mark_met(m, now=t0 + timedelta(days=3))
    stages = dict(pipeline.pipeline(session, m))
    assert all(stages.values())
    assert stages["submitted"] == t0 + timedelta(days=1) and stages["met"] == t0 + timedelta(days=3)
    # a later re-issue does not move "invited": the candidate was first invited at t0
    invitations.issue(session, m, 14, now=t0 + timedelta(days=4))
    assert dict(pipeline.pipeline(session, m))["invited"] == t0
    meetings.mark_met(m, met=False)
    assert dict(pipeline.pipeline(session, m))["met"] is None


def test_pipelines_for_many_meetings(session: Session, factory: Factory) -> None:
    a, b = factory.meeting(), factory.meeting()
    factory.invite(a)
    result = pipeline.pipelines(session, [a, b])
    assert dict(result[a.id])["invited"] is not None and dict(result[b.id])["invited"] is None
    assert pipeline.pipelines(session, []) == {}


# --------------------------------------------------------------------------- invitations


def test_invitation_issue_revoke_reissue(session: Session, factory: Factory, settings: Settings) -> None:
    m = factory.meeting()
    first = invitations.send_invitation(session, m, settings)
    session.commit()
    assert not first.mail_attempted and not first.mailed and not first.invitation.sent_by_mail
    assert first.url.startswith("https://jobs.example.org/i/")  # no double slash from base_url's "/"
    token1 = first.url.rsplit("/", 1)[1]
    assert invitations.resolve(session, token1, settings.secret_key).id == first.invitation.id
    assert invitations.current_link(settings, m) == first.url  # re-derivable for the meeting page

    second = invitations.send_invitation(session, m, settings)
    session.commit()
    token2 = second.url.rsplit("/", 1)[1]
    with pytest.raises(LinkInvalid):
        invitations.resolve(session, token1, settings.secret_key)
    assert invitations.resolve(session, token2, settings.secret_key).id == second.invitation.id
    assert second.invitation.expires_at - second.invitation.issued_at == timedelta(days=settings.invitation_days)

    assert invitations.revoke(m) == 1
    session.commit()
    with pytest.raises(LinkInvalid):
        invitations.resolve(session, token2, settings.secret_key)
    assert invitations.current_link(settings, m) is None
    assert invitations.revoke(m) == 0


def test_invitation_email_is_warm_and_concrete(session: Session, factory: Factory, settings: Settings) -> None:
    manager = factory.user(StaffRole.MANAGER, name="Maria Manager")
    m = factory.meeting(created_by_id=manager.id, place="Kungsgatan 1, Stockholm")
    inv = invitations.issue(session, m, 14)
    subject, body = invitation_mail.invitation_email(session, m, "https://x/i/t", inv)
    assert "Backend developer" in subject
    assert "Hello Ada Candidate" in body and "https://x/i/t" in body and "no pass or fail" in body
    assert "Kungsgatan 1, Stockholm" in body and "(Europe/Stockholm)" in body
    assert body.rstrip().endswith("Maria Manager")


def test_delete_meeting_removes_its_data(session: Session, factory: Factory) -> None:
    m = factory.meeting(reviewers=[factory.user()])
    factory.invite(m)
    factory.submission(m, submitted=False)
    mid = m.id
    meetings.delete_meeting(session, m)
    session.commit()
    assert session.get(Meeting, mid) is None
    assert session.scalars(select(Invitation).where(Invitation.meeting_id == mid)).all() == []
    assert session.scalars(select(Submission).where(Submission.meeting_id == mid)).all() == []


# --------------------------------------------------------------------------- demo data


def test_seed_demo_is_idempotent(session: Session, settings: Settings, library: Library) -> None:
    first = demo.seed_demo(session, settings, library)
    session.commit()
    roles = []
    for email, password in first.logins:  # the password works, and only its hash is stored
        assert password
        user = users.authenticate(session, email, password)
        assert user is not None and password not in user.password_hash
        roles.append(user.role)
    assert roles == [StaffRole.ADMIN, StaffRole.MANAGER, StaffRole.REVIEWER, StaffRole.REVIEWER, StaffRole.MANAGER]
    m = session.get(Meeting, first.meeting_id)
    assert m is not None and len(m.reviewers) == 2
    client = session.scalar(select(User).where(User.email == demo.DEMO_CLIENT_MANAGER[0]))
    assert client is not None and visibility.can_see(client, m)  # a client's own manager, tied to the demo's employer
    assert visibility.employer_ids_for(client) == frozenset({m.job_role.employer_id})
    kinds = sorted(library.get(s).kind for s in m.case_slugs)  # type: ignore[union-attr]
    assert kinds == ["coding", "data"]
    role = m.job_role
    assert all(getattr(role, s).strip() for s in ("offer_growth", "offer_tech", "offer_benefits", "offer_worklife"))
    token1 = first.invitation_url.rsplit("/", 1)[1]
    assert invitations.resolve(session, token1, settings.secret_key).meeting_id == m.id

    second = demo.seed_demo(session, settings, library)
    session.commit()
    assert [lg.email for lg in second.logins] == [lg.email for lg in first.logins]
    assert all(lg.password is None for lg in second.logins)
    assert second.meeting_id == first.meeting_id
    assert session.scalar(select(User.id).where(User.email == "admin@demo.example.org")) is not None
    assert len(session.scalars(select(User)).all()) == 5
    assert len(session.scalars(select(Meeting)).all()) == 1
    assert second.invitation_url != first.invitation_url
    with pytest.raises(LinkInvalid):
        invitations.resolve(session, token1, settings.secret_key)
    invitations.resolve(session, second.invitation_url.rsplit("/", 1)[1], settings.secret_key)


def test_seed_demo_with_an_empty_library(session: Session, settings: Settings, tmp_path: Path) -> None:
    from caseportal.casebook import load_library

    (tmp_path / "empty").mkdir()
    info = demo.seed_demo(session, settings, load_library(tmp_path / "empty"))
    assert info.notes and info.invitation_url
