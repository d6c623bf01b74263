"""A multi-machine rehearsal: the service as it runs for real, with one worker killed part-way.

`caseportal serve` (gunicorn, three processes), two `caseportal worker` processes, one Redis queue and one
PostgreSQL database upgraded by `caseportal db upgrade`. Twenty candidates press "Run checks" three times each
over HTTP at the same time; once about a third of the runs are recorded, one worker gets SIGKILL and is started
again, as a supervisor would. Every run must end recorded exactly once, with no sandbox container of the session
left and no row pointing at a missing one.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import docker
import pytest
import requests
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from caseportal.casebook import load_library
from caseportal.config import REPO_ROOT
from caseportal.models import JobRole, Run, RunStatus, Submission, utcnow
from caseportal.services import employers, invitations, meetings
from caseportal.worker_identity import WORKER_PID_LABEL
from tests.conftest import make_case_library, pg_url, require, stop_process_groups
from tests.jobs.conftest import wait_for

pytestmark = [pytest.mark.docker, pytest.mark.redis, pytest.mark.postgres]

REDIS_URL = os.environ.get("CASEPORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6399/0")
SLUG = "slow-case"
CANDIDATES = 20
PRESSES = 3
SECRET = "rehearsal-secret-key-not-for-production"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _own_redis_url() -> str:
    """The test Redis with a database number of its own, so that flushing it leaves other tests' queues alone."""
    import redis

    url = re.sub(r"/\d*$", "", REDIS_URL) + "/11"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
    except Exception:  # noqa: BLE001 - any failure means "no usable server"
        require(False, f"a Redis server at {REDIS_URL}")
    client.flushdb()
    return url


def _slow_library(root: Path) -> Path:
    """A one-case library whose visible check takes a second, so that runs overlap and a kill lands mid-run."""
    make_case_library(root, SLUG)
    check = root / SLUG / "checks" / "visible" / "test_visible.py"
    check.write_text("import time\n\n" + check.read_text(encoding="utf-8").replace(
        "def test_visible():\n", "def test_visible():\n    time.sleep(1)\n"), encoding="utf-8")
    assert not load_library(root).problems
    return root


@dataclass
class Service:
    """The processes of one rehearsal, each in its own process group, with logs in the instance folder."""

    env: dict[str, str]
    folder: Path
    procs: dict[str, subprocess.Popen[bytes]]

    def cli(self, *args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "caseportal.cli", *args], env=self.env, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"caseportal {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        p = subprocess.Popen([sys.executable, "-m", "caseportal.cli", *args], env=self.env, cwd=REPO_ROOT,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = p
        return p

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"----- {n} (last 4000 chars) -----\n{self.log(n)[-4000:]}" for n in self.procs)

    def stop(self) -> None:
        stop_process_groups(self.procs.values(), grace_s=20)


@pytest.fixture()
def database(postgres_admin: Engine) -> Iterator[tuple[Engine, str]]:
    """A fresh PostgreSQL database of its own, dropped afterwards."""
    name = f"cp_rehearsal_{os.getpid()}"
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine(pg_url(name), poolclass=NullPool)
    yield engine, pg_url(name)
    engine.dispose()
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def service(database: tuple[Engine, str], tmp_path: Path, python_image: str) -> Iterator[Service]:
    _engine, url = database
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEPORTAL_")}
    env.update({
        "CASEPORTAL_INSTANCE": str(tmp_path / "instance"),
        "CASEPORTAL_DATABASE_URL": url,
        "CASEPORTAL_QUEUE_URL": _own_redis_url(),
        "CASEPORTAL_CASES_DIR": str(_slow_library(tmp_path / "cases")),
        "CASEPORTAL_SECRET_KEY": SECRET,
        "CASEPORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "CASEPORTAL_PORT": str(port),
        "CASEPORTAL_WEB_PROCESSES": "3",
        "CASEPORTAL_RUN_LEASE_SECONDS": "6",
        "CASEPORTAL_RUNS_PER_HOUR": "100",
        "PYTHONUNBUFFERED": "1",
    })
    (tmp_path / "instance").mkdir()
    svc = Service(env=env, folder=tmp_path, procs={})
    svc.cli("db", "upgrade")
    try:
        yield svc
    finally:
        svc.stop()


def _invite(url: str, cases_dir: Path, n: int) -> list[tuple[str, int]]:
    """``n`` meetings with the slow case, each with a live link (and the meeting's id), made through the services."""
    engine = create_engine(url, poolclass=NullPool)
    library = load_library(cases_dir)
    links = []
    with Session(engine) as s:
        role = JobRole(title="Backend developer", team="Payments", location="Stockholm", remote=True,
                       role_family="backend", offer_growth="Mentoring", offer_tech="Python",
                       offer_benefits="Wellness", offer_worklife="Flexible hours",
                       employer=employers.default_employer(s))
        s.add(role)
        s.flush()
        starts = (utcnow() + timedelta(days=10)).replace(tzinfo=None, microsecond=0)
        for i in range(n):
            m = meetings.create_meeting(s, library, meetings.MeetingInput(
                candidate_name=f"Candidate {i}", candidate_email=f"cand{i}@example.org", job_role_id=role.id,
                starts_local=starts, case_slugs=(SLUG,)))
            links.append((invitations.token_for(invitations.issue(s, m, 14), SECRET), m.id))
        s.commit()
    engine.dispose()
    return links


