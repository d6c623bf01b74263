"""Multi-machine mode: workers sharing one real Redis queue split the runs, and each run is recorded once."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal import create_app
from caseportal.config import Settings
from caseportal.models import RunKind, RunStatus
from caseportal.services import runs
from tests.conftest import Factory, require
from tests.jobs.conftest import (
    Workers,
    finished,
    python_case_slug,
    reference_files,
    run_state,
    wait_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.docker]

REDIS_URL = os.environ.get("CASEPORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6399/0")


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture()
def redis_settings(settings: Settings) -> Settings:
    require(redis_available(), f"a Redis server at {REDIS_URL}")
    # A queue name of its own per test (Huey keys by name) would need a second instance name; a fresh db
    # number is simpler: flush it.
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return settings.with_(queue_url=REDIS_URL)


def test_the_redis_queue_round_trips_a_job(redis_settings: Settings) -> None:
    from caseportal.jobs import build_queue

    seen: list[int] = []
    q = build_queue(redis_settings, executor=lambda _s, _d, run_id: seen.append(run_id))  # type: ignore[arg-type]
    token = uuid.uuid4().int % 10_000
    q.enqueue_run(token)
    assert q.huey.pending_count() == 1
    task = q.huey.dequeue()
    assert task is not None
    q.huey.execute(task)
    assert seen == [token]


def test_two_workers_on_one_redis_queue_share_the_runs(
        redis_settings: Settings, factory: Factory, workers: Workers, python_image: str) -> None:
    app: Flask = create_app(redis_settings)
    session: Session = factory.session
    slug = python_case_slug(factory)
    run_ids = []
    for _ in range(6):
        meeting = factory.meeting(cases=[slug])
        sub = factory.submission(meeting, reference_files(factory, slug), submitted=False)
        run_ids.append(runs.request_run(session, sub, RunKind.FULL, runs_per_hour=10).id)
    session.commit()
    # Two worker processes, as on two machines: each has its own Docker client and shares only Redis + DB.
    # Both are serving before the jobs arrive, so that neither can drain the queue alone while the other starts.
    workers.settings = redis_settings
    workers.start(workers=1)
    workers.start(workers=1)
    workers.wait_ready()
    for run_id in run_ids:
        app.extensions["caseportal.queue"].enqueue_run(run_id)
    wait_for(lambda: all(finished(session, r) for r in run_ids), 300, "all runs to finish", workers.logs,
             workers.check_alive)
    done = [run_state(session, r) for r in run_ids]
    assert all(r.status == RunStatus.DONE and r.outcome == "passed" for r in done), workers.logs()
    assert all(r.recorded_count == 1 for r in done)
    pids = {r.worker.split(":")[1] for r in done}
    assert len(pids) == 2, f"both workers should have taken runs: {[r.worker for r in done]}"
