"""`caseportal serve` and `caseportal up` as real processes: gunicorn with its workers, and a clean SIGTERM.

Each test starts the command in its own session on a free port with a throwaway instance folder, asks it for a
page, sends SIGTERM to the command's own process only, and checks that it exits 0 within a few seconds and that
none of the processes it started is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from caseportal.config import REPO_ROOT, Settings
from caseportal.jobs import build_queue
from caseportal.models import RunStatus
from caseportal.services import runs
from caseportal.worker import hand_back_runs
from tests.conftest import Factory

STOP_WITHIN_S = 15


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids of every live (not zombie) process, read from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


class Command:
    """One caseportal command in its own session, with its output in a log file."""

    def __init__(self, tmp_path: Path, *args: str, **env: str) -> None:
        self.port = _free_port()
        self.log = tmp_path / "command.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CASEPORTAL_")}
        self.env.update({"CASEPORTAL_INSTANCE": str(tmp_path / "instance"), "CASEPORTAL_PORT": str(self.port),
                         "CASEPORTAL_SECRET_KEY": "serve-test", "PYTHONUNBUFFERED": "1", **env})
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "caseportal.cli", *args], env=self.env,
                                         cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]

    def get(self, path: str, timeout: float = 60) -> tuple[int, str]:
        """Status and Server header of the first answer, waiting for the server to come up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the command exited early:\n{self.output()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=3) as resp:  # noqa: S310
                    return resp.status, resp.headers.get("Server", "")
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise AssertionError(f"no answer within {timeout} s:\n{self.output()}")

    def terminate_and_wait(self) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=STOP_WITHIN_S + 5)
        return code, time.monotonic() - started

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture()
def command(tmp_path: Path) -> Iterator[list[Command]]:
    started: list[Command] = []
    yield started
    for c in started:
        c.cleanup()


def _migrate(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEPORTAL_")}
    env["CASEPORTAL_INSTANCE"] = str(tmp_path / "instance")
    env["CASEPORTAL_SECRET_KEY"] = "serve-test"
    subprocess.run([sys.executable, "-m", "caseportal.cli", "db", "upgrade"], env=env, cwd=REPO_ROOT,
                   check=True, capture_output=True, timeout=120)


def test_serve_runs_gunicorn_processes_and_stops_cleanly_on_sigterm(tmp_path: Path, command: list[Command]) -> None:
    _migrate(tmp_path)
    serve = Command(tmp_path, "serve", CASEPORTAL_WEB_PROCESSES="2", CASEPORTAL_WEB_THREADS="2")
    command.append(serve)
    status, server = serve.get("/login")
    assert status == 200 and server.startswith("gunicorn"), server
    workers = descendants(serve.proc.pid)
    assert len(workers) == 2, f"expected 2 gunicorn workers, found {sorted(workers)}\n{serve.output()}"

    code, took = serve.terminate_and_wait()
    assert code == 0, serve.output()
    assert took < STOP_WITHIN_S
    time.sleep(0.3)
    assert not [pid for pid in workers if alive(pid)], "a gunicorn worker outlived its master"


def test_serve_dev_flag_uses_werkzeug(tmp_path: Path, command: list[Command]) -> None:
    _migrate(tmp_path)
    serve = Command(tmp_path, "serve", "--dev")
    command.append(serve)
    status, server = serve.get("/login")
    assert status == 200 and server.startswith("Werkzeug"), server
    assert not descendants(serve.proc.pid), "the development server forks no workers"
    code, _ = serve.terminate_and_wait()
    assert code == 0, serve.output()


def test_up_stops_its_worker_and_web_server_on_sigterm(tmp_path: Path, command: list[Command]) -> None:
    up = Command(tmp_path, "up", "--skip-images", "--workers", "1", CASEPORTAL_WEB_PROCESSES="1",
                 CASEPORTAL_WORKER_GRACE_SECONDS="5")
    command.append(up)
    status, server = up.get("/login", timeout=120)
    assert status == 200 and server.startswith("gunicorn"), server
    family = descendants(up.proc.pid)
    # the worker, the gunicorn master and its one worker
    assert len(family) >= 3, f"expected worker + web master + web worker, found {sorted(family)}\n{up.output()}"

    code, took = up.terminate_and_wait()
    assert code == 0, up.output()
    assert took < STOP_WITHIN_S
    time.sleep(0.3)
    assert not [pid for pid in family if alive(pid)], f"a child outlived `caseportal up`\n{up.output()}"
    assert "Consumer exiting" in up.output() or "Shutting down gracefully" in up.output(), up.output()


def test_a_stopping_worker_hands_back_the_runs_it_still_holds(settings: Settings, factory: Factory,
                                                              session: Session) -> None:
    """What `caseportal worker` does after its consumer stopped: its own held runs go back on the queue at once,
    another live worker's run stays with it, and the next claim takes the run over (so it is recorded once)."""
    mine, other = (factory.run(factory.submission(factory.meeting(), {"main.py": b"print(1)\n"}),
                               status=RunStatus.QUEUED) for _ in range(2))
    host = socket.gethostname()
    assert runs.claim(session, mine.id, f"{host}:{os.getpid()}:1", lease_s=300)
    assert runs.claim(session, other.id, f"{host}:1:1", lease_s=300)  # pid 1 is alive
    session.commit()
    queue = build_queue(settings.with_(queue_url="sqlite"))
    pending_before = queue.huey.pending_count()

    assert hand_back_runs(queue) == [mine.id]
    assert queue.huey.pending_count() == pending_before + 1
    with queue.db().begin() as s:
        assert runs.claim(s, mine.id, "next-worker:2:1", lease_s=300), "the handed-back run is free to claim"
        assert not runs.claim(s, other.id, "next-worker:2:1", lease_s=300), "a live worker keeps its run"
