"""Real workers in subprocesses, real Docker, and (for the multi-machine mode) a real Redis server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from caseportal.casebook import reference_submission
from caseportal.config import REPO_ROOT, Settings
from caseportal.models import Run, RunStatus
from tests.conftest import Factory, docker_available, require, stop_process_groups


@pytest.fixture(scope="session")
def python_image() -> str:
    require(docker_available(), "a Docker engine")
    from sandbox.images.build import ensure_images

    return ensure_images(["python"])["python"]


class Workers:
    """Starts `caseportal worker` processes against the test's database and queue; kills them at the end."""

    def __init__(self, settings: Settings, tmp: Path) -> None:
        self.settings, self.tmp, self.procs = settings, tmp, []  # type: list[subprocess.Popen[bytes]]

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "CASEPORTAL_INSTANCE": str(self.settings.instance_path),
            "CASEPORTAL_DATABASE_URL": self.settings.database_url,
            "CASEPORTAL_QUEUE_URL": self.settings.queue_url,
            "CASEPORTAL_CASES_DIR": str(self.settings.cases_dir),
            "CASEPORTAL_SECRET_KEY": self.settings.secret_key,
            "CASEPORTAL_RUN_LEASE_SECONDS": str(self.settings.run_lease_seconds),
        })
        env.update(extra)
        return env

    def start(self, workers: int = 1, **extra: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115 - closed with the process
        p = subprocess.Popen([sys.executable, "-m", "caseportal.cli", "worker", "--workers", str(workers)],
                             env=self.env(**extra), stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                             start_new_session=True)
        self.procs.append(p)
        return p

    def kill(self, p: subprocess.Popen[bytes]) -> None:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=10)

    def stop_all(self) -> None:
        stop_process_groups(self.procs)

    def logs(self) -> str:
        """Worker output; raises at once when every started worker has died (no point in waiting)."""
        return self._logs()

    def wait_ready(self, timeout: float = 60) -> None:
        """Until every started worker's consumer says it is serving (so that all compete for new jobs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            logs = [(self.tmp / f"worker-{i}.log").read_text(errors="replace") for i in range(len(self.procs))]
            if all("Huey consumer started" in log for log in logs):
                return
            time.sleep(0.1)
        raise AssertionError(f"workers did not start\n{self._logs()}")

    def check_alive(self) -> None:
        if self.procs and all(p.poll() is not None for p in self.procs):
            raise AssertionError(f"every worker exited\n{self._logs()}")

    def _logs(self) -> str:
        return "\n".join((self.tmp / f"worker-{i}.log").read_text(errors="replace") for i in range(len(self.procs)))


@pytest.fixture()
def workers(settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    w = Workers(settings, tmp_path)
    yield w
    w.stop_all()


def python_case_slug(factory: Factory) -> str:
    return factory.case_slugs(1, runtime="python")[0]


def reference_files(factory: Factory, slug: str) -> dict[str, bytes]:
    case = factory.app.extensions["caseportal.casebook"].get(slug)
    return reference_submission(case)


def wait_for(pred: Callable[[], bool], timeout: float, what: str, logs: Callable[[], str] | None = None,
             alive: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        if alive is not None:
            alive()
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{logs() if logs else ''}")


def run_state(session: Session, run_id: int) -> Run:
    session.expire_all()
    run = session.get(Run, run_id)
    assert run is not None
    return run


def finished(session: Session, run_id: int) -> bool:
    return run_state(session, run_id).status in (RunStatus.DONE, RunStatus.ERROR)



@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Short leases so that a killed worker's run is taken over within seconds."""
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", run_lease_seconds=6,
                              database_url=database_url)
