"""Meetings: list, get, and create with attached cases and reviewers, through the same services as the staff
pages (``meetings``, ``visibility``, ``pipeline``), so the API can never allow what a page refuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from spectree import Response as Answers

from caseportal.current import casebook, db, settings
from caseportal.models import Meeting as MeetingRow
from caseportal.services import meetings as meeting_svc
from caseportal.services import pipeline, visibility
from caseportal.services.timezones import valid_timezone

from ._blueprint import ID, bp, spec
from .auth import caller
from .schemas import (
    InvitationState,
    Meeting,
    MeetingCreate,
    MeetingLinks,
    MeetingList,
    MeetingQuery,
    Person,
    Problem,
    Stage,
)

ERRORS = {"HTTP_401": Problem, "HTTP_404": Problem, "HTTP_429": Problem}


def staff_url(endpoint: str, **values: Any) -> str:
    """An absolute staff link on the configured base address (as invitation links are)."""
    return settings().base_url.rstrip("/") + url_for(endpoint, **values)


def meeting_out(m: MeetingRow, stages: list[pipeline.Stage]) -> Meeting:
    inv = m.current_invitation
    return Meeting(
        id=m.id, candidate_name=m.candidate_name, candidate_email=m.candidate_email, role_id=m.job_role_id,
        timezone=m.timezone, starts_at=m.starts_at, duration_minutes=m.duration_minutes, place=m.place,
        video_link=m.video_link, case_deadline=m.case_deadline, blind_review=m.blind_review,
        case_slugs=m.case_slugs, reviewers=[Person(id=u.id, name=u.name) for u in m.reviewers],
        invitation=None if inv is None else InvitationState(
            id=inv.id, issued_at=inv.issued_at, expires_at=inv.expires_at, first_opened_at=inv.first_opened_at,
            last_opened_at=inv.last_opened_at, sent_by_mail=inv.sent_by_mail),
        stages=[Stage(stage=name, at=at) for name, at in stages],
        links=MeetingLinks(meeting=staff_url("manage.meeting", meeting_id=m.id),
                           review=staff_url("review.meeting", meeting_id=m.id),
                           brief=staff_url("manage.brief", meeting_id=m.id)))


def _local(at: datetime | None, zone: str) -> datetime | None:
    """An absolute time as the wall-clock time in the meeting's zone, which is what the service takes."""
    if at is None:
        return None
    return at.astimezone(ZoneInfo(zone) if valid_timezone(zone) else None).replace(tzinfo=None)


@bp.get("/meetings")
@spec.validate(query=MeetingQuery, resp=Answers(HTTP_200=MeetingList, **ERRORS),
               tags=["meetings"], operation_id="list_meetings")
def list_meetings(query: MeetingQuery) -> MeetingList:
    """List meetings, as the staff dashboard orders them (upcoming first)."""
    everything = visibility.meetings_for(db(), caller())
    page = everything[query.offset:query.offset + query.limit]
    stages = pipeline.pipelines(db(), page)
    return MeetingList(items=[meeting_out(m, stages[m.id]) for m in page], total=len(everything))


@bp.get(f"/meetings/<{ID}:meeting_id>")
@spec.validate(resp=Answers(HTTP_200=Meeting, **ERRORS), tags=["meetings"], operation_id="get_meeting")
def get_meeting(meeting_id: int) -> Meeting:
    """Get one meeting with where the candidate stands."""
    m = visibility.meeting_for(db(), caller(), meeting_id)
    return meeting_out(m, pipeline.pipeline(db(), m))


@bp.post("/meetings")
@spec.validate(json=MeetingCreate, resp=Answers(HTTP_201=Meeting, HTTP_400=Problem, HTTP_403=Problem, **ERRORS),
               tags=["meetings"], operation_id="create_meeting")
def create_meeting(json: MeetingCreate) -> tuple[Meeting, int]:
    """Create a meeting with its cases and reviewers (send the invitation separately)."""
    data = meeting_svc.MeetingInput(
        candidate_name=json.candidate_name, candidate_email=json.candidate_email, job_role_id=json.role_id,
        timezone=json.timezone, starts_local=_local(json.starts_at, json.timezone),
        duration_minutes=json.duration_minutes, place=json.place, video_link=json.video_link,
        reviewer_ids=json.reviewer_ids, case_slugs=json.case_slugs,
        deadline_local=_local(json.case_deadline, json.timezone), blind_review=json.blind_review)
    session = db()
    m = meeting_svc.create_meeting(session, casebook(), data, created_by=caller())
    session.commit()
    return meeting_out(m, pipeline.pipeline(session, m)), 201
