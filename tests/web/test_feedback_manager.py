"""The manager's feedback to the candidate: managers only, saved as markdown, shared when the manager says so."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.models import CandidateFeedback, Meeting, StaffRole
from caseportal.services import feedback
from tests.conftest import PASSWORD, Factory, csrf_token_from, login
from tests.web.conftest import assert_no_executable_markup

XSS = '<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>'


def _meeting(session: Session, meeting_id: int) -> Meeting:
    session.expire_all()
    m = session.get(Meeting, meeting_id)
    assert m is not None
    return m


def test_reviewers_cannot_reach_it(client: FlaskClient, factory: Factory) -> None:
    rev = factory.user(StaffRole.REVIEWER)
    m = factory.meeting(reviewers=[rev])
    url = f"/meetings/{m.id}/feedback"
    resp = client.get(url)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login(client, rev)  # even on their own meeting
    assert client.get(url).status_code == 403
    assert client.post(url, data={"text": "Hi", "shared": "y"}).status_code == 403


def test_manager_writes_shares_and_unshares(client: FlaskClient, session: Session, factory: Factory) -> None:
    manager = factory.user(StaffRole.MANAGER)
    m = factory.meeting(candidate="Ada Candidate")
    url = f"/meetings/{m.id}/feedback"
    login(client, manager)
    html = client.get(url).get_data(as_text=True)
    assert "Feedback to Ada Candidate" in html and "has not given feedback yet" in html
    assert 'for="text"' in html and 'for="shared"' in html

    resp = client.post(url, data={"text": "Thank you, Ada! **Great** questions."})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(url)
    got = _meeting(session, m.id)
    assert (got.manager_feedback, got.manager_feedback_shared) == ("Thank you, Ada! **Great** questions.", False)

    resp = client.post(url, data={"text": "Thank you, Ada!", "shared": "y"}, follow_redirects=True)
    assert "shown to the candidate" in resp.get_data(as_text=True)
    assert _meeting(session, m.id).manager_feedback_shared is True
    html = client.get(url).get_data(as_text=True)
    assert "The candidate sees this on their page." in html and 'checked' in html

    client.post(url, data={"text": "Thank you, Ada!"})
    assert _meeting(session, m.id).manager_feedback_shared is False
    assert client.get(f"/meetings/{m.id + 999}/feedback").status_code == 404


def test_sharing_needs_text(client: FlaskClient, session: Session, factory: Factory) -> None:
    m = factory.meeting()
    login(client, factory.user(StaffRole.MANAGER))
    resp = client.post(f"/meetings/{m.id}/feedback", data={"text": "  ", "shared": "y"})
    assert resp.status_code == 400
    assert "Please write the feedback before sharing it" in resp.get_data(as_text=True)
    assert _meeting(session, m.id).manager_feedback_shared is False


def test_feedback_both_ways_and_safe_markdown(client: FlaskClient, session: Session, factory: Factory) -> None:
    m = factory.meeting()
    session.add(CandidateFeedback(meeting_id=m.id, realistic=4, fair=5, minutes_spent=80, interest_change="more",
                                  comment=f"Loved it {XSS}"))
    session.commit()
    feedback.set_manager_feedback(m, f"Feedback {XSS}", False)
    session.commit()
    login(client, factory.user(StaffRole.ADMIN))
    html = client.get(f"/meetings/{m.id}/feedback").get_data(as_text=True)
    assert "4 of 5" in html and "5 of 5" in html and "80 minutes" in html and "more interested" in html
    assert "Loved it" in html
    assert_no_executable_markup(html)


def test_feedback_form_carries_a_csrf_token(csrf_app: Flask, factory: Factory, session: Session) -> None:
    manager = factory.user(StaffRole.MANAGER)
    m = factory.meeting()
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    client.post("/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": token})
    url = f"/meetings/{m.id}/feedback"
    assert client.post(url, data={"text": "x"}).status_code == 400
    token = csrf_token_from(client.get(url).data)
    assert client.post(url, data={"text": "x", "csrf_token": token}).status_code == 302
    assert _meeting(session, m.id).manager_feedback == "x"
