"""A candidate's copy of their data (the right of access): a zip with their files and a JSON of what is stored.

Only what the candidate may see goes in: their own files, notes, questions and feedback, the visible checks of
their runs, the manager's feedback once shared. Never hidden checks, full-run output, metrics, talking points,
line comments or anything else written for reviewers. Staff exports (an admin answering a request) give the same
file, so a candidate never receives more, or less, depending on who asked.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.i18n import gettext as _
from caseportal.models import CandidateFeedback, CaseWork, Meeting, Run, Submission
from caseportal.services import practice, runs

from .errors import Invalid
from .retention import OUTCOME_LABELS, is_erased, record_for


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _run(run: Run) -> dict[str, Any]:
    view = runs.view(run, "candidate")
    visible_checks = [{"name": c.get("name"), "status": c.get("status"), "message": c.get("message", "")}
                      for c in view.checks] if run.kind.value == "check" else []
    return {"kind": run.kind.value, "status": run.status.value, "created_at": _iso(run.created_at),
            "finished_at": _iso(run.finished_at), "checks": visible_checks,
            "stdout": view.stdout, "stderr": view.stderr}


def _submission(session: Session, sub: CaseWork) -> dict[str, Any]:
    rows = session.scalars(select(Run).where(Run.submission_id == sub.id).order_by(Run.id))
    return {"case": sub.case_slug, "status": sub.status.value, "started_at": _iso(sub.started_at),
            "updated_at": _iso(sub.updated_at), "submitted_at": _iso(sub.submitted_at),
            "notes_more_time": sub.notes_more_time, "questions": sub.questions,
            "files": [f.path for f in sub.files], "check_runs": [_run(r) for r in rows if r.kind.value == "check"]}


def data_of(session: Session, meeting: Meeting) -> dict[str, Any]:
    """Everything stored about the candidate that they may see, as JSON-ready data."""
    rec = record_for(session, meeting)
    fb = session.scalar(select(CandidateFeedback).where(CandidateFeedback.meeting_id == meeting.id))
    subs = list(session.scalars(select(Submission).where(Submission.meeting_id == meeting.id).order_by(Submission.id)))
    return {
        "about": "Data stored about you by caseportal for this recruitment.",
        "candidate": {"name": meeting.candidate_name, "email": meeting.candidate_email},
        "meeting": {"role": meeting.job_role.title, "starts_at": _iso(meeting.starts_at), "timezone": meeting.timezone,
                    "place": meeting.place, "video_link": meeting.video_link,
                    "case_deadline": _iso(meeting.case_deadline), "met_at": _iso(meeting.met_at),
                    "outcome": str(OUTCOME_LABELS.get(rec.outcome, "")) if rec.outcome else None},
        "invitations": [{"issued_at": _iso(i.issued_at), "expires_at": _iso(i.expires_at),
                         "revoked_at": _iso(i.revoked_at), "first_opened_at": _iso(i.first_opened_at),
                         "last_opened_at": _iso(i.last_opened_at)} for i in meeting.invitations],
        "submissions": [_submission(session, s) for s in subs],
        # The warm-up nobody else sees (services/practice.py) is still the candidate's data.
        "warm_up": [_submission(session, w) for w in practice.for_meeting(session, meeting)],
        "your_feedback": None if fb is None else {
            "felt": fb.felt, "realistic": fb.realistic, "fair": fb.fair, "minutes_spent": fb.minutes_spent,
            "interest_change": fb.interest_change, "comment": fb.comment},
        "feedback_from_us": meeting.manager_feedback if meeting.manager_feedback_shared else None,
    }


def _safe(path: str) -> str:
    parts = [p for p in PurePosixPath(path).parts if p not in ("", ".", "..", "/")]
    return "/".join(parts) or "file"


def export_zip(session: Session, meeting: Meeting) -> bytes:
    """The zip: ``data.json`` and ``files/<case>/<path>`` for every file the candidate stored."""
    if is_erased(session, meeting.id):
        raise Invalid(_("This candidate's data has been erased; there is nothing left to export."))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.json", json.dumps(data_of(session, meeting), indent=2, ensure_ascii=False))
        for sub in session.scalars(select(Submission).where(Submission.meeting_id == meeting.id)):
            for f in sub.files:
                zf.writestr(f"files/{_safe(sub.case_slug)}/{_safe(f.path)}", f.content)
        for work in practice.for_meeting(session, meeting):  # a practice case's slug is never a real case's
            for f in work.files:
                zf.writestr(f"files/{_safe(work.case_slug)}/{_safe(f.path)}", f.content)
    return buf.getvalue()
