"""Fixtures for the sandbox tests: a real Docker engine and locally built runtime images.

Docker-marked tests skip on a laptop without Docker but fail in CI (CI=true), so the hardening is
always exercised where it matters.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator

import docker
import pytest

from sandbox import Limits, Outcome, RunResult, RunSpec, run
from sandbox.engine import LABEL
from sandbox.images.build import ensure_images
from tests.conftest import docker_available, require


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    require(docker_available(), "a Docker engine")
    client = docker.from_env()
    yield client
    client.close()


def _images(client: docker.DockerClient, runtimes: list[str]) -> dict[str, str]:
    started = time.monotonic()
    refs = ensure_images(runtimes, client=client, log=print)
    print(f"images {runtimes} ready in {time.monotonic() - started:.1f} s")
    return refs


@pytest.fixture(scope="session")
def python_image(docker_client: docker.DockerClient) -> str:
    return _images(docker_client, ["python"])["python"]


@pytest.fixture(scope="session")
def datasci_image(docker_client: docker.DockerClient) -> str:
    return _images(docker_client, ["datasci"])["datasci"]


@pytest.fixture(scope="session")
def browser_image(docker_client: docker.DockerClient) -> str:
    return _images(docker_client, ["browser"])["browser"]


#: Runs of this test session carry this label, so checks for leftovers ignore runs of other
#: processes sharing the engine (a worker, another test session).
SESSION_LABELS = {"caseportal.test-session": uuid.uuid4().hex}


def leftovers(client: docker.DockerClient) -> list[str]:
    """Names of this session's sandbox containers and volumes still present."""
    wanted = {"label": [f"{LABEL}=1", *(f"{k}={v}" for k, v in SESSION_LABELS.items())]}
    names = [c["Id"][:12] for c in client.api.containers(all=True, filters=wanted)]
    names += [v["Name"] for v in client.api.volumes(filters=wanted).get("Volumes") or []]
    return names


SMALL = Limits(cpus=1.0, memory_mb=256, pids=64, timeout_s=6.0, output_bytes=200_000, tmpfs_mb=16, work_mb=16,
               nofile=128, fsize_mb=8, results_bytes=2_000_000)
HEALTH = dataclasses.replace(SMALL, timeout_s=30.0)


@pytest.fixture()
def run_small(docker_client: docker.DockerClient, python_image: str) -> Callable[..., RunResult]:
    """Run a command in the python image with small limits; asserts the run cleaned up after itself."""

    def _run(command: tuple[str, ...] | str, *, limits: Limits = SMALL, **kwargs: object) -> RunResult:
        if isinstance(command, str):
            command = ("sh", "-c", command)
        started = time.monotonic()
        spec = RunSpec(image=python_image, command=command, limits=limits, labels=SESSION_LABELS,
                       **kwargs)  # type: ignore[arg-type]
        result = run(spec, client=docker_client)
        elapsed = time.monotonic() - started
        assert elapsed < limits.timeout_s + 8, f"run took {elapsed:.1f} s"
        assert leftovers(docker_client) == []
        return result

    return _run


@pytest.fixture()
def assert_healthy(run_small: Callable[..., RunResult]) -> Callable[[], None]:
    """A normal run still works (used after every hostile run). It starts pytest, which takes seconds on a loaded
    2-core machine: it gets room (HEALTH), since it proves the host is well, not the time limit."""

    def _check() -> None:
        result = run_small(("cp-pytest",), limits=HEALTH, files={"solution.py": b"def add(a, b):\n    return a + b\n"},
                           case_files={"checks/visible/test_ok.py": b"from solution import add\n\n\n"
                                                                       b"def test_add():\n    assert add(1, 2) == 3\n"})
        assert result.outcome == Outcome.passed, result
        assert [c.name for c in result.checks] == ["test_add"]

    return _check
