"""Loading the reviewer's objects with the access check built in, written once for every view.

Whatever a visitor may not see is a 404, never a 403, so a reviewer cannot learn what exists outside their
meetings (permissions.can_view_meeting / can_review_submission decide). Drafts are the candidate's private work in
progress: views that touch the work pass ``submitted=True`` and a draft is a 404 too.
"""

from __future__ import annotations

from flask import abort

from caseportal.current import db
from caseportal.models import LineComment, Meeting, Run, RunArtifact, RunKind, Submission, SubmissionFile, TalkingPoint
from caseportal.permissions import can_review_submission, can_view_meeting
from caseportal.services import visibility
from caseportal.web.common import load_or_404, user


def meeting_or_404(meeting_id: int) -> Meeting:
    return load_or_404(Meeting, meeting_id, allowed=lambda m: can_view_meeting(user(), m))


def submission_or_404(submission_id: int, *, submitted: bool = False) -> tuple[Submission, Meeting]:
    """The submission and its meeting; ``submitted`` also hides drafts (their content is private)."""
    submission = load_or_404(Submission, submission_id)
    meeting = load_or_404(Meeting, submission.meeting_id,
                          allowed=lambda m: can_review_submission(user(), m, submission))
    if submitted and not submission.is_submitted:
        abort(404)
    return submission, meeting


def point_or_404(point_id: int) -> tuple[TalkingPoint, Submission]:
    point = load_or_404(TalkingPoint, point_id)
    submission, _meeting = submission_or_404(point.submission_id, submitted=True)
    return point, submission


def file_or_404(submission: Submission, file_id: int) -> SubmissionFile:
    """A file of this submission (an id from another submission is a 404, not a way around the check)."""
    return load_or_404(SubmissionFile, file_id, allowed=lambda f: f.submission_id == submission.id)


def comment_or_404(comment_id: int) -> tuple[LineComment, Submission]:
    comment = load_or_404(LineComment, comment_id)
    submission, _meeting = submission_or_404(comment.submission_id, submitted=True)
    return comment, submission


def artifact_or_404(run_id: int, artifact_id: int) -> RunArtifact:
    """An artifact of a full run of submitted work; practice runs are the candidate's own, like drafts."""
    run = load_or_404(Run, run_id, allowed=lambda r: r.kind == RunKind.FULL)
    submission_or_404(run.submission_id, submitted=True)
    return load_or_404(RunArtifact, artifact_id, allowed=lambda a: a.run_id == run.id)


def show_candidate(meeting: Meeting) -> bool:
    """Blind review hides who the candidate is from a reviewer until they have written their own talking points
    (or the meeting took place); the rule lives in services.visibility."""
    return not visibility.hides_identity(meeting, user(), session=db())
