"""What a run costs the engine beyond the container itself (README, "Sandbox overhead and the warm pool"): no
volume per run, one create call, one client per process, and a pool with a warm container per run thread."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pytest

from caseportal.config import Settings
from caseportal.run_executor import pool_size_for
from sandbox import Outcome, RunResult, RunSpec, engine
from sandbox import pool as sandbox_pool
from sandbox.images.probe import probe_environment
from tests.sandbox.conftest import SESSION_LABELS, SMALL

RESULTS = ('echo \'{"checks": [{"name": "ok", "status": "passed", "message": "", "visible": true}]}\' '
           "> /out/results.json")


def _counting(monkeypatch: pytest.MonkeyPatch, api: Any, name: str) -> list[object]:
    """Record every call of ``api.<name>`` (the real call still happens)."""
    calls: list[object] = []
    real = getattr(api, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, name, counted)
    return calls


@pytest.mark.docker
def test_out_is_a_capped_tmpfs_of_the_container_and_no_volume_is_made(
        docker_client: docker.DockerClient, run_small: Callable[..., RunResult],
        monkeypatch: pytest.MonkeyPatch) -> None:
    volumes = _counting(monkeypatch, docker_client.api, "create_volume")
    result = run_small(f"grep ' /out ' /proc/mounts; {RESULTS}")
    assert result.outcome == Outcome.passed, result
    assert [c.name for c in result.checks] == ["ok"], "the results came back in-band"
    assert volumes == [], "a run made a volume"
    mount = result.stdout.split()
    assert mount[:3] == ["tmpfs", "/out", "tmpfs"], result.stdout
    options = set(mount[3].split(","))
    assert {"nosuid", "nodev", "noexec", "uid=65534", "gid=65534", "size=2048k"} <= options, options


@pytest.mark.docker
def test_a_container_is_created_with_one_engine_call_and_its_hardening(
        docker_client: docker.DockerClient, python_image: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = RunSpec(image=python_image, limits=SMALL, labels=SESSION_LABELS)
    inspected = _counting(monkeypatch, docker_client.api, "inspect_container")
    container_id = engine.create_container(docker_client, engine.container_options(spec, uuid.uuid4().hex))
    try:
        assert inspected == [], "creating the container inspected it too"
        monkeypatch.undo()
        host = docker_client.api.inspect_container(container_id)["HostConfig"]
        assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"]
        assert host["Memory"] == SMALL.memory_mb << 20 and host["PidsLimit"] == SMALL.pids and host["Init"] is True
        assert set(host["Tmpfs"]) == {"/tmp", "/work", "/case", "/out"} and not host.get("Mounts")
    finally:
        engine.remove(docker_client, container_id, None)


@pytest.mark.docker
def test_one_client_serves_every_run_thread_of_a_process(docker_client: docker.DockerClient) -> None:
    seen: list[docker.DockerClient] = []
    threads = [threading.Thread(target=lambda: seen.append(engine.shared_client())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4 and all(c is seen[0] for c in seen)
    assert all(getattr(a, "max_pool_size", 0) >= engine.CLIENT_POOL_SIZE for a in seen[0].api.adapters.values())


def test_a_worker_keeps_a_warm_sandbox_per_run_thread(tmp_path: Path) -> None:
    settings = Settings.for_tests(tmp_path, sandbox_pool_size=2)
    assert [pool_size_for(settings, threads) for threads in (1, 2, 4)] == [2, 2, 4]
    assert pool_size_for(Settings.for_tests(tmp_path, sandbox_pool_size=0), 4) == 0, "0 keeps the pool off"


@pytest.mark.docker
def test_the_image_probe_starts_cold_and_leaves_the_pool_alone(docker_client: docker.DockerClient,
                                                               python_image: str) -> None:
    """A worker probes every runtime image at start; warm containers for the probe's shape would be kept (and
    refilled) for runs that never come, and could push a real case's shape out of the pool."""
    warm = sandbox_pool.Pool(1, labels={"caseportal.test-pool": uuid.uuid4().hex}, client=docker_client).start()
    sandbox_pool.install(warm)
    try:
        facts = probe_environment(python_image, docker_client, labels=SESSION_LABELS)
        assert facts["python"]
        stats = warm.stats
        assert stats.hits + stats.misses + stats.fallbacks == 0 and warm.idle_ids() == [], stats
    finally:
        sandbox_pool.install(None)
        warm.close()

