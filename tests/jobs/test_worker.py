"""The whole path of a run on the embedded queue: enqueue -> worker process -> real container -> result stored."""

from __future__ import annotations

import json

import docker
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.models import RunKind, RunStatus
from caseportal.services import runs
from tests.conftest import Factory
from tests.jobs.conftest import (
    Workers,
    finished,
    python_case_slug,
    reference_files,
    run_state,
    wait_for,
)

pytestmark = pytest.mark.docker


def _containers_of(pid: int) -> list[str]:
    """Sandbox containers started by one worker process (other tests may run sandboxes at the same time)."""
    flt = {"label": ["caseportal.sandbox", f"caseportal.worker.pid={pid}"]}
    return [c["Names"][0].lstrip("/") for c in docker.from_env().api.containers(all=True, filters=flt)]


def _slow(source: bytes) -> bytes:
    """Make a module sleep when imported (after any __future__ import, which must stay first)."""
    lines = source.splitlines(keepends=True)
    at = max((i + 1 for i, line in enumerate(lines) if line.startswith(b"from __future__")), default=0)
    return b"".join([*lines[:at], b"import time\ntime.sleep(3)\n", *lines[at:]])


def test_a_queued_run_is_executed_by_a_worker_and_recorded(
        app: Flask, session: Session, factory: Factory, workers: Workers, python_image: str) -> None:
    slug = python_case_slug(factory)
    meeting = factory.meeting(cases=[slug])
    sub = factory.submission(meeting, reference_files(factory, slug), submitted=False)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=10)
    session.commit()
    app.extensions["caseportal.queue"].enqueue_run(run.id)
    workers.start()
    wait_for(lambda: finished(session, run.id), 180, "the run to finish", workers.logs, workers.check_alive)
    done = run_state(session, run.id)
    assert done.status == RunStatus.DONE, (done.explanation, workers.logs())
    assert done.outcome == "passed", done.result_json
    assert done.recorded_count == 1
    data = json.loads(done.result_json or "{}")
    assert data["checks"] and all(c["status"] in ("passed", "advisory") for c in data["checks"])
    assert any(not c["visible"] for c in data["checks"]), "a full run includes the hidden checks"


def test_a_run_interrupted_by_a_killed_worker_runs_again_and_is_recorded_once(
        app: Flask, session: Session, factory: Factory, workers: Workers, python_image: str) -> None:
    slug = python_case_slug(factory)
    meeting = factory.meeting(cases=[slug])
    files = reference_files(factory, slug)
    # Slow every module down so that the worker is surely mid-run when it is killed.
    slowed = {p: _slow(c) if p.endswith(".py") else c for p, c in files.items()}
    sub = factory.submission(meeting, slowed, submitted=False)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=10)
    session.commit()
    app.extensions["caseportal.queue"].enqueue_run(run.id)

    first = workers.start()
    wait_for(lambda: run_state(session, run.id).status == RunStatus.RUNNING, 120, "the run to start",
             workers.logs, workers.check_alive)
    wait_for(lambda: bool(_containers_of(first.pid)), 30, "the sandbox container to exist", workers.logs,
             workers.check_alive)
    workers.kill(first)
    assert run_state(session, run.id).status == RunStatus.RUNNING  # the dead worker's claim is still there

    workers.start()
    wait_for(lambda: finished(session, run.id), 240, "the interrupted run to finish", workers.logs, workers.check_alive)
    done = run_state(session, run.id)
    assert done.status == RunStatus.DONE and done.outcome == "passed", (done.result_json, workers.logs())
    assert done.recorded_count == 1
    assert done.attempts == 2
    assert not _containers_of(first.pid), "the restarted worker sweeps the dead worker's container"
    second_pid = workers.procs[-1].pid
    assert not _containers_of(second_pid), "a finished run leaves no container behind"
