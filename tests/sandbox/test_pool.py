"""The warm pool against the real engine: a fresh container per run, the run's limits applied at claim, and
every pool fault ending in a cold run instead of a wrong outcome."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator

import docker
import docker.errors
import pytest

from sandbox import Limits, Outcome, RunSpec, engine, run
from sandbox import pool as sandbox_pool
from tests.sandbox.conftest import SMALL

pytestmark = pytest.mark.docker


@pytest.fixture()
def pool(docker_client: docker.DockerClient) -> Iterator[sandbox_pool.Pool]:
    """A started pool of one, installed for ``sandbox.run``; its containers carry a label of this test alone."""
    warm = sandbox_pool.Pool(1, labels={"caseportal.test-pool": uuid.uuid4().hex}, client=docker_client).start()
    sandbox_pool.install(warm)
    try:
        yield warm
    finally:
        sandbox_pool.install(None)
        warm.close()
    assert pool_containers(docker_client, warm) == [], "closing the pool removes its idle containers"


def pool_containers(client: docker.DockerClient, warm: sandbox_pool.Pool) -> list[str]:
    flt = {"label": [f"{k}={v}" for k, v in warm.labels.items()]}
    return [c["Id"] for c in client.api.containers(all=True, filters=flt)]


def warmed(warm: sandbox_pool.Pool, spec: RunSpec) -> RunSpec:
    assert warm.warm(spec)
    assert warm.ready(60), warm.stats
    return spec


def test_each_run_gets_a_fresh_container_that_is_removed_after_it(
        docker_client: docker.DockerClient, python_image: str, pool: sandbox_pool.Pool) -> None:
    script = ("for f in /work/left /tmp/left; do [ -e $f ] && echo found $f; done; "
              "echo x > /work/left; echo x > /tmp/left; cat /proc/1/cpuset; head -c 12 /proc/sys/kernel/random/uuid")
    spec = warmed(pool, RunSpec(image=python_image, command=("sh", "-c", script), limits=SMALL))
    first_idle = pool.idle_ids()
    first = run(spec, client=docker_client)
    assert pool.ready(60)
    second = run(spec, client=docker_client)
    assert pool.stats.hits == 2 and pool.stats.misses == 0, pool.stats
    assert "found" not in first.stdout + second.stdout, (first.stdout, second.stdout)
    assert first.stdout.splitlines()[0] != second.stdout.splitlines()[0], "two runs shared a container"
    assert first.stdout.splitlines()[0].endswith(first_idle[0]), "the run did not use the pooled container"
    assert pool.ready(60)
    assert sorted(pool_containers(docker_client, pool)) == sorted(pool.idle_ids()), "a used container was kept"


def test_the_runs_limits_are_applied_at_claim(docker_client: docker.DockerClient, python_image: str,
                                              pool: sandbox_pool.Pool) -> None:
    limits = Limits(cpus=0.5, memory_mb=160, pids=40, timeout_s=20, tmpfs_mb=16, work_mb=16)
    show = ("cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max"
            " /sys/fs/cgroup/cpu/cpu.cfs_quota_us")
    shown = run(warmed(pool, RunSpec(image=python_image, command=("sh", "-c", show), limits=limits)),
                client=docker_client)
    assert shown.stdout.split() == [str(160 << 20), "40", "50000"], shown
    # 100 MB fits the run's 160 MB (not the idle pool's 64 MB); 300 MB does not: killed at the run's limit.
    hog = "x = bytearray({mb} << 20)\nfor i in range(0, len(x), 4096):\n    x[i] = 1\nprint('held', len(x) >> 20)\n"
    assert pool.ready(60)
    fits = run(RunSpec(image=python_image, command=("python3", "-c", hog.format(mb=100)), limits=limits),
               client=docker_client)
    assert "held 100" in fits.stdout, fits
    assert pool.ready(60)
    hogged = run(RunSpec(image=python_image, command=("python3", "-c", hog.format(mb=300)), limits=limits),
                 client=docker_client)
    assert hogged.outcome == Outcome.oom and "160 MB" in hogged.explanation, hogged
    assert pool.stats.hits == 3 and pool.stats.fallbacks == 0, pool.stats


def test_a_run_with_other_limits_gets_its_own_and_the_pool_follows(
        docker_client: docker.DockerClient, python_image: str, pool: sandbox_pool.Pool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Containers are made with the limits of the last run that asked: the same case's next run needs no update,
    a run with other limits (same shape) gets them applied at claim, and the refill then makes containers for it."""
    updates: list[str] = []
    real_update = engine.update_limits

    def counted(client: docker.DockerClient, container_id: str, limits: Limits) -> None:
        updates.append(container_id)
        real_update(client, container_id, limits)

    monkeypatch.setattr(engine, "update_limits", counted)
    show = "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max"
    first = dataclasses.replace(SMALL, memory_mb=96, pids=30)
    shown = run(warmed(pool, RunSpec(image=python_image, command=("sh", "-c", show), limits=first)),
                client=docker_client)
    assert shown.stdout.split() == [str(96 << 20), "30"] and updates == [], (shown, updates)
    other = dataclasses.replace(first, memory_mb=112, pids=31)
    assert pool.ready(60)
    shown = run(RunSpec(image=python_image, command=("sh", "-c", show), limits=other), client=docker_client)
    assert shown.stdout.split() == [str(112 << 20), "31"] and len(updates) == 1, (shown, updates)
    assert pool.ready(60)
    (idle,) = pool.idle_ids()
    if idle == updates[0]:
        pytest.fail("a used container came back to the pool")
    shown = run(RunSpec(image=python_image, command=("sh", "-c", show), limits=other), client=docker_client)
    assert shown.stdout.split() == [str(112 << 20), "31"] and len(updates) == 1, (shown, updates)
    assert pool.stats.hits == 3 and pool.stats.fallbacks == 0, pool.stats


