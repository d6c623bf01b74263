"""Where each meeting stands: the candidate's way from the invitation to the meeting, stage by stage.

Dashboards and analytics read the same stages, so a meeting counts alike on every page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.models import Meeting, Submission, SubmissionStatus

#: The candidate's way through a meeting, in order; each stage is done when it has a time.
STAGES: tuple[str, ...] = ("invited", "opened", "started", "submitted", "reviewed", "met")

Stage = tuple[str, datetime | None]


def pipelines(session: Session, meetings: Sequence[Meeting]) -> dict[int, list[Stage]]:
    """The pipeline of many meetings with one query for their submissions (dashboards)."""
    ids = [m.id for m in meetings]
    subs: dict[int, list[Submission]] = {i: [] for i in ids}
    if ids:
        for sub in session.scalars(select(Submission).where(Submission.meeting_id.in_(ids))):
            subs[sub.meeting_id].append(sub)
    return {m.id: _stages(m, subs[m.id]) for m in meetings}


def pipeline(session: Session, meeting: Meeting) -> list[Stage]:
    """Where a meeting stands: each of STAGES with the time it was first reached, or None.

    invited: first invitation issued; opened: a link first opened; started: a submission exists;
    submitted: a submission handed in; reviewed: a submission reviewed; met: the meeting took place.
    """
    return pipelines(session, [meeting])[meeting.id]


def _earliest(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _stages(meeting: Meeting, subs: list[Submission]) -> list[Stage]:
    invs = meeting.invitations
    submitted = [s for s in subs if s.status == SubmissionStatus.SUBMITTED]
    return [
        ("invited", _earliest(i.issued_at for i in invs)),
        ("opened", _earliest(i.first_opened_at for i in invs)),
        ("started", _earliest(s.started_at for s in subs)),
        ("submitted", _earliest(s.submitted_at or s.updated_at for s in submitted)),
        ("reviewed", _earliest(s.reviewed_at for s in subs)),
        ("met", meeting.met_at),
    ]
