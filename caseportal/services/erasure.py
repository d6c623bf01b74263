"""Erasing one candidate: everything personal goes, what analytics needs stays, in one transaction.

Goes: name and email, place and video link, the manager's feedback, the invitation links, the files, notes and
questions, run outputs and artifacts, talking points, line comments, dropped suggestions, the feedback comment,
the postponement reason, and notifications that name the candidate or point at their work. Stays: the meeting
with its role, cases, times and outcome, the submissions' stages and times, the runs' outcomes and durations,
the ratings: the analytics page reads the same totals before and after.

Everything lives in the database (files too), so the one transaction is the whole erasure: a worker killed
half-way leaves the candidate untouched and the next job run erases them. On SQLite the freed pages are
overwritten (``secure_delete``) and the write-ahead log is checkpointed and truncated afterwards, so no copy
lingers in the files under the instance folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import Session

from caseportal.config import Settings
from caseportal.db import Database
from caseportal.models import (
    CandidateFeedback,
    DroppedSuggestion,
    Invitation,
    LineComment,
    Meeting,
    MeetingRetention,
    Notification,
    Run,
    RunArtifact,
    RunStatus,
    Submission,
    SubmissionFile,
    TalkingPoint,
    utcnow,
)

from . import audit, practice, retention
from .audit import Actor
from .notify import REVIEW_PATH

log = logging.getLogger(__name__)

#: What an erased candidate is called on staff pages.
ERASED_NAME = "—"
#: Why a candidate was erased (the audit log's detail).
REASONS = ("retention", "request", "withdrawal")
#: The outcome of a run that was queued or running when its candidate was erased: its result is never recorded.
ERASED_RUN_OUTCOME = "erased"


def _secure_delete(session: Session) -> None:
    """On SQLite, overwrite deleted content with zeros (a per-connection setting; harmless to leave on)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))


def erase_candidate(session: Session, meeting: Meeting, actor: Actor | None, reason: str,
                    now: datetime | None = None, step: Callable[[str], None] | None = None) -> bool:
    """Erase the candidate of ``meeting`` inside the caller's transaction; False when already erased.

    ``step`` is told each stage's name (tests use it to kill a worker half-way).
    """
    if reason not in REASONS:
        raise ValueError(f"unknown erasure reason {reason!r}")
    now = now or utcnow()
    step = step or (lambda _name: None)
    # One erasure per meeting at a time: the row lock makes a second one wait, then see erased_at and stop.
    session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    rec = retention.record_for(session, meeting)
    session.refresh(rec)
    if rec.erased_at is not None:
        return False
    _secure_delete(session)
    name, email = meeting.candidate_name, meeting.candidate_email
    practice.erase(session, meeting)  # the warm-up goes whole: nothing of it is kept for statistics
    sub_ids = list(session.scalars(select(Submission.id).where(Submission.meeting_id == meeting.id)))
    run_ids = list(session.scalars(select(Run.id).where(Run.submission_id.in_(sub_ids)))) if sub_ids else []

    meeting.candidate_name, meeting.candidate_email = ERASED_NAME, f"erased-{meeting.id}@erased.invalid"
    meeting.place = meeting.video_link = meeting.manager_feedback = ""
    meeting.manager_feedback_shared = meeting.brief_shared = False
    session.execute(update(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.revoked_at.is_(None))
                    .values(revoked_at=now))
    session.execute(update(Invitation).where(Invitation.meeting_id == meeting.id).values(nonce="erased"))
    step("meeting")
    if sub_ids:
        session.execute(delete(SubmissionFile).where(SubmissionFile.submission_id.in_(sub_ids)))
        session.execute(update(Submission).where(Submission.id.in_(sub_ids))
                        .values(notes_more_time="", questions=""))
        step("files")
        for model in (TalkingPoint, LineComment, DroppedSuggestion):
            session.execute(delete(model).where(model.submission_id.in_(sub_ids)))
        step("review")
    if run_ids:
        session.execute(delete(RunArtifact).where(RunArtifact.run_id.in_(run_ids)))
        # A run in flight loses its claim here, so the worker's result no longer matches and is dropped
        # (services.runs.record only records for the attempt holding the claim on a running run).
        session.execute(update(Run).where(Run.id.in_(run_ids), Run.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
                        .values(status=RunStatus.ERROR, outcome=ERASED_RUN_OUTCOME, claim_token=None,
                                lease_until=None, finished_at=now))
        session.execute(update(Run).where(Run.id.in_(run_ids)).values(explanation="", result_json=None))
        step("runs")
    session.execute(update(CandidateFeedback).where(CandidateFeedback.meeting_id == meeting.id).values(comment=""))
    links = [REVIEW_PATH.format(id=i) for i in sub_ids]
    mentions = [Notification.text.contains(v) for v in (name, email) if v and v != ERASED_NAME]
    if links or mentions:
        session.execute(delete(Notification).where(or_(*mentions, *[Notification.link.startswith(p) for p in links])))
    step("notifications")
    rec.postpone_reason, rec.erased_at = "", now
    rec.erase_after = rec.erase_after or now
    audit.record(session, actor, "erase", "meeting", meeting.id, meeting_id=meeting.id, detail=f"reason={reason}",
                 now=now)
    session.flush()
    step("done")
    return True


def scrub_files(database: Database) -> bool:
    """After erasures on SQLite: copy the log into the database file and truncate it, so no old page survives in
    the write-ahead log. True when done (or not SQLite); a busy database is tried again on the next job run."""
    if database.engine.dialect.name != "sqlite":
        return True
    with database.engine.connect() as conn:
        busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return not busy


def erase_due(database: Database, settings: Settings, now: datetime | None = None,
              step: Callable[[str], None] | None = None) -> list[int]:
    """Erase every candidate past retention or past their withdrawal's grace period; one transaction each.

    Idempotent and resumable: an erased candidate is skipped, one interrupted half-way was rolled back and is
    simply erased again. Returns the meetings erased by this call.
    """
    now = now or utcnow()
    with database.begin() as s:
        ids = retention.due_ids(s, settings, now)
    done = []
    for meeting_id in ids:
        with database.begin() as s:
            meeting = s.get(Meeting, meeting_id)
            if meeting is None:
                continue
            rec = s.get(MeetingRetention, meeting_id)
            reason = "withdrawal" if rec is not None and rec.withdrawn_at is not None else "retention"
            if erase_candidate(s, meeting, audit.SYSTEM, reason, now=now, step=step):
                done.append(meeting_id)
        log.info("erased the data of meeting %s (%s)", meeting_id, reason)
    if done and not scrub_files(database):
        log.warning("the database was busy; its write-ahead log is truncated on the next retention run")
    return done
