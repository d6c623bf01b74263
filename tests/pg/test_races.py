"""The race-prone rules hold under real concurrent connections on PostgreSQL: threads, each with its own session,
start together at a barrier and try to break the rule at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from flask import Flask
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from caseportal.models import Invitation, Run, RunKind, RunStatus, utcnow
from caseportal.services import invitations, runs
from caseportal.services.errors import RateLimited
from tests.conftest import Factory

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)]

T = TypeVar("T")
THREADS = 6
FILES = {"solution.py": b"print('hi')\n"}


def race(engine: Engine, attempt: Callable[[Session, int], T], n: int = THREADS,
         delay: float = 0.05) -> list[T | Exception]:
    """Run ``attempt`` in ``n`` threads released together, each committing in its own session."""
    barrier = threading.Barrier(n)
    results: list[T | Exception] = [RuntimeError("did not finish")] * n

    def one(i: int) -> None:
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait(timeout=10)
            try:
                results[i] = attempt(s, i)
                s.commit()
            except Exception as e:  # noqa: BLE001 - the caller judges each outcome
                s.rollback()
                results[i] = e

    def slow_network(*_args: object) -> None:
        time.sleep(delay)  # every statement waits, as across a network: without it the GIL serialises the threads

    event.listen(engine, "before_cursor_execute", slow_network)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", slow_network)
    return results


def engine_of(app: Flask) -> Engine:
    return app.extensions["caseportal.db"].engine  # type: ignore[no-any-return]


def test_only_one_worker_claims_a_run(app: Flask, session: Session, factory: Factory) -> None:
    run = factory.run(factory.submission(factory.meeting(), FILES), status=RunStatus.QUEUED)
    tokens = race(engine_of(app), lambda s, i: runs.claim(s, run.id, f"w:{i}:0", lease_s=300))
    assert not [t for t in tokens if isinstance(t, Exception)], tokens
    won = [t for t in tokens if t is not None]
    assert len(won) == 1, tokens
    session.expire_all()
    stored = session.get(Run, run.id)
    assert stored is not None and stored.claim_token == won[0] and stored.attempts == 1


def test_one_waiting_check_run_per_submission(app: Flask, session: Session, factory: Factory) -> None:
    sub = factory.submission(factory.meeting(), FILES, submitted=False)
    got = race(engine_of(app), lambda s, i: runs.request_run(s, s.merge(sub, load=False), RunKind.CHECK,
                                                             runs_per_hour=100).id)
    assert not [r for r in got if isinstance(r, Exception)], got
    assert len(set(got)) == 1, got
    assert session.scalar(select(func.count(Run.id)).where(Run.submission_id == sub.id)) == 1


def test_the_hourly_run_limit_holds_for_simultaneous_requests(app: Flask, session: Session,
                                                              factory: Factory) -> None:
    limit = 2
    slugs = factory.case_slugs(4)
    meeting = factory.meeting(cases=slugs)
    subs = [factory.submission(meeting, FILES, case=slug, submitted=False) for slug in slugs]

    def request(s: Session, i: int) -> int:
        return runs.request_run(s, s.merge(subs[i], load=False), RunKind.CHECK, runs_per_hour=limit).id

    got = race(engine_of(app), request, n=len(subs))
    created = [r for r in got if isinstance(r, int)]
    refused = [r for r in got if isinstance(r, RateLimited)]
    assert len(created) == limit and len(refused) == len(subs) - limit, got
    ids = [s.id for s in subs]
    assert session.scalar(select(func.count(Run.id)).where(Run.submission_id.in_(ids))) == limit


def test_an_invitation_is_first_used_once(app: Flask, session: Session, factory: Factory) -> None:
    meeting = factory.meeting()
    factory.invite(meeting)
    inv_id = meeting.invitations[-1].id
    start = utcnow()

    def open_link(s: Session, i: int) -> bool:
        inv = s.get(Invitation, inv_id)
        assert inv is not None
        return invitations.mark_opened(inv, now=start + timedelta(seconds=i))

    firsts = race(engine_of(app), open_link)
    assert not [f for f in firsts if isinstance(f, Exception)], firsts
    assert firsts.count(True) == 1, firsts
    session.expire_all()
    inv = session.get(Invitation, inv_id)
    assert inv is not None
    assert inv.first_opened_at == start + timedelta(seconds=firsts.index(True))