def _meeting_runs(engine: Engine, meeting_id: int) -> list[RunStatus]:
    with Session(engine) as s:
        return list(s.scalars(select(Run.status).join(Submission, Submission.id == Run.submission_id)
                              .where(Submission.meeting_id == meeting_id)))


def _candidate(origin: str, engine: Engine, token: str, meeting_id: int, presses: int = PRESSES) -> None:
    """One candidate in their own browser session: open the case, start it, then press "Run checks" and wait for
    the result, a few times (a press while a run waits would return that run rather than queue another)."""
    page = f"{origin}/i/{token}/case/{SLUG}"
    with requests.Session() as browser:
        found = CSRF.search(browser.get(page, timeout=30).text)
        assert found, "no CSRF token on the case page"
        form = {"csrf_token": found.group(1)}
        started = browser.post(f"{page}/start", data=form, timeout=30, allow_redirects=False)
        assert started.status_code == 302, started.text[-3000:]
        for press in range(1, presses + 1):
            resp = browser.post(f"{page}/run", data=form, timeout=30, allow_redirects=False)
            assert resp.status_code == 302, resp.text[-3000:]
            deadline = time.monotonic() + 150
            while (statuses := _meeting_runs(engine, meeting_id)).count(RunStatus.DONE) < press:
                assert len(statuses) == press, f"press {press} made {len(statuses)} runs"
                assert RunStatus.ERROR not in statuses and time.monotonic() < deadline, statuses
                time.sleep(0.5)


def _count(engine: Engine, *statuses: RunStatus) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count(Run.id)).where(Run.status.in_(statuses))) or 0)


def _containers(pids: list[int]) -> list[str]:
    client = docker.from_env()
    # The low-level list reads one answer; containers.list() inspects each one and races their removal.
    return [str(c["Names"][0]).lstrip("/") for pid in pids
            for c in client.api.containers(all=True, filters={"label": [f"{WORKER_PID_LABEL}={pid}"]})]


def test_a_killed_worker_loses_no_run_and_records_none_twice(
        service: Service, database: tuple[Engine, str]) -> None:
    began = time.monotonic()
    engine, url = database
    links = _invite(url, Path(service.env["CASEPORTAL_CASES_DIR"]), CANDIDATES)
    service.start("web", "serve")
    victim = service.start("worker-a", "worker", "--workers", "2")
    service.start("worker-b", "worker", "--workers", "2")

    def alive() -> None:
        dead = [n for n, p in service.procs.items() if p.poll() is not None and p is not victim]
        assert not dead, f"{', '.join(dead)} exited\n{service.logs()}"

    origin = service.env["CASEPORTAL_BASE_URL"]

    def serving() -> bool:
        try:
            return requests.get(f"{origin}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_for(serving, 60, "the web server to be ready", service.logs, alive)
    wait_for(lambda: all("Huey consumer started" in service.log(n) for n in ("worker-a", "worker-b")), 60,
             "the workers to serve", service.logs, alive)

    requested = CANDIDATES * PRESSES
    with ThreadPoolExecutor(max_workers=CANDIDATES) as pool:
        candidates = [pool.submit(_candidate, origin, engine, token, meeting_id) for token, meeting_id in links]
        # SIGKILL part-way, while the victim holds runs; a supervisor starts it again a moment later.
        wait_for(lambda: _count(engine, RunStatus.DONE, RunStatus.ERROR) >= requested // 3, 90,
                 "a third of the runs to be recorded", service.logs, alive)
        with Session(engine) as s:
            held = list(s.scalars(select(Run.id).where(Run.status == RunStatus.RUNNING,
                                                       Run.worker.like(f"%:{victim.pid}:%"))))
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        time.sleep(1)
        service.start("worker-a2", "worker", "--workers", "2")
        for candidate in candidates:
            candidate.result()

    with Session(engine) as s:
        runs = list(s.scalars(select(Run)))
        dangling_runs = s.scalar(text("SELECT count(*) FROM runs r LEFT JOIN submissions s "
                                      "ON s.id = r.submission_id WHERE s.id IS NULL"))
        dangling_artifacts = s.scalar(text("SELECT count(*) FROM run_artifacts a LEFT JOIN runs r "
                                           "ON r.id = a.run_id WHERE r.id IS NULL"))
    assert len(runs) == requested
    assert all(r.status == RunStatus.DONE and r.recorded_count == 1 for r in runs), \
        [(r.id, r.status, r.recorded_count, r.explanation) for r in runs if r.recorded_count != 1]
    assert all(r.attempts >= 1 for r in runs)
    if held:  # (one of them may have been recorded in the instant before the kill)
        assert any(r.attempts >= 2 for r in runs if r.id in held), "no run the killed worker held was taken over"
    assert dangling_runs == 0 and dangling_artifacts == 0
    workers = [p.pid for n, p in service.procs.items() if n.startswith("worker")]
    wait_for(lambda: not _containers(workers), 20, "the sandbox containers to be removed", service.logs)
    print(f"rehearsal: {requested} runs, {len(held)} held at the kill, {time.monotonic() - began:.1f} s")
