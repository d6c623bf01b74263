"""Who sees which employer, in a real browser (issue 15), in English and in Swedish: the demo's client hiring
manager (tied to the demo role's employer) logs in and finds only their own employer's meetings, analytics and
candidates' voice; another client's meeting is not listed and its page answers "not found". A phone look at the
dashboard too. axe-core checks every page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, Journey, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.docker]

CLIENT = "client.manager@demo.example.org"
OTHER_EMPLOYER = "Other Client Scoping AB"
OTHER_CANDIDATE = "Olle Otherclient"
OTHER_COMMENT = "The other client's candidate wrote this."
OWN_COMMENT = "A friendly meeting, and the case felt like the real job."
TEXT = {
    "en": {"email": "Email", "password": "Password", "login": "Log in", "meetings": "Meetings",
           "analytics": "Pipeline analytics", "employer": "Employer", "voice": "What candidates told us",
           "missing": "not"},
    "sv": {"email": "E-post", "password": "Lösenord", "login": "Logga in", "meetings": "Möten",
           "analytics": "Flödesanalys", "employer": "Arbetsgivare", "voice": "Vad kandidaterna berättade",
           "missing": "inte"},
}


def _with_feedback(s: Any, meeting: Any, comment: str) -> None:
    """Handed-in work and the candidate's feedback on it, so the candidates' voice has something to say."""
    from caseportal.models import Submission, SubmissionStatus
    from caseportal.services import feedback

    sub = Submission(meeting_id=meeting.id, case_slug=meeting.case_slugs[0], case_version="v1",
                     status=SubmissionStatus.SUBMITTED)
    s.add(sub)
    s.flush()
    feedback.give(s, meeting, sub, feedback.FeedbackInput(felt=4, realistic=5, interest_change="more",
                                                          comment=comment))


def _other_clients_meeting(server: LiveServer) -> int:
    """A meeting of another employer than the demo's, and one of the demo's, each with the candidate's feedback,
    made through the services; the other employer's meeting id."""
    from sqlalchemy import select

    from caseportal.casebook import load_library
    from caseportal.models import Employer, JobRole, Meeting, utcnow
    from caseportal.services import employers, meetings

    with server.services() as (s, settings):
        found = s.scalar(select(Meeting.id).where(Meeting.candidate_name == OTHER_CANDIDATE))
        if found is not None:
            return int(found)
        employer = s.scalar(select(Employer).where(Employer.name == OTHER_EMPLOYER)) \
            or employers.create_employer(s, OTHER_EMPLOYER)
        role = JobRole(title="Other client's data engineer", employer=employer)
        s.add(role)
        s.flush()
        starts = (utcnow() + timedelta(days=9)).replace(tzinfo=None, microsecond=0)
        library = load_library(settings.cases_dir)
        m = meetings.create_meeting(s, library, meetings.MeetingInput(
            candidate_name=OTHER_CANDIDATE, candidate_email="olle@example.org", job_role_id=role.id,
            timezone="Europe/Stockholm", starts_local=starts, case_slugs=("api-rate-limiter",)))
        _with_feedback(s, m, OTHER_COMMENT)
        demo = s.scalar(select(Meeting).where(Meeting.candidate_name == "Sam Candidate"))
        assert demo is not None, "the demo meeting is missing"
        own = meetings.create_meeting(s, library, meetings.MeetingInput(
            candidate_name="Siv Scoped", candidate_email="siv@example.org", job_role_id=demo.job_role_id,
            timezone="Europe/Stockholm", starts_local=starts, case_slugs=("api-rate-limiter",)))
        _with_feedback(s, own, OWN_COMMENT)
        return m.id


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_a_clients_hiring_manager_sees_only_their_employer(journey: Journey, live_server: LiveServer,
                                                           lang: str) -> None:
    j, t = journey, TEXT[lang]
    other_id = _other_clients_meeting(live_server)
    locale = {"en": "en-GB", "sv": "sv-SE"}[lang]
    page: Any = j.page(locale=locale)
    page.goto(j.url("/login"))
    page.get_by_label(t["email"]).fill(CLIENT)
    page.get_by_label(t["password"]).fill(live_server.passwords[CLIENT])
    page.get_by_role("button", name=t["login"]).click()
    expect(page.get_by_role("heading", level=1, name=t["meetings"])).to_be_visible()
    expect(page.locator("main")).to_contain_text("Sam Candidate")  # the demo meeting, of their own employer
    expect(page.locator("main")).not_to_contain_text(OTHER_CANDIDATE)
    j.step(page, f"{lang}-dashboard")

    page.goto(j.url("/analytics"))
    expect(page.get_by_role("heading", level=1, name=t["analytics"])).to_be_visible()
    options = page.get_by_label(t["employer"], exact=True).locator("option").all_inner_texts()
    assert len(options) == 2 and OTHER_EMPLOYER not in options, options  # "all" and their own employer
    expect(page.locator("body")).not_to_contain_text(OTHER_EMPLOYER)
    j.step(page, f"{lang}-analytics")

    page.goto(j.url("/feedback-report"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(t["voice"])
    expect(page.locator("main")).to_contain_text(OWN_COMMENT)
    expect(page.locator("body")).not_to_contain_text(OTHER_EMPLOYER)
    expect(page.locator("body")).not_to_contain_text(OTHER_COMMENT)
    j.step(page, f"{lang}-candidates-voice")

    resp = page.goto(j.url(f"/meetings/{other_id}"))
    assert resp is not None and resp.status == 404
    expect(page.locator("body")).not_to_contain_text(OTHER_CANDIDATE)
    j.step(page, f"{lang}-other-clients-meeting-not-found")

    if lang == "sv":  # the phone layout once is enough
        phone: Any = j.context(PHONE, locale=locale).new_page()
        phone.goto(j.url("/login"))
        phone.get_by_label(t["email"]).fill(CLIENT)
        phone.get_by_label(t["password"]).fill(live_server.passwords[CLIENT])
        phone.get_by_role("button", name=t["login"]).click()
        expect(phone.locator("main")).not_to_contain_text(OTHER_CANDIDATE)
        j.step(phone, "sv-phone-dashboard")
    j.finish()
