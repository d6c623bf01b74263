"""The practice round: a candidate's warm-up on a practice case before their real one (issue 15).

A warm-up is a :class:`PracticeSubmission`: the same workspace, queue and sandbox as real work, but nobody else
sees it and it moves nothing forward. Because ``select(Submission)`` never finds it, review pages, talking points,
the brief, analytics, pipeline stages and partners leave it out without knowing it exists; the rules that must
know are here and in the few services that say so: its own small run limit (``runs.request_run``), no case
deadline and no hand-in (``submissions``), no events (``events.emit``), and the candidate's data, which it is:
the export (``data_export``) and erasure (``erasure``) take it along.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, Library
from caseportal.i18n import N_
from caseportal.i18n import gettext as _
from caseportal.models import (
    Meeting,
    PracticeSubmission,
    Run,
    RunArtifact,
    RunKind,
    SubmissionFile,
    SubmissionStatus,
    utcnow,
)

from . import case_versions
from .errors import NotFound

#: Why a warm-up is never handed in (said by ``submissions.submit`` and the hand-in view).
NOTHING_TO_HAND_IN = N_("The warm-up is only for you, so there is nothing to hand in. Your case is waiting for you "
                        "on your meeting page.")
#: Check runs of one warm-up per hour: enough to try things, small enough that warm-ups never crowd out the
#: real cases on the workers. Apart from the meeting's limit, so a warm-up costs the real case nothing.
RUNS_PER_HOUR = 10


def offer(library: Library) -> CaseSpec | None:
    """The warm-up offered to candidates: the library's first practice case, or None when it has none."""
    return next((library.practice[slug] for slug in sorted(library.practice)), None)


def get(session: Session, meeting: Meeting, slug: str) -> PracticeSubmission | None:
    """The meeting's warm-up on practice case ``slug``, if started."""
    return session.scalar(select(PracticeSubmission).where(PracticeSubmission.meeting_id == meeting.id,
                                                           PracticeSubmission.case_slug == slug))


def for_meeting(session: Session, meeting: Meeting) -> list[PracticeSubmission]:
    """Every warm-up of the meeting (the candidate's data: export, erasure)."""
    return list(session.scalars(select(PracticeSubmission).where(PracticeSubmission.meeting_id == meeting.id)
                                .order_by(PracticeSubmission.id)))


def start(session: Session, meeting: Meeting, case: CaseSpec, now: datetime | None = None) -> PracticeSubmission:
    """Start the warm-up with the practice case's starter files; a started one is returned as it is.

    No deadline, hand-in or other case stops a warm-up, and starting one emits nothing: it is nobody's news.
    """
    if not case.practice:
        raise NotFound(_("This case is not part of your meeting."))
    existing = get(session, meeting, case.slug)
    if existing is not None:
        return existing
    now = now or utcnow()
    case_versions.snapshot(session, case)  # the worker runs the version the warm-up started on, like real work
    work = PracticeSubmission(meeting_id=meeting.id, case_slug=case.slug, case_version=case.version,
                              status=SubmissionStatus.DRAFT, started_at=now, updated_at=now)
    work.files = [SubmissionFile(path=path, content=content, size=len(content),
                                 sha256=hashlib.sha256(content).hexdigest(), updated_at=now)
                  for path, content in sorted(case.starter_files.items())]
    session.add(work)
    session.flush()
    return work


def _delete(session: Session, ids: list[int]) -> None:
    """Remove warm-ups with their files, runs and run artifacts (a run still in flight then records nothing:
    ``runs.record`` finds no row to update)."""
    if not ids:
        return
    run_ids = select(Run.id).where(Run.submission_id.in_(ids)).scalar_subquery()
    session.execute(delete(RunArtifact).where(RunArtifact.run_id.in_(run_ids)))
    session.execute(delete(Run).where(Run.submission_id.in_(ids)))
    session.execute(delete(SubmissionFile).where(SubmissionFile.submission_id.in_(ids)))
    session.execute(delete(PracticeSubmission).where(PracticeSubmission.id.in_(ids)))


def reset(session: Session, meeting: Meeting, case: CaseSpec, now: datetime | None = None) -> PracticeSubmission:
    """Start over: the warm-up's files back to the starter, its results gone."""
    existing = get(session, meeting, case.slug)
    if existing is not None:
        _delete(session, [existing.id])
    return start(session, meeting, case, now)


def erase(session: Session, meeting: Meeting) -> int:
    """Delete every warm-up of the meeting (erasure, retention); returns how many there were."""
    ids = [w.id for w in for_meeting(session, meeting)]
    _delete(session, ids)
    return len(ids)


def recent_check_runs(session: Session, work: PracticeSubmission, now: datetime | None = None) -> int:
    """The warm-up's check runs in the last hour, for its own run limit (:data:`RUNS_PER_HOUR`)."""
    since = (now or utcnow()) - timedelta(hours=1)
    return session.scalar(select(func.count(Run.id)).where(Run.submission_id == work.id, Run.kind == RunKind.CHECK,
                                                           Run.created_at > since)) or 0
