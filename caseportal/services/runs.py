"""Runs of submissions in the sandbox: request (rate-limited), claim, heartbeat, record exactly once, retry.

The run row is the source of truth. A queue job carries only the run id; whichever attempt holds the current
claim token may record the result, so a job delivered twice, or re-run after a worker was killed, records once.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, display_checks
from caseportal.i18n import N_, current_language, ngettext
from caseportal.i18n import gettext as _
from caseportal.models import (
    CaseWork,
    Meeting,
    PracticeSubmission,
    Run,
    RunArtifact,
    RunKind,
    RunStatus,
    Submission,
    utcnow,
)

from . import events, practice
from .errors import Invalid, RateLimited

#: Stored on the run in English (the worker has no visitor); :func:`view` shows it in the visitor's language.
#: Shown while a run whose worker stopped is taken over (``Run.restarts``), instead of "running" for minutes.
RESTART_NOTE = N_("A test machine stopped; your run is starting again on another one.")
INFRA_EXPLANATION = N_(
    "Our test machines had a problem running your work. This is not your fault and does not count against "
    "you; we will try again, and the team can see what happened."
)


def files_digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    return h.hexdigest()


def request_run(session: Session, submission: CaseWork, kind: RunKind, *, runs_per_hour: int,
                now: datetime | None = None) -> Run:
    """Create a queued run (the caller commits, then enqueues its id).

    A candidate's check run that is already waiting is returned instead of starting another; check runs
    per meeting are limited per hour so one candidate cannot hog the workers. A warm-up has its own limit
    (``practice.RUNS_PER_HOUR``) and its runs never count towards the meeting's.
    """
    now = now or utcnow()
    if not submission.files:
        raise Invalid(_("There are no files to run yet. Save or upload your work first."))
    if kind == RunKind.CHECK:
        # Requests of one meeting take turns, so the waiting-run check and the hourly count below see every
        # request committed before this one. The lock is taken with a write: it locks the row on PostgreSQL and
        # takes SQLite's single write lock, where FOR UPDATE is ignored and reads run outside a transaction.
        session.execute(update(Meeting).where(Meeting.id == submission.meeting_id).values(id=Meeting.id))
        pending = session.scalar(
            select(Run).where(Run.submission_id == submission.id, Run.kind == RunKind.CHECK,
                              Run.status.in_([RunStatus.QUEUED, RunStatus.RUNNING])).order_by(Run.id.desc())
        )
        if pending is not None:
            return pending
        if isinstance(submission, PracticeSubmission):
            runs_per_hour, recent = practice.RUNS_PER_HOUR, practice.recent_check_runs(session, submission, now)
        else:  # joining Submission leaves warm-up runs out of the count
            recent = session.scalar(
                select(func.count(Run.id)).join(Submission, Submission.id == Run.submission_id).where(
                    Submission.meeting_id == submission.meeting_id, Run.kind == RunKind.CHECK,
                    Run.created_at > now - timedelta(hours=1))
            ) or 0
        if recent >= runs_per_hour:
            raise RateLimited(ngettext(
                "You have run the checks %(num)s time in the last hour, which is our limit. "
                "Please wait a little before running them again; your work is saved.",
                "You have run the checks %(num)s times in the last hour, which is our limit. "
                "Please wait a little before running them again; your work is saved.", recent
            ))
    run = Run(submission_id=submission.id, kind=kind, status=RunStatus.QUEUED, created_at=now,
              files_sha256=files_digest(submission.file_map()))
    session.add(run)
    session.flush()
    return run


def _rows_changed(session: Session, statement: Executable) -> int:
    """Rows an UPDATE changed: the compare-and-set that makes claims exclusive. Session.execute is typed as a
    plain Result, but for DML it returns a CursorResult, which carries the count."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def claim(session: Session, run_id: int, worker: str, lease_s: int, now: datetime | None = None) -> str | None:
    """Take the run for one attempt; None when it is done or another live attempt holds it.

    One conditional UPDATE: PostgreSQL re-checks the condition after a concurrent claim commits, so two
    workers racing for a run never both get a token.
    """
    now = now or utcnow()
    token = secrets.token_hex(16)
    stmt = (
        update(Run)
        .where(Run.id == run_id,
               or_(Run.status == RunStatus.QUEUED,
                   and_(Run.status == RunStatus.RUNNING, Run.lease_until < now)))
        .values(status=RunStatus.RUNNING, claim_token=token, attempts=Run.attempts + 1,
                lease_until=now + timedelta(seconds=lease_s), worker=worker[:200],
                started_at=func.coalesce(Run.started_at, now),
                # Taking over a running run means its holder stopped: the candidate's page says so.
                restarts=Run.restarts + case((Run.status == RunStatus.RUNNING, 1), else_=0))
        .execution_options(synchronize_session=False)
    )
    return token if _rows_changed(session, stmt) == 1 else None


