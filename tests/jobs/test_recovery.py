"""Prompt recovery: only runs whose lease expired count as interrupted, they restart beside the queue (never
behind its backlog), the restart is recorded on the run and told to the candidate."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session

from caseportal.config import Settings
from caseportal.db import Database
from caseportal.jobs import build_queue
from caseportal.models import Run, RunKind, RunStatus, Submission, utcnow
from caseportal.recovery import Recovery
from caseportal.services import runs
from tests.conftest import Factory


def _run(session: Session, factory: Factory) -> Run:
    sub: Submission = factory.submission(factory.meeting(), {"a.py": b"print(1)"}, submitted=False)
    run = runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=50)
    session.commit()
    return run


def test_only_an_expired_lease_counts_as_interrupted_and_the_takeover_is_recorded(
        app: Flask, session: Session, factory: Factory) -> None:
    waiting, held = _run(session, factory), _run(session, factory)
    t0 = utcnow()
    assert runs.claim(session, held.id, "dead:1:1", lease_s=5, now=t0)
    later = t0 + timedelta(hours=2)
    # A run that waited two hours in the queue is not interrupted; only the run whose lease ran out is.
    assert runs.interrupted_run_ids(session, now=later) == [held.id]
    assert runs.claim(session, waiting.id, "w:2:1", lease_s=5, now=later)
    assert runs.claim(session, held.id, "w:2:2", lease_s=5, now=later)
    session.commit()
    session.refresh(waiting)
    session.refresh(held)
    assert (waiting.restarts, held.restarts) == (0, 1)
    assert runs.view(waiting, "candidate").note == ""
    assert "starting again" in runs.view(held, "candidate").note
    from flask_babel import refresh

    with app.test_request_context(headers={"Accept-Language": "sv"}):
        refresh()  # the test holds one app context open; Babel caches the locale there
        assert "startar om" in runs.view(held, "candidate").note


def test_lost_jobs_are_requeued_only_while_the_queue_is_idle(settings: Settings, session: Session,
                                                            factory: Factory) -> None:
    run = _run(session, factory)
    q = build_queue(settings.with_(queue_url="memory", run_lease_seconds=0),
                    executor=lambda _s, _d, _r: None)
    time.sleep(1.1)
    q.enqueue_run(999_999)  # a backlog: the old queued run is simply waiting its turn
    assert q.requeue_lost() == []
    q.huey.flush()
    assert q.requeue_lost() == [run.id]


def test_recovery_runs_an_interrupted_run_at_once_beside_a_busy_queue(settings: Settings, session: Session,
                                                                     factory: Factory) -> None:
    held = [_run(session, factory) for _ in range(3)]
    for run in held:
        assert runs.claim(session, run.id, "dead:1:1", lease_s=1)
    session.commit()
    started: list[int] = []
    gate = threading.Event()

    def executor(_s: Settings, database: Database, run_id: int) -> None:
        with database.begin() as s:
            assert runs.claim(s, run_id, "live:2:1", lease_s=30)
        started.append(run_id)
        gate.wait(10)

    q = build_queue(settings.with_(queue_url="memory"), executor=executor)
    for n in range(50):
        q.enqueue_run(10_000 + n)  # a backlog nobody consumes: recovery must not wait behind it
    time.sleep(1.1)
    recovery = Recovery(q, slots=2, tick_s=0.1)
    recovery.start()
    try:
        deadline = time.monotonic() + 10
        while len(started) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert sorted(started) == [r.id for r in held[:2]], "two slots: two runs restarted, the third waits"
        gate.set()
        while len(started) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(started) == [r.id for r in held]
    finally:
        gate.set()
        recovery.finish(5)
    session.expire_all()
    assert all(session.get(Run, r.id).restarts == 1 for r in held)  # type: ignore[union-attr]
    assert all(session.get(Run, r.id).status == RunStatus.RUNNING for r in held)  # type: ignore[union-attr]
