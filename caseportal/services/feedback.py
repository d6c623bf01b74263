"""Two-way feedback: the candidate's optional rating of the case and the process (one short form, once per
meeting), and the manager's written feedback to the candidate, shown on their page once shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.i18n import gettext as _
from caseportal.models import CandidateFeedback, Meeting, Submission

from .errors import Invalid

#: The answers to "did the case change your interest in the role?"; analytics counts these and no others.
INTEREST: tuple[str, ...] = ("more", "same", "less")
MAX_FEEDBACK_CHARS = 20_000


@dataclass(frozen=True)
class FeedbackInput:
    realistic: int | None = None  # 1..5: did the case give a realistic picture of the role?
    felt: int | None = None  # 1..5: how did the meeting (and its case) feel?
    fair: int | None = None  # 1..5
    minutes_spent: int | None = None
    interest_change: str = ""  # one of INTEREST, or "" for no answer
    comment: str = ""


def for_meeting(session: Session, meeting: Meeting) -> CandidateFeedback | None:
    """The candidate's feedback on a meeting (there is at most one), wherever it is shown or used."""
    return session.scalar(select(CandidateFeedback).where(CandidateFeedback.meeting_id == meeting.id))


def give(session: Session, meeting: Meeting, submission: Submission, data: FeedbackInput) -> CandidateFeedback:
    """Store (or change) the candidate's feedback; only after handing in, every answer optional."""
    if not submission.is_submitted or submission.meeting_id != meeting.id:
        raise Invalid(_("You can rate the case after you have handed in your work."))
    for name, value in (("felt", data.felt), ("realistic", data.realistic), ("fair", data.fair)):
        if value is not None and not 1 <= value <= 5:
            raise Invalid(_("Please choose a rating from 1 to 5 for '%(question)s'.", question=name))
    if data.minutes_spent is not None and not 0 < data.minutes_spent <= 60 * 24:
        raise Invalid(_("Please give the time you spent in minutes (at most a day)."))
    if data.interest_change not in ("", *INTEREST):
        raise Invalid(_("Please choose one of the answers about your interest."))
    if len(data.comment) > 5000:
        raise Invalid(_("Your comment can be at most %(n)s characters long.", n=5000))
    fb = for_meeting(session, meeting) or CandidateFeedback(meeting_id=meeting.id)
    fb.case_slug = submission.case_slug
    fb.realistic, fb.fair, fb.minutes_spent = data.realistic, data.fair, data.minutes_spent
    fb.felt = data.felt
    fb.interest_change, fb.comment = data.interest_change, data.comment.strip()
    session.add(fb)
    session.flush()
    return fb


def set_manager_feedback(meeting: Meeting, text: str, shared: bool) -> None:
    """The manager's written feedback to the candidate (markdown), and whether the candidate's page shows it.

    Feedback goes both ways: the candidate gave us theirs on the case and the process, and gets ours.
    """
    body = (text or "").strip()
    if len(body) > MAX_FEEDBACK_CHARS:
        raise Invalid(_("Please keep the feedback under %(limit)s characters (it has %(n)s).",
                        limit=MAX_FEEDBACK_CHARS, n=len(body)))
    if shared and not body:
        raise Invalid(_("Please write the feedback before sharing it with the candidate."))
    meeting.manager_feedback = body
    meeting.manager_feedback_shared = shared
