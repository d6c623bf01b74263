"""SIGTERM to `caseportal worker` in the middle of a live run: the run is handed back, not lost.

SIGTERM is how an orchestrator stops a worker (a deploy, a scale-down). The worker lets runs in hand finish for
``worker_grace_seconds``; one still running then goes back on the queue and its container is removed. Here the
grace is shorter than the run, so the hand-back path is the one taken; the next worker runs it and records it once,
and no container of either worker is left.
"""

from __future__ import annotations

import signal

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.models import RunKind, RunStatus
from caseportal.services import runs
from tests.conftest import Factory
from tests.jobs.conftest import Workers, finished, python_case_slug, reference_files, run_state, wait_for
from tests.jobs.test_worker import _containers_of, _slow

pytestmark = pytest.mark.docker

GRACE_S = 1


def test_a_sigterm_mid_run_hands_the_run_back_and_the_next_worker_records_it_once(
        app: Flask, session: Session, factory: Factory, workers: Workers, python_image: str) -> None:
    slug = python_case_slug(factory)
    meeting = factory.meeting(cases=[slug])
    files = reference_files(factory, slug)
    # Every module sleeps on import, so the run outlasts the grace period by far.
    sub = factory.submission(meeting, {p: _slow(c) if p.endswith(".py") else c for p, c in files.items()},
                             submitted=False)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=10)
    session.commit()
    app.extensions["caseportal.queue"].enqueue_run(run.id)

    first = workers.start(CASEPORTAL_WORKER_GRACE_SECONDS=str(GRACE_S))
    wait_for(lambda: run_state(session, run.id).status == RunStatus.RUNNING, 120, "the run to start",
             workers.logs, workers.check_alive)
    wait_for(lambda: bool(_containers_of(first.pid)), 30, "the sandbox container to exist", workers.logs,
             workers.check_alive)

    first.send_signal(signal.SIGTERM)  # the worker's own process, as `docker stop` or systemd would
    code = first.wait(timeout=GRACE_S + 30)
    assert code == 0, workers.logs()
    assert f"handing run {run.id} back to the queue" in workers.logs()
    # The stopping worker refuses new sandboxes before it sweeps the run's container (test_worker_stop_race.py
    # holds a run thread at each side of that sweep); an image probe cut short by the exit can still leave one,
    # which the next worker's start sweeps, as the end of this test checks.
    handed = run_state(session, run.id)
    assert handed.recorded_count == 0 and handed.status != RunStatus.DONE, "nothing was recorded for the cut run"

    second = workers.start()
    wait_for(lambda: finished(session, run.id), 240, "the handed-back run to finish", workers.logs,
             workers.check_alive)
    done = run_state(session, run.id)
    assert done.status == RunStatus.DONE and done.outcome == "passed", (done.result_json, workers.logs())
    assert done.recorded_count == 1
    assert done.attempts == 2
    # Whatever the stop left (a late run container, an image probe cut short) is gone once the next worker started.
    assert not _containers_of(first.pid) and not _containers_of(second.pid), "no container is left behind"
