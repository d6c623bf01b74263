"""Proof of erasure (issue 12 item 5): a full journey built through the services, erased, then every text and blob
column of every table and every file under the instance folder is searched for the candidate's name, e-mail and a
marker planted in their files: zero hits, and the analytics read the same. Plus the faults: erasing twice, a run
in flight, a worker killed half-way. Runs on SQLite and PostgreSQL (``db_backend``)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, LargeBinary, String, Text, func, select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.config import Settings
from caseportal.db import Database
from caseportal.models import (
    AuditEvent,
    Base,
    LineComment,
    Meeting,
    MeetingRetention,
    Run,
    RunArtifact,
    RunKind,
    RunStatus,
    StaffRole,
    Submission,
    SubmissionFile,
    TalkingPoint,
    utcnow,
)
from caseportal.services import analytics, audit, erasure, feedback, notify, privacy, retention, review, runs
from sandbox.spec import CheckResult, Outcome, RunResult
from tests.conftest import SOLUTION, Factory, install_case, login
from tests.unit.conftest import SMTPState

NAME = "Ingeborg Quillfeather"
EMAIL = "ingeborg.quillfeather@example.net"
MARK = "zq-marker-4f1c9e7a"
NEEDLES = (NAME, EMAIL, MARK)


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    return install_case(app, tmp_path / "library")


def result(extra: str = "", mark: str = MARK, name: str = NAME) -> RunResult:
    return RunResult(outcome=Outcome.failed, checks=(
        CheckResult("test_visible", "passed"), CheckResult("test_hidden", "failed", f"{mark} expected", False)),
        stdout=f"hello {name} {mark}{extra}", metrics={"p95_ms": 12.0},
        artifacts={"report.html": f"<p>{mark} {name}</p>".encode()})


def journey(app: Flask, session: Session, factory: Factory, case: CaseSpec, settings: Settings,
            candidate: str = NAME, email: str = EMAIL, mark: str = MARK) -> Meeting:
    """Everything a candidate leaves behind, each piece made by the service that makes it in real use."""
    reviewer, manager = factory.user(StaffRole.REVIEWER), factory.user(StaffRole.MANAGER)
    meeting = factory.meeting(reviewers=[reviewer, manager], cases=[case.slug], candidate=candidate,
                              created_by_id=manager.id)
    meeting.candidate_email, meeting.place = email, f"Room of {candidate}"
    feedback.set_manager_feedback(meeting, f"Thank you {candidate}, {mark}", shared=True)
    factory.invite(meeting)
    files = {"solution.py": SOLUTION + f"# {mark}\n".encode(), "notes.md": f"{mark} by {candidate}".encode()}
    sub = factory.submission(meeting, files, case=case, notes=f"{mark}: more time", questions=f"{mark} team?")
    factory.run(sub, result(mark=mark, name=candidate))
    factory.run(sub, result(" check", mark, candidate), kind=RunKind.CHECK)
    review.add_talking_point(session, sub, reviewer, f"Ask {candidate} about {mark}", "solution.py", 1)
    review.add_comment(session, sub, reviewer, "solution.py", 1, f"{mark} nice, {candidate}")
    feedback.give(session, meeting, sub, feedback.FeedbackInput(realistic=4, fair=5, minutes_spent=80,
                                                                  interest_change="more", comment=f"{mark} fun"))
    notify.notify_submission(session, settings, sub, settings.base_url, library=app.extensions["caseportal.casebook"])
    retention.close_meeting(session, meeting, "not_continuing", manager)
    session.commit()
    return meeting


def hits(session: Session, instance: Path, needles: tuple[str, ...] = NEEDLES) -> list[str]:
    """Every place a needle is found: table.column (all text and blob columns) and files under the instance."""
    found = []
    for table in Base.metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, String | Text | LargeBinary | JSON)]
        for row in session.execute(select(*cols)) if cols else []:
            for col, value in zip(cols, row, strict=True):
                raw = value if isinstance(value, bytes) else str(value).encode()
                found += [f"{table.name}.{col.name}: {n}" for n in needles if n.encode() in raw]
    for path in instance.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(instance)}: {n}" for n in needles if n.encode() in data]
    return found


def figures(session: Session, app: Flask) -> tuple[Any, ...]:
    rows = analytics.meeting_rows(session, app.extensions["caseportal.casebook"], analytics.Filters())
    return (rows, analytics.funnel(rows), analytics.time_spent(rows), analytics.ratings(session, analytics.Filters()))


def test_a_full_journey_erased_leaves_no_trace(app: Flask, session: Session, factory: Factory, case: CaseSpec,
                                              settings: Settings, client: FlaskClient,
                                              smtp_server: tuple[int, SMTPState]) -> None:
    settings = settings.with_(mail_server="127.0.0.1", mail_port=smtp_server[0])
    meeting = journey(app, session, factory, case, settings)
    other = journey(app, session, factory, case, settings, candidate="Other Person", email="other@example.org",
                    mark="other-marker")
    admin = factory.user(StaffRole.ADMIN)
    login(client, admin)
    assert client.get(f"/meetings/{meeting.id}/brief.pdf").data.startswith(b"%PDF")  # rendered, never stored
    assert smtp_server[1].messages, "the reviewers were mailed"
    before = figures(session, app)
    assert hits(session, settings.instance_path), "the journey left the needles to find"
    session.commit()

    resp = client.post(f"/meetings/{meeting.id}/data/erase", data={"confirm": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert resp.location.endswith(f"/meetings/{meeting.id}/outcome"), resp.location
    session.close()
    assert erasure.scrub_files(app.extensions["caseportal.db"])
    assert hits(session, settings.instance_path) == []
    assert figures(session, app) == before
    brief_page = client.get(f"/meetings/{meeting.id}/brief").get_data(as_text=True)
    assert NAME not in brief_page and MARK not in brief_page
    # The other candidate is untouched, and the erasure is in the audit log without personal data.
    assert len(hits(session, settings.instance_path, ("Other Person", "other@example.org", "other-marker"))) > 10
    assert session.get(Meeting, other.id).candidate_name == "Other Person"  # type: ignore[union-attr]
    erased = audit.events(session, meeting_id=meeting.id)
    assert [(e.action, e.actor_id, e.detail) for e in erased if e.action == "erase"] == [
        ("erase", admin.id, "reason=request")]


def _count(session: Session, model: Any, **where: Any) -> int:
    q = select(func.count()).select_from(model)
    for key, value in where.items():
        q = q.where(getattr(model, key) == value)
    return int(session.scalar(q) or 0)


def test_erasing_twice_changes_nothing_more(app: Flask, session: Session, factory: Factory, case: CaseSpec,
                                           settings: Settings) -> None:
    meeting = journey(app, session, factory, case, settings)
    assert erasure.erase_candidate(session, meeting, audit.SYSTEM, "request")
    session.commit()
    assert not erasure.erase_candidate(session, meeting, audit.SYSTEM, "request")
    session.commit()
    assert _count(session, AuditEvent, meeting_id=meeting.id, action="erase") == 1
    assert erasure.erase_due(app.extensions["caseportal.db"], settings, now=utcnow() + timedelta(days=3650)) == []


def test_a_run_in_flight_cannot_bring_data_back(app: Flask, session: Session, factory: Factory, case: CaseSpec,
                                               settings: Settings) -> None:
    meeting = journey(app, session, factory, case, settings)
    sub = session.scalars(select(Submission).where(Submission.meeting_id == meeting.id)).one()
    running = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=100)
    waiting = runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=100)
    session.commit()
    token = runs.claim(session, running.id, "tests:1:1", lease_s=300)
    session.commit()
    assert token is not None
    erasure.erase_candidate(session, meeting, audit.SYSTEM, "request")
    session.commit()
    # The worker finishes afterwards: its result (with the candidate's output and artifacts) is dropped.
    assert not runs.record(session, running.id, token, result())
    assert runs.claim(session, waiting.id, "tests:1:2", lease_s=300) is None  # the queued one never starts
    session.commit()
    session.close()
    assert {r.status for r in session.scalars(select(Run).where(Run.submission_id == sub.id))} == \
        {RunStatus.DONE, RunStatus.ERROR}
    assert _count(session, RunArtifact) == 0
    session.close()
    assert erasure.scrub_files(app.extensions["caseportal.db"])
    assert hits(session, settings.instance_path) == []


def test_a_worker_killed_half_way_resumes_and_nothing_is_half_erased(
        app: Flask, session: Session, factory: Factory, case: CaseSpec, settings: Settings) -> None:
    first = journey(app, session, factory, case, settings, candidate="First Person", email="first@example.org",
                    mark="first-marker")
    second = journey(app, session, factory, case, settings)
    session.close()
    later = utcnow() + timedelta(days=31 * settings.retention_months + 1)
    pid = os.fork()
    if pid == 0:  # the worker: erases the first candidate, then dies in the middle of the second
        code = 3
        try:
            seen: list[str] = []

            def die_half_way(stage: str) -> None:
                seen.append(stage)
                if seen.count("done") == 1 and stage == "review":
                    os._exit(9)

            erasure.erase_due(Database(settings.database_url), settings, now=later, step=die_half_way)
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9

    assert retention.is_erased(session, first.id) and not retention.is_erased(session, second.id)
    sub = session.scalars(select(Submission).where(Submission.meeting_id == second.id)).one()
    # The killed transaction left the second candidate whole: name, files, points, comments all there.
    assert session.get(Meeting, second.id).candidate_name == NAME  # type: ignore[union-attr]
    assert _count(session, SubmissionFile, submission_id=sub.id) == 2
    assert _count(session, TalkingPoint, submission_id=sub.id) == 1
    assert _count(session, LineComment, submission_id=sub.id) == 1
    session.close()

    assert erasure.erase_due(app.extensions["caseportal.db"], settings, now=later) == [second.id]
    assert _count(session, AuditEvent, meeting_id=first.id, action="erase") == 1
    assert hits(session, settings.instance_path) == []


def test_a_withdrawal_with_grace_is_erased_by_the_job_after_it(app: Flask, session: Session, factory: Factory,
                                                               case: CaseSpec, settings: Settings) -> None:
    settings = settings.with_(withdrawal_grace_days=7)
    meeting = journey(app, session, factory, case, settings)
    assert not privacy.withdraw(session, settings, meeting)
    session.commit()
    db = app.extensions["caseportal.db"]
    assert meeting.current_invitation is None
    assert erasure.erase_due(db, settings, now=utcnow() + timedelta(days=6)) == []
    assert erasure.erase_due(db, settings, now=utcnow() + timedelta(days=8)) == [meeting.id]
    rec = session.get(MeetingRetention, meeting.id, populate_existing=True)
    assert rec is not None and rec.erased_at is not None
    assert [e.detail for e in audit.events(session, meeting_id=meeting.id, actor_id=None) if e.action == "erase"] \
        == ["reason=withdrawal"]
