"""The candidate's optional rating of the case and the process: one short form, once per meeting."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.i18n import gettext as _
from caseportal.models import CandidateFeedback, Meeting, Submission

from .errors import Invalid

INTEREST = ("more", "same", "less")


@dataclass(frozen=True)
class FeedbackInput:
    realistic: int | None = None  # 1..5: did the case give a realistic picture of the role?
    fair: int | None = None  # 1..5
    minutes_spent: int | None = None
    interest_change: str = ""  # more / same / less
    comment: str = ""


def for_meeting(session: Session, meeting: Meeting) -> CandidateFeedback | None:
    return session.scalar(select(CandidateFeedback).where(CandidateFeedback.meeting_id == meeting.id))


def give(session: Session, meeting: Meeting, submission: Submission, data: FeedbackInput) -> CandidateFeedback:
    """Store (or change) the candidate's feedback; only after handing in, every answer optional."""
    if not submission.is_submitted or submission.meeting_id != meeting.id:
        raise Invalid(_("You can rate the case after you have handed in your work."))
    for name, value in (("realistic", data.realistic), ("fair", data.fair)):
        if value is not None and not 1 <= value <= 5:
            raise Invalid(_("Please choose a rating from 1 to 5 for '%(question)s'.", question=name))
    if data.minutes_spent is not None and not 0 < data.minutes_spent <= 60 * 24:
        raise Invalid(_("Please give the time you spent in minutes (at most a day)."))
    if data.interest_change not in ("", *INTEREST):
        raise Invalid(_("Please choose one of the answers about your interest."))
    if len(data.comment) > 5000:
        raise Invalid(_("Your comment is longer than %(n)s characters; please shorten it.", n=5000))
    fb = for_meeting(session, meeting) or CandidateFeedback(meeting_id=meeting.id)
    fb.case_slug = submission.case_slug
    fb.realistic, fb.fair, fb.minutes_spent = data.realistic, data.fair, data.minutes_spent
    fb.interest_change, fb.comment = data.interest_change, data.comment.strip()
    session.add(fb)
    session.flush()
    return fb
