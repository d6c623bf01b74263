"""Where the candidate's work stands: each submission of a meeting with its newest run, and links to the
reviewers' page with its talking points."""

from __future__ import annotations

from spectree import Response as Answers

from caseportal.current import db
from caseportal.models import Run as RunRow
from caseportal.services import review, runs, visibility

from ._blueprint import ID, bp, spec
from .auth import caller
from .meetings import staff_url
from .schemas import Problem, Run, Submission, SubmissionLinks, SubmissionList


def run_out(run: RunRow) -> Run:
    return Run(id=run.id, kind=run.kind.value, status=run.status.value, outcome=run.outcome,
               created_at=run.created_at, finished_at=run.finished_at, duration_s=run.duration_s)


@bp.get(f"/meetings/<{ID}:meeting_id>/submissions")
@spec.validate(resp=Answers(HTTP_200=SubmissionList, HTTP_401=Problem, HTTP_404=Problem, HTTP_429=Problem),
               tags=["submissions"], operation_id="list_submissions")
def list_submissions(meeting_id: int) -> SubmissionList:
    """The meeting's submissions, in the order its cases are attached, each with its newest run."""
    session = db()
    m = visibility.meeting_for(session, caller(), meeting_id)
    items = []
    for sub in review.submissions_for_meeting(session, m):
        latest = runs.latest_runs(session, sub.id, limit=1)
        page = staff_url("review.submission", submission_id=sub.id)
        items.append(Submission(
            id=sub.id, case_slug=sub.case_slug, status=sub.status.value, started_at=sub.started_at,
            submitted_at=sub.submitted_at, reviewed_at=sub.reviewed_at,
            latest_run=run_out(latest[0]) if latest else None,
            links=SubmissionLinks(review=page, talking_points=page + "#points")))
    return SubmissionList(items=items)
