"""Finding 5 of the security review, as reported: limit 1 check run per hour, 8 parallel requests from one
candidate -> exactly 1 run, on SQLite and on PostgreSQL. The requests go to two of the candidate's cases at once,
so both rules are raced: the one waiting run per submission and the hourly limit per meeting."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.models import Run, RunKind
from caseportal.services import runs
from caseportal.services.errors import RateLimited
from tests.conftest import Factory
from tests.pg.test_races import race

REQUESTS = 8


def test_limit_one_and_eight_parallel_requests_make_exactly_one_run(app: Flask, session: Session, factory: Factory,
                                                                    db_backend: str) -> None:
    slugs = factory.case_slugs(2)
    meeting = factory.meeting(cases=slugs)
    subs = [factory.submission(meeting, {"solution.py": b"print(1)\n"}, case=slug, submitted=False)
            for slug in slugs]

    def ask(s: Session, i: int) -> int:
        return runs.request_run(s, s.merge(subs[i % 2], load=False), RunKind.CHECK, runs_per_hour=1).id

    got = race(app.extensions["caseportal.db"].engine, ask, REQUESTS, delay=0.02)
    unexpected = [r for r in got if not isinstance(r, int | RateLimited)]
    assert not unexpected, got
    assert len({r for r in got if isinstance(r, int)}) == 1, got
    session.expire_all()
    ids = [s.id for s in subs]
    assert session.scalar(select(func.count(Run.id)).where(Run.submission_id.in_(ids))) == 1
