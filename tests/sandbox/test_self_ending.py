"""Sandboxes end themselves whatever happens to their worker, and time is measured where the code runs.

Real containers and a real stand-in worker process (``_worker_run.py``) that is paused or killed mid-run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import docker
import pytest

from caseportal.config import REPO_ROOT
from sandbox import RunSpec
from sandbox import engine as sandbox_engine
from tests.sandbox.conftest import SESSION_LABELS, SMALL

pytestmark = pytest.mark.docker

#: Writes a passing results file after ``SLEEP`` seconds.
PASSING_AFTER = ("import json, time; time.sleep({sleep}); "
                 "json.dump({{'checks': [{{'name': 't', 'status': 'passed'}}]}}, open('/out/results.json', 'w'))")


def _worker(image: str, code: str, timeout_s: float, labels: dict[str, str]) -> subprocess.Popen[str]:
    limits = dataclasses.replace(SMALL, timeout_s=timeout_s).to_dict()
    raw = json.dumps({"image": image, "command": ["python3", "-c", code], "limits": limits, "labels": labels})
    return subprocess.Popen([sys.executable, "-m", "tests.sandbox._worker_run", raw], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _containers(client: docker.DockerClient, labels: dict[str, str], *, running: bool) -> list[dict[str, object]]:
    flt: dict[str, object] = {"label": [f"{k}={v}" for k, v in labels.items()]}
    if running:
        flt["status"] = "running"
    return list(client.api.containers(all=not running, filters=flt))


def _wait(pred: object, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pred():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _remove(client: docker.DockerClient, labels: dict[str, str]) -> None:
    sandbox_engine.sweep_orphans(client, labels=labels)


def test_a_container_whose_input_never_arrives_exits_by_itself(
        docker_client: docker.DockerClient, python_image: str) -> None:
    """The worker died between start and sending the files: cp-entry gives up within seconds (exit 125)."""
    labels = {**SESSION_LABELS, "caseportal.test-case": uuid.uuid4().hex}
    spec = RunSpec(image=python_image, limits=SMALL, labels=labels)
    run_id = uuid.uuid4().hex
    volume = sandbox_engine.out_volume_options(spec, run_id)
    docker_client.api.create_volume(**volume)
    try:
        container = docker_client.containers.create(**sandbox_engine.container_options(spec, run_id, volume["name"]))
        container.start()
        waited = _wait(lambda: not _containers(docker_client, labels, running=True), 30, "the container to exit")
        container.reload()
        print(f"a container without input exited by itself after {waited:.1f} s")
        assert container.attrs["State"]["ExitCode"] == 125
    finally:
        _remove(docker_client, labels)


def test_code_sleeping_past_the_limit_ends_in_the_container_when_the_worker_is_killed(
        docker_client: docker.DockerClient, python_image: str) -> None:
    labels = {**SESSION_LABELS, "caseportal.test-case": uuid.uuid4().hex}
    worker = _worker(python_image, "import time; time.sleep(600)", 2, labels)
    try:
        _wait(lambda: bool(_containers(docker_client, labels, running=True)), 30, "the container to start")
        time.sleep(0.5)  # the input is sent and the code sleeps
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        waited = _wait(lambda: not _containers(docker_client, labels, running=True), 20,
                       "the container to end by itself")
        print(f"the orphaned container ended {waited:.1f} s after its worker was killed (limit 2 s)")
        assert waited < 2 + 5
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        _remove(docker_client, labels)


def test_a_paused_worker_changes_neither_the_duration_nor_the_verdict(
        docker_client: docker.DockerClient, python_image: str) -> None:
    """A 1 s run under a 3 s limit whose worker is stopped for 6 s: passed, in about 1 s (its own clock)."""
    labels = {**SESSION_LABELS, "caseportal.test-case": uuid.uuid4().hex}
    worker = _worker(python_image, PASSING_AFTER.format(sleep=1), 3, labels)
    try:
        _wait(lambda: bool(_containers(docker_client, labels, running=True)), 30, "the container to start")
        os.killpg(worker.pid, signal.SIGSTOP)
        time.sleep(6)
        os.killpg(worker.pid, signal.SIGCONT)
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        _remove(docker_client, labels)
    result = json.loads(out.strip().splitlines()[-1])
    print(f"paused worker: {result}")
    assert result["outcome"] == "passed", err
    assert 0.9 <= result["duration_s"] < 2.5, result


def test_the_limit_is_kept_inside_the_container_while_the_worker_is_paused(
        docker_client: docker.DockerClient, python_image: str) -> None:
    """Code sleeping past a 2 s limit ends while its worker is stopped; the worker then reports a 2 s timeout."""
    labels = {**SESSION_LABELS, "caseportal.test-case": uuid.uuid4().hex}
    worker = _worker(python_image, "import time; time.sleep(600)", 2, labels)
    try:
        _wait(lambda: bool(_containers(docker_client, labels, running=True)), 30, "the container to start")
        time.sleep(0.5)
        os.killpg(worker.pid, signal.SIGSTOP)
        waited = _wait(lambda: not _containers(docker_client, labels, running=True), 20,
                       "the container to end while its worker is paused")
        os.killpg(worker.pid, signal.SIGCONT)
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        _remove(docker_client, labels)
    print(f"ended {waited:.1f} s into the pause")
    result = json.loads(out.strip().splitlines()[-1])
    assert result["outcome"] == "timeout", err
    assert 2.0 <= result["duration_s"] < 2.5, result
