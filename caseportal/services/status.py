"""What an operator asks of a running caseportal: is the database there, how deep is the queue, which workers
are alive, what failed lately. One module behind ``/readyz``, ``/metrics`` and ``caseportal status``, so the
three never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from caseportal.db import Database
from caseportal.models import Run, RunStatus, WorkerHeartbeat, utcnow

#: A worker beats every BEAT_S seconds; one silent for LIVE_S is counted as gone (it missed several beats).
BEAT_S = 10
LIVE_S = 45
#: Rows of workers silent this long are removed, so the table holds only recent processes.
FORGET_S = 24 * 3600


@dataclass(frozen=True)
class Failure:
    """A run that ended in an infrastructure error (never the candidate's fault), for the operator."""

    run_id: int
    finished_at: datetime | None
    worker: str
    detail: str


def ping_database(session: Session) -> None:
    """Raises (sqlalchemy.exc.DBAPIError) when the database does not answer."""
    session.execute(text("SELECT 1"))


def beat(session: Session, name: str, *, docker_ok: bool, now: datetime | None = None) -> None:
    """Record that worker ``name`` is alive; also forgets workers silent for a day."""
    now = now or utcnow()
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(name=name[:200], started_at=now, seen_at=now, docker_ok=docker_ok))
    else:
        row.seen_at, row.docker_ok = now, docker_ok
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - timedelta(seconds=FORGET_S)))


def leave(session: Session, name: str) -> None:
    """A worker that stops cleanly removes its row at once instead of fading out after LIVE_S."""
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))


def live_workers(session: Session, now: datetime | None = None) -> list[WorkerHeartbeat]:
    """Workers heard from within LIVE_S, oldest first."""
    now = now or utcnow()
    return list(session.scalars(select(WorkerHeartbeat).where(
        WorkerHeartbeat.seen_at >= now - timedelta(seconds=LIVE_S)).order_by(WorkerHeartbeat.started_at)))


def queue_depth(session: Session) -> int:
    """Runs waiting for a worker (the database's count: right whichever queue backend carries the jobs)."""
    return session.scalar(select(func.count(Run.id)).where(Run.status == RunStatus.QUEUED)) or 0


def running_count(session: Session) -> int:
    return session.scalar(select(func.count(Run.id)).where(Run.status == RunStatus.RUNNING)) or 0


def recent_failures(session: Session, limit: int = 10) -> list[Failure]:
    """The newest runs that failed on our side after every retry, newest first."""
    rows = session.scalars(select(Run).where(Run.status == RunStatus.ERROR)
                           .order_by(Run.finished_at.desc(), Run.id.desc()).limit(limit))
    return [Failure(run_id=r.id, finished_at=r.finished_at, worker=r.worker,
                    detail=_infra_detail(r.result_json) or r.explanation) for r in rows]


def _infra_detail(result_json: str | None) -> str:
    try:
        return str(json.loads(result_json or "{}").get("infra_detail") or "")
    except ValueError:
        return ""


def outcome_counts(session: Session) -> dict[str, int]:
    """Finished runs by outcome ("passed", "failed", "timeout", "infra_error", ...)."""
    rows = session.execute(select(Run.outcome, func.count(Run.id))
                           .where(Run.status.in_([RunStatus.DONE, RunStatus.ERROR])).group_by(Run.outcome))
    return {str(outcome or "unknown"): int(n) for outcome, n in rows}


def run_timings(session: Session) -> tuple[list[float], list[float]]:
    """(run durations, queue waits) in seconds over every started run, for the histograms."""
    durations: list[float] = []
    waits: list[float] = []
    rows = session.execute(select(Run.duration_s, Run.created_at, Run.started_at)
                           .where(Run.started_at.is_not(None)).execution_options(yield_per=2000))
    for duration, created, started in rows:
        if duration is not None:
            durations.append(float(duration))
        if created is not None and started is not None:
            waits.append(max(0.0, (started - created).total_seconds()))
    return durations, waits


def readiness(database: Database, huey: Any, docker_probe: Callable[[], bool] | None = None) -> dict[str, str]:
    """Each dependency -> "ok" or why not: the database, the queue backend and, for a worker, Docker."""
    checks: dict[str, str] = {}
    try:
        with database.begin() as s:
            ping_database(s)
        checks["database"] = "ok"
    except Exception as err:  # noqa: BLE001 - any failure is "not ready", reported by its class, not a trace
        checks["database"] = f"unreachable ({type(err).__name__})"
    try:
        huey.pending_count()
        checks["queue"] = "ok"
    except Exception as err:  # noqa: BLE001 - as above
        checks["queue"] = f"unreachable ({type(err).__name__})"
    if docker_probe is not None:
        checks["docker"] = "ok" if docker_probe() else "unreachable"
    return checks
