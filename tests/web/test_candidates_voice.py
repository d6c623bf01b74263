"""The candidates' voice per employer (issue 15): the new "how did it feel" question, and the report a consultant
hands to the client: per employer, only the employers the visitor sees, anonymous unless asked, never naming a
candidate who withdrew, printable, in both languages."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.models import CandidateFeedback, Employer, Meeting, StaffRole, User
from caseportal.services import feedback, privacy, users
from caseportal.services.errors import Invalid
from tests.conftest import Factory, login


def _feedback(factory: Factory, employer: Employer, candidate: str, comment: str, **answers: object) -> Meeting:
    meeting = factory.meeting(candidate=candidate, job_role=factory.job_role(f"Role at {employer.name}", employer))
    sub = factory.submission(meeting, {"a.py": b"x = 1\n"})
    feedback.give(factory.session, meeting, sub, feedback.FeedbackInput(comment=comment, **answers))  # type: ignore[arg-type]
    factory.session.commit()
    return meeting


def _client(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    return client


def test_the_candidate_says_how_the_meeting_felt(client: FlaskClient, session: Session, factory: Factory) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    factory.submission(meeting, {"a.py": b"x = 1\n"})
    page = client.get(f"/i/{token}/feedback")
    assert b"How did the meeting and the case feel to you?" in page.data
    assert client.post(f"/i/{token}/feedback", data={"felt": "4"}).status_code == 302
    assert session.query(CandidateFeedback).one().felt == 4
    again = client.get(f"/i/{token}/feedback").data  # the answer given is shown again
    assert re.search(rb'<input checked id="felt-\d" name="felt" type="radio" value="4"', again)
    assert client.post(f"/i/{token}/feedback", data={"felt": "6"}).status_code == 400
    sv = client.get(f"/i/{token}/feedback", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Hur kändes mötet och caset för dig?" in sv


def test_the_service_refuses_a_feeling_out_of_range(session: Session, factory: Factory) -> None:
    meeting = factory.meeting()
    sub = factory.submission(meeting, {"a.py": b"x = 1\n"})
    with pytest.raises(Invalid):
        feedback.give(session, meeting, sub, feedback.FeedbackInput(felt=0))


def _world(session: Session, factory: Factory) -> tuple[Employer, Employer, Meeting, Meeting, User, User]:
    a, b = factory.employer("Alfa Voice AB"), factory.employer("Bravo Voice AB")
    first = _feedback(factory, a, "Astrid Named", "The case felt like the real job.", felt=5, realistic=4,
                      interest_change="more")
    _feedback(factory, a, "Albin Quiet", "", felt=3, realistic=2, interest_change="less")
    other = _feedback(factory, b, "Bertil Other", "Bravo comment that A must never read.", felt=1,
                      interest_change="less")
    client_manager = factory.user(StaffRole.MANAGER, name="Cleo Client")
    users.set_access(session, client_manager, firm_wide=False, employer_ids=[a.id])
    session.commit()
    return a, b, first, other, client_manager, factory.user(StaffRole.MANAGER, name="Conny Consultant")


def test_the_report_is_per_employer_and_anonymous(app: Flask, session: Session, factory: Factory) -> None:
    a, b, _first, _other, client_manager, consultant = _world(session, factory)
    page = _client(app, consultant).get(f"/feedback-report?employer={a.id}").get_data(as_text=True)
    assert "What candidates told us about meeting Alfa Voice AB" in page
    assert "The case felt like the real job." in page and "Bravo comment" not in page
    assert "4.0 of 5" in page  # felt: (5 + 3) / 2
    assert "Astrid Named" not in page and "Albin Quiet" not in page  # no names unless asked
    assert 'media="print"' in page and "voice.css" in page
    everything = _client(app, consultant).get("/feedback-report").get_data(as_text=True)
    assert "Bravo comment that A must never read." in everything
    assert "3 candidates gave feedback." in everything


def test_a_tied_manager_gets_their_employers_only(app: Flask, session: Session, factory: Factory) -> None:
    a, b, _first, _other, client_manager, _consultant = _world(session, factory)
    client = _client(app, client_manager)
    page = client.get("/feedback-report").get_data(as_text=True)
    assert "The case felt like the real job." in page
    assert "Bravo" not in page  # neither the comment nor the employer in the select
    assert client.get(f"/feedback-report?employer={b.id}").status_code == 400
    analytics = client.get("/analytics").get_data(as_text=True)
    assert "Alfa Voice AB" in analytics and "Bravo Voice AB" not in analytics


def test_names_only_when_asked_and_never_after_a_withdrawal(app: Flask, session: Session, factory: Factory) -> None:
    a, _b, first, _other, _client_manager, consultant = _world(session, factory)
    client = _client(app, consultant)
    named = client.get(f"/feedback-report?employer={a.id}&names=y").get_data(as_text=True)
    assert "Astrid Named" in named and "Albin Quiet" in named
    meeting = session.get(Meeting, first.id)
    assert meeting is not None
    privacy.withdraw(session, app.extensions["caseportal.settings"], meeting)
    session.commit()
    named = client.get(f"/feedback-report?employer={a.id}&names=y").get_data(as_text=True)
    assert "Astrid Named" not in named and "Albin Quiet" in named


def test_the_report_in_swedish(app: Flask, session: Session, factory: Factory) -> None:
    a, *_rest, consultant = _world(session, factory)
    page = _client(app, consultant).get(f"/feedback-report?employer={a.id}",
                                        headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Vad kandidaterna berättade om mötet med Alfa Voice AB" in page
    assert "Hur mötet kändes" in page and "Med deras egna ord" in page
    text = re.sub(r"<[^>]+>", " ", page)
    assert "What candidates" not in text and "In their own words" not in text


def test_bad_dates_are_an_invalid_filter(app: Flask, session: Session, factory: Factory) -> None:
    *_rest, consultant = _world(session, factory)
    resp = _client(app, consultant).get("/feedback-report?since=2030-02-01&until=2030-01-01")
    assert resp.status_code == 400 and "The end date must be on or after the start date." in resp.get_data(as_text=True)
