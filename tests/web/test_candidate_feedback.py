"""The candidate's optional feedback after handing in, and who may see it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.models import CandidateFeedback, Meeting, StaffRole, Submission
from caseportal.services import feedback
from caseportal.services.errors import Invalid
from tests.conftest import Factory, login


def _handed_in(factory: Factory, meeting: Meeting, submitted: bool = True) -> Submission:
    return factory.submission(meeting, {"a.py": b"x = 1\n"}, submitted=submitted)


def test_feedback_is_offered_only_after_handing_in(client: FlaskClient, session: Session, factory: Factory) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    _handed_in(factory, meeting, submitted=False)
    resp = client.get(f"/i/{token}/feedback")
    assert resp.status_code == 400 and b"after you have handed in" in resp.data


def test_candidate_rates_the_case_and_can_change_it(client: FlaskClient, session: Session, factory: Factory) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    sub = _handed_in(factory, meeting)
    page = client.get(f"/i/{token}/feedback")
    assert page.status_code == 200 and b"realistic picture" in page.data
    resp = client.post(f"/i/{token}/feedback", data={"realistic": "4", "fair": "5", "minutes_spent": "80",
                                                      "interest_change": "more", "comment": "Fun <b>case</b>"})
    assert resp.status_code == 302
    fb = session.query(CandidateFeedback).one()
    assert (fb.realistic, fb.fair, fb.minutes_spent, fb.interest_change) == (4, 5, 80, "more")
    assert fb.case_slug == sub.case_slug
    # the form shows what was given, and a change replaces it (one row per meeting)
    assert b'value="80"' in client.get(f"/i/{token}/feedback").data
    client.post(f"/i/{token}/feedback", data={"realistic": "2"})
    session.expire_all()
    assert session.query(CandidateFeedback).one().realistic == 2


def test_every_answer_is_optional_but_validated(client: FlaskClient, session: Session, factory: Factory) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    _handed_in(factory, meeting)
    assert client.post(f"/i/{token}/feedback", data={}).status_code == 302
    bad = client.post(f"/i/{token}/feedback", data={"realistic": "9", "minutes_spent": "-3"})
    assert bad.status_code == 400
    session.expire_all()
    assert session.query(CandidateFeedback).one().realistic is None


def test_service_refuses_out_of_range(session: Session, factory: Factory) -> None:
    meeting = factory.meeting()
    sub = _handed_in(factory, meeting)
    with pytest.raises(Invalid):
        feedback.give(session, meeting, sub, feedback.FeedbackInput(fair=0))
    with pytest.raises(Invalid):
        feedback.give(session, meeting, sub, feedback.FeedbackInput(interest_change="maybe"))


def test_another_candidate_or_a_bad_link_cannot_give_feedback(client: FlaskClient, session: Session,
                                                              factory: Factory) -> None:
    meeting = factory.meeting()
    _handed_in(factory, meeting)
    assert client.post("/i/not-a-token/feedback", data={"realistic": "1"}).status_code == 410
    other = factory.meeting()
    token = factory.invite(other)
    assert client.post(f"/i/{token}/feedback", data={"realistic": "1"}).status_code == 400
    assert session.query(CandidateFeedback).count() == 0


def test_staff_see_ratings_only_through_analytics(client: FlaskClient, session: Session, factory: Factory) -> None:
    reviewer = factory.user(StaffRole.REVIEWER)
    manager = factory.user(StaffRole.MANAGER)
    meeting = factory.meeting(reviewers=[reviewer])
    token = factory.invite(meeting)
    _handed_in(factory, meeting)
    client.post(f"/i/{token}/feedback", data={"realistic": "3", "fair": "4"})
    login(client, reviewer)
    assert client.get("/analytics").status_code == 403
    client.post("/logout")
    login(client, manager)
    page = client.get("/analytics")
    assert page.status_code == 200


def test_shared_brief_and_manager_feedback_reach_the_candidate(client: FlaskClient, session: Session,
                                                               factory: Factory) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    _handed_in(factory, meeting)
    assert client.get(f"/i/{token}/brief").status_code == 404  # not shared yet
    home = client.get(f"/i/{token}").data
    assert b"what we would like to talk about" not in home.lower()
    meeting.brief_shared = True
    meeting.manager_feedback = "Great **structure**. <script>alert(1)</script>"
    meeting.manager_feedback_shared = True
    session.commit()
    home = client.get(f"/i/{token}").data
    assert b"Feedback from the team" in home and b"<strong>structure</strong>" in home
    assert b"<script>alert(1)" not in home
    brief = client.get(f"/i/{token}/brief")
    assert brief.status_code == 200 and b"What we would like to talk about" in brief.data
    other = factory.meeting()
    assert client.get(f"/i/{factory.invite(other)}/brief").status_code == 404


def test_handing_in_notifies_the_meetings_reviewers(client: FlaskClient, session: Session, factory: Factory) -> None:
    from caseportal.models import Notification

    on = factory.user(StaffRole.REVIEWER)
    off = factory.user(StaffRole.REVIEWER)
    slug = factory.case_slugs(1, runtime="python")[0]
    meeting = factory.meeting(reviewers=[on], cases=[slug])
    token = factory.invite(meeting)
    assert client.post(f"/i/{token}/case/{slug}/start").status_code == 302
    resp = client.post(f"/i/{token}/case/{slug}/submit", data={"confirm": "y", "notes_more_time": "tests",
                                                               "questions": "How do you deploy?"})
    assert resp.status_code == 302, resp.data[:300]
    notes = session.query(Notification).all()
    assert [n.user_id for n in notes] == [on.id] and off.id not in [n.user_id for n in notes]
    login(client, on)
    assert b"/review/submissions/" in client.get("/notifications").data
