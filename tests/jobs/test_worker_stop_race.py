"""The worker-stop race, with the real engine: a run thread still working when its worker hands the runs back.

A stopped worker (SIGTERM past its grace, or SIGINT) puts the runs it holds back on the queue and sweeps its
containers while their threads may still run; the process then exits and kills those threads wherever they
are. A thread that reached the engine after the sweep used to start a container that nobody removed, and a
thread whose sandbox the sweep cut short could record that as the candidate's result or spend an attempt.
Here the run thread runs in this process, held at the exact point with a patched call, so the order is
certain rather than likely.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import docker
import pytest
from docker.api.container import ContainerApiMixin
from flask import Flask
from sqlalchemy.orm import Session

import sandbox
from caseportal import run_executor
from caseportal.jobs import Queue
from caseportal.models import Run, RunKind, RunStatus
from caseportal.services import runs
from caseportal.worker import hand_back_runs
from caseportal.worker_identity import process_labels
from sandbox.engine import GATE, LABEL
from tests.conftest import Factory
from tests.jobs.conftest import python_case_slug, reference_files, run_state

pytestmark = pytest.mark.docker

WAIT_S = 120


def _label_filter() -> list[str]:
    return [LABEL, *(f"{k}={v}" for k, v in process_labels().items())]


def _ours() -> list[str]:
    """Sandbox containers and volumes of this process (the hand-back sweeps exactly these)."""
    client = docker.from_env()
    found = [c["Id"] for c in client.api.containers(all=True, filters={"label": _label_filter()})]
    return found + [v["Name"] for v in client.api.volumes(filters={"label": _label_filter()}).get("Volumes") or []]


def _created_since(since: float) -> list[str]:
    """Containers of this process the engine created after ``since`` (its event log, so none slips by)."""
    client = docker.from_env()
    events = client.events(since=int(since) - 1, until=int(time.time()) + 1, decode=True,
                           filters={"type": "container", "event": "create", "label": _label_filter()})
    return [e.get("id", "") for e in events if int(e.get("timeNano", 0)) >= since * 1e9]


def _queued_run(app: Flask, session: Session, factory: Factory) -> int:
    slug = python_case_slug(factory)
    sub = factory.submission(factory.meeting(cases=[slug]), reference_files(factory, slug), submitted=False)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=10)
    session.commit()
    return run.id


def _in_thread(app: Flask, run_id: int) -> tuple[threading.Thread, list[str]]:
    """The worker's run thread, in this process: ``execute_run`` as the queue calls it."""
    queue: Queue = app.extensions["caseportal.queue"]
    out: list[str] = []
    thread = threading.Thread(target=lambda: out.append(run_executor.execute_run(queue.settings, queue.db(), run_id)),
                              daemon=True, name=f"run-{run_id}")
    thread.start()
    return thread, out


def _hold(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, until: Callable[[], bool]) -> threading.Event:
    """Patch ``target.name`` so its first call says it arrived, then waits for ``until()`` before going on."""
    arrived = threading.Event()
    real = getattr(target, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        arrived.set()
        deadline = time.monotonic() + WAIT_S
        while not until() and time.monotonic() < deadline:
            time.sleep(0.01)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, held)
    return arrived


def _handed_back_untouched(session: Session, run_id: int, token: str | None) -> None:
    """The run as the hand-back left it: nothing recorded, no attempt spent, free for the next worker to claim."""
    run = run_state(session, run_id)
    assert run.status == RunStatus.RUNNING and run.recorded_count == 0 and run.attempts == 1, run.result_json
    assert run.claim_token == token and run.explanation in (None, "")
    assert run_id in runs.interrupted_run_ids(session), "its lease ended: no heartbeat extended it again"
    assert runs.claim(session, run_id, "next-worker:1:1", 60) is not None, "the next worker can take it at once"
    session.commit()


def test_a_run_thread_reaching_the_engine_after_the_hand_back_starts_no_container(
        app: Flask, session: Session, factory: Factory, monkeypatch: pytest.MonkeyPatch, python_image: str) -> None:
    run_id = _queued_run(app, session, factory)
    handed = threading.Event()
    # The run claimed, held just before it runs its sandbox, until the hand-back (and its sweep) is over.
    arrived = _hold(monkeypatch, sandbox, "run", handed.is_set)
    thread, result = _in_thread(app, run_id)
    assert arrived.wait(WAIT_S), "the run thread did not reach the sandbox"
    token = session.get(Run, run_id, populate_existing=True).claim_token  # type: ignore[union-attr]
    session.commit()

    began = time.time()
    assert hand_back_runs(app.extensions["caseportal.queue"]) == [run_id]
    handed.set()
    thread.join(WAIT_S)

    assert not thread.is_alive() and result == ["skip"]
    assert _created_since(began) == [], "a container was started after the hand-back"
    assert _ours() == []
    _handed_back_untouched(session, run_id, token)


def test_a_sandbox_being_created_at_the_hand_back_is_waited_for_and_swept(
        app: Flask, session: Session, factory: Factory, monkeypatch: pytest.MonkeyPatch, python_image: str) -> None:
    run_id = _queued_run(app, session, factory)
    # Held in the engine's create call until the gate is closing: the hand-back must wait for it, then sweep it.
    arrived = _hold(monkeypatch, ContainerApiMixin, "create_container", lambda: not GATE.is_open)
    began = time.time()
    thread, result = _in_thread(app, run_id)
    assert arrived.wait(WAIT_S), "the run thread did not start creating its sandbox"
    token = session.get(Run, run_id, populate_existing=True).claim_token  # type: ignore[union-attr]
    session.commit()

    assert hand_back_runs(app.extensions["caseportal.queue"]) == [run_id]
    handed = time.time()
    assert len(_created_since(began)) == 1, "the sandbox being created was created, before the hand-back ended"
    assert _ours() == [], "the sandbox created during the hand-back outlived its sweep"
    thread.join(WAIT_S)

    assert not thread.is_alive() and result == ["skip"], "a result cut short by the sweep must not be recorded"
    assert _created_since(handed) == []
    assert _ours() == []
    _handed_back_untouched(session, run_id, token)
