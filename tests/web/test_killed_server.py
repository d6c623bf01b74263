"""A web process killed mid-way loses nothing: saved work survives, and a run it committed but never queued
is picked up by a worker's recovery."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy.orm import Session

from caseportal.config import REPO_ROOT, Settings
from caseportal.jobs import build_queue
from caseportal.models import Run, RunKind, RunStatus, Submission
from caseportal.services import runs
from tests.conftest import Factory


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CASEPORTAL_INSTANCE=str(settings.instance_path),
               CASEPORTAL_DATABASE_URL=settings.database_url, CASEPORTAL_SECRET_KEY=settings.secret_key,
               CASEPORTAL_CASES_DIR=str(settings.cases_dir))
    p = subprocess.Popen([sys.executable, "-m", "caseportal.cli", "serve", "--port", str(port)], env=env,
                         cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
            return p
        except requests.RequestException:  # refused before the bind, or a read timeout while workers boot
            time.sleep(0.2)
    raise AssertionError("server did not start")


def test_saved_draft_survives_a_killed_web_process(settings: Settings, session: Session, factory: Factory,
                                                   tmp_path: Path) -> None:
    slug = factory.case_slugs(1, runtime="python")[0]
    case = factory.app.extensions["caseportal.casebook"].get(slug)
    editable = next(p for p in sorted(case.starter_files) if case.submission.is_editable(p))
    meeting = factory.meeting(cases=[slug])
    token = factory.invite(meeting)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(settings, port)
    try:
        http = requests.Session()
        page = http.get(f"{base}/i/{token}/case/{slug}")
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        assert http.post(f"{base}/i/{token}/case/{slug}/start", data={"csrf_token": csrf}).ok
        marker = "# kept across a crash\n"
        resp = http.post(f"{base}/i/{token}/case/{slug}/save",
                         data={"csrf_token": csrf, f"file::{editable}": marker})
        assert resp.ok
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
    server = _serve(settings, port)
    try:
        page = requests.get(f"{base}/i/{token}/case/{slug}")
        assert page.ok and "# kept across a crash" in page.text
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
    session.expire_all()
    sub = session.query(Submission).one()
    assert sub.file_map()[editable] == b"# kept across a crash\n"


def test_a_run_committed_but_never_queued_is_recovered(settings: Settings, session: Session,
                                                       factory: Factory) -> None:
    """The web process died between committing the run and enqueueing it: recovery queues it."""
    meeting = factory.meeting()
    sub = factory.submission(meeting, {"a.py": b""}, submitted=False)
    run = runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=5)
    session.commit()
    seen: list[int] = []
    q = build_queue(settings.with_(queue_url="memory", run_lease_seconds=0),
                    executor=lambda _s, _d, run_id: seen.append(run_id))  # type: ignore[arg-type,return-value]
    time.sleep(1.1)
    assert q.recover() == [run.id]
    task = q.huey.dequeue()
    assert task is not None
    q.huey.execute(task)
    assert seen == [run.id]
    assert session.get(Run, run.id).status == RunStatus.QUEUED  # type: ignore[union-attr]