def heartbeat(session: Session, run_id: int, token: str, lease_s: int, now: datetime | None = None) -> bool:
    """Extend the lease of a live attempt; False when the attempt lost its claim."""
    now = now or utcnow()
    stmt = (
        update(Run).where(Run.id == run_id, Run.claim_token == token, Run.status == RunStatus.RUNNING)
        .values(lease_until=now + timedelta(seconds=lease_s)).execution_options(synchronize_session=False)
    )
    return _rows_changed(session, stmt) == 1


def record(session: Session, run_id: int, token: str, result: Any, now: datetime | None = None,
           limits: dict[str, Any] | None = None) -> bool:
    """Store a sandbox RunResult for the attempt holding the claim; any other attempt's result is dropped.

    The run's limits are kept with it, so that the explanation can be told again in the visitor's language.
    """
    now = now or utcnow()
    data = result.to_dict()
    data.pop("artifacts", None)
    if limits:
        data["limits"] = dict(limits)
    stmt = (
        update(Run).where(Run.id == run_id, Run.claim_token == token, Run.status == RunStatus.RUNNING)
        .values(status=RunStatus.DONE, outcome=str(getattr(result.outcome, "value", result.outcome)),
                explanation=result.explanation, result_json=json.dumps(data), finished_at=now,
                duration_s=result.duration_s, lease_until=None, recorded_count=Run.recorded_count + 1)
        .execution_options(synchronize_session=False)
    )
    if _rows_changed(session, stmt) != 1:
        return False
    for name, content in sorted((result.artifacts or {}).items()):
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        session.add(RunArtifact(run_id=run_id, name=name[:255], content=content, mime=mime))
    events.emit(session, "run.finished", run_id=run_id, outcome=str(getattr(result.outcome, "value", result.outcome)))
    return True


def release_for_retry(session: Session, run_id: int, token: str, error: str, max_attempts: int,
                      now: datetime | None = None) -> bool:
    """After an infrastructure error: back to the queue (True) or, past the attempts, an error for staff."""
    now = now or utcnow()
    run = session.get(Run, run_id, populate_existing=True)
    if run is None or run.claim_token != token or run.status != RunStatus.RUNNING:
        return False
    if run.attempts < max_attempts:
        run.status, run.claim_token, run.lease_until = RunStatus.QUEUED, None, None
        run.explanation = f"Retrying after an infrastructure problem: {error}"[:2000]
        return True
    run.status, run.claim_token, run.lease_until = RunStatus.ERROR, None, None
    run.outcome, run.finished_at = "infra_error", now
    run.explanation = INFRA_EXPLANATION
    run.result_json = json.dumps({"outcome": "infra_error", "infra_detail": error[:4000], "checks": []})
    return False


def stale_run_ids(session: Session, now: datetime | None = None, queued_grace_s: int = 120) -> list[int]:
    """Runs whose worker died (lease expired) or whose job may never have reached the queue (web process killed)."""
    now = now or utcnow()
    return sorted({*interrupted_run_ids(session, now), *lost_queued_run_ids(session, now, queued_grace_s)})


def interrupted_run_ids(session: Session, now: datetime | None = None) -> list[int]:
    """Runs a worker claimed and stopped extending (killed, paused, cut off): only an expired lease counts.

    A run that merely waits in the queue, however long, is never interrupted.
    """
    now = now or utcnow()
    return list(session.scalars(select(Run.id).where(Run.status == RunStatus.RUNNING, Run.lease_until < now)
                                .order_by(Run.id)))


def lost_queued_run_ids(session: Session, now: datetime | None = None, grace_s: int = 120) -> list[int]:
    """Queued runs older than ``grace_s``: their job may never have reached the queue (web process killed).

    Only meaningful while the queue holds no job: with a backlog, an old queued run is simply waiting.
    """
    now = now or utcnow()
    return list(session.scalars(select(Run.id).where(
        Run.status == RunStatus.QUEUED, Run.created_at < now - timedelta(seconds=grace_s)).order_by(Run.id)))


def expire_dead_claims(session: Session, host: str, is_alive: Callable[[int], bool],
                       now: datetime | None = None) -> list[int]:
    """End the leases of runs held by processes on this host that no longer exist (a restarted worker).

    Worker names are "host:pid:thread"; only this host's pids can be checked, others wait for their lease.
    """
    now = now or utcnow()
    expired = []
    for run in session.scalars(select(Run).where(Run.status == RunStatus.RUNNING,
                                                 Run.worker.startswith(f"{host}:"))):
        parts = run.worker.split(":")
        if len(parts) >= 2 and parts[1].isdigit() and not is_alive(int(parts[1])):
            run.lease_until = now - timedelta(seconds=1)
            expired.append(run.id)
    return expired


def latest_runs(session: Session, submission_id: int, limit: int = 10) -> list[Run]:
    """A submission's newest runs, newest first: the one query behind the candidate's and the reviewer's pages."""
    return list(session.scalars(
        select(Run).where(Run.submission_id == submission_id).order_by(Run.id.desc()).limit(limit)))