def test_a_container_that_died_while_idle_means_a_cold_run(docker_client: docker.DockerClient, python_image: str,
                                                           pool: sandbox_pool.Pool) -> None:
    spec = warmed(pool, RunSpec(image=python_image, command=("sh", "-c", "echo ok"), limits=SMALL))
    (idle,) = pool.idle_ids()
    docker_client.api.kill(idle)  # as an engine restart or an outside kill would
    docker_client.api.wait(idle, timeout=30)
    result = run(spec, client=docker_client)
    assert result.stdout.strip() == "ok" and result.outcome == Outcome.crashed, result  # no results file: crashed
    assert pool.stats.fallbacks == 1 and pool.stats.hits == 0, pool.stats
    assert pool.ready(60) and pool.idle_ids() != [idle], "the pool refills with a new container"
    with pytest.raises(docker.errors.NotFound):
        docker_client.api.inspect_container(idle)


def test_limits_the_engine_refuses_mean_a_cold_run(docker_client: docker.DockerClient, python_image: str,
                                                   pool: sandbox_pool.Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = warmed(pool, RunSpec(image=python_image, command=("sh", "-c", "echo ok"), limits=SMALL))
    (idle,) = pool.idle_ids()

    def refuse(*_args: object) -> None:
        raise docker.errors.APIError("Cannot update container: the engine said no")

    monkeypatch.setattr(engine, "update_limits", refuse)
    other = dataclasses.replace(spec, limits=dataclasses.replace(SMALL, pids=SMALL.pids + 1))  # needs an update
    result = run(other, client=docker_client)
    assert result.stdout.strip() == "ok", result
    assert pool.stats.fallbacks == 1 and pool.stats.hits == 0, pool.stats
    with pytest.raises(docker.errors.NotFound):
        docker_client.api.inspect_container(idle)


def test_specs_the_pool_cannot_express_run_cold() -> None:
    python_image = "caseportal/runtime-python:any"
    odd_env = RunSpec(image=python_image, env={"NOT-AN-IDENTIFIER": "1"})
    clash = RunSpec(image=python_image, case_files={sandbox_pool.COMMAND_FILE: b"echo hi"})
    assert sandbox_pool.shape_of(odd_env) is None and sandbox_pool.shape_of(clash) is None
    script = sandbox_pool.command_file(RunSpec(image=python_image, command=("cp-pytest", "-k", "it's"),
                                               env={"CASEPORTAL_CHECKS": "all", "HOME": "/elsewhere"}))
    assert script is not None
    assert script.decode().splitlines()[1:] == ["export CASEPORTAL_CHECKS=all", "exec cp-pytest -k 'it'\"'\"'s'"]
    with pytest.raises(ValueError):
        sandbox_pool.Pool(0)


def test_a_pooled_container_waits_longer_than_a_cold_ones_input_timeout(
        docker_client: docker.DockerClient, python_image: str, pool: sandbox_pool.Pool) -> None:
    spec = warmed(pool, RunSpec(image=python_image, command=("sh", "-c", "echo ok"), limits=SMALL))
    time.sleep(11)  # cp-entry's own default gives up on missing input after 10 s
    result = run(spec, client=docker_client)
    assert result.stdout.strip() == "ok" and pool.stats.hits == 1, (result, pool.stats)