@dataclass(frozen=True)
class RunView:
    """What one audience may see of a run: candidates never see hidden checks or infra details."""

    id: int
    kind: str
    status: str
    outcome: str | None
    explanation: str
    checks: list[dict[str, Any]]
    stdout: str
    stderr: str
    duration_s: float | None
    metrics: dict[str, Any]
    artifacts: list[str]
    finished: bool
    note: str = ""  # what is happening to an unfinished run, when it is more than "waiting" or "running"

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def candidate_explanation(outcome: str, visible_checks: list[dict[str, Any]], limits: dict[str, Any]) -> str:
    """The outcome told in the visitor's language (the sandbox words it in English, for the logs and staff).

    Counts come from the checks the candidate can see, so a full run never reveals how many hidden ones failed.
    """
    counted = [c for c in visible_checks if c.get("status") != "advisory"]
    bad = [c for c in counted if c.get("status") in ("failed", "error")]
    if outcome in ("passed", "failed"):
        if bad:
            return ngettext("%(bad)s of %(num)s check did not pass.", "%(bad)s of %(num)s checks did not pass.",
                            len(counted), bad=len(bad))
        if counted:
            return ngettext("The %(num)s check you can see passed.", "All %(num)s checks you can see passed.",
                            len(counted))
        return _("The run finished.")
    if outcome == "timeout" and limits.get("timeout_s"):
        return _("Your code ran longer than the %(limit)s s time limit and was stopped.",
                 limit=f"{float(limits['timeout_s']):g}")
    if outcome == "oom" and limits.get("memory_mb"):
        return _("Your code used more than the %(limit)s MB memory limit and was stopped.",
                 limit=limits["memory_mb"])
    if outcome == "output_limit":
        return _("Your code printed more output than the limit allows, so the run was stopped.")
    if outcome == "crashed":
        return _("Your code stopped before the checks could report their results. The output may show why.")
    return ""


#: What a candidate reads about a run after handing in: nothing of its checks, counts or metrics, which the judge
#: computed on material the candidate must never learn (docs/sandbox-contract.md, "What a candidate sees").
HANDED_IN_EXPLANATION = N_("Your work has been handed in and checked. The team goes through the results with you "
                           "in the meeting.")


def view(run: Run, audience: str, spec: CaseSpec | None = None) -> RunView:
    """The run as shown to "candidate" or "reviewer".

    What a candidate sees is decided here from the kind of run, never from flags in the stored results: a
    practice run mounts only the case's visible checks and data, so all it reports is the candidate's own
    material; a full run (after handing in) shows no check, count, message, metric or output at all.
    With the run's case (``spec``) each check row reads in the visitor's language (casebook.display_checks:
    ``name`` is the display name, ``check`` the checker's, ``message`` and ``text`` translated)."""
    data: dict[str, Any] = json.loads(run.result_json) if run.result_json else {}
    checks = list(data.get("checks") or [])
    if spec is not None:
        checks = display_checks(spec, checks, current_language(), {"ok": _("ok"), "not ok": _("not ok")})
    finished = run.status in (RunStatus.DONE, RunStatus.ERROR)
    practice = run.kind == RunKind.CHECK
    candidate = audience == "candidate"
    explanation = _(run.explanation) if run.explanation == INFRA_EXPLANATION else run.explanation
    if candidate:  # a flag can only hide a check from a candidate here, never show one
        checks = [c for c in checks if c.get("visible", True) is True] if practice else []
    if candidate and not practice:
        explanation = _(HANDED_IN_EXPLANATION) if finished else ""
    elif candidate and finished and run.outcome and run.outcome != "infra_error" and current_language() != "en":
        explanation = candidate_explanation(run.outcome, checks, dict(data.get("limits") or {})) or explanation
    if candidate and run.status == RunStatus.QUEUED and run.attempts:
        explanation = _("Waiting for a free test machine.")
    show_output = not candidate or practice
    return RunView(
        id=run.id, kind=run.kind.value, status=run.status.value, outcome=run.outcome if not candidate or practice
        else None,
        explanation=explanation if (finished or not candidate) else "",
        checks=checks, stdout=str(data.get("stdout") or "") if show_output else "",
        stderr=str(data.get("stderr") or "") if show_output else "",
        duration_s=run.duration_s, metrics=dict(data.get("metrics") or {}) if show_output else {},
        artifacts=[a.name for a in run.artifacts] if not candidate else [],
        finished=finished, note=restart_note(run) if not finished else "",
    )


def restart_note(run: Run, now: datetime | None = None) -> str:
    """The restart note for a run taken over from a stopped worker, or whose worker just went silent."""
    expired = run.status == RunStatus.RUNNING and run.lease_until is not None and run.lease_until < (now or utcnow())
    return _(RESTART_NOTE) if run.restarts or expired else ""
