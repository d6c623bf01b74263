"""The worker's warm pool: off at size 0, labelled with the worker's identity, and swept when its worker died."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docker
import pytest

from caseportal.config import REPO_ROOT, Settings
from caseportal.run_executor import POOL_PID_LABEL, pool_labels, start_pool, stop_pool, sweep_dead_pools
from sandbox import Limits, RunSpec
from sandbox import pool as sandbox_pool

LIMITS = Limits(memory_mb=128, pids=32, tmpfs_mb=8, work_mb=8)
#: A worker process that fills its pool and dies without cleaning up (as after SIGKILL).
DYING_WORKER = """
import os, sys
from caseportal.run_executor import pool_labels
from sandbox import Limits, RunSpec
from sandbox.pool import Pool
warm = Pool(1, labels=pool_labels()).start()
warm.warm(RunSpec(image=sys.argv[1], limits=Limits(memory_mb=128, pids=32, tmpfs_mb=8, work_mb=8)))
assert warm.ready(90), warm.stats
print(os.getpid(), flush=True)
os._exit(0)
"""


def _pooled(client: docker.DockerClient, pid: int | str) -> list[str]:
    flt = {"label": [f"{POOL_PID_LABEL}={pid}"]}
    return [c["Id"] for c in client.api.containers(all=True, filters=flt)] + [
        v["Name"] for v in client.api.volumes(filters=flt).get("Volumes") or []]


def test_size_0_turns_the_pool_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEPORTAL_SANDBOX_POOL_SIZE", raising=False)
    assert start_pool(Settings.for_tests(tmp_path, sandbox_pool_size=0)) is None
    assert sandbox_pool.active() is None
    assert Settings.from_env(tmp_path).sandbox_pool_size == 2
    monkeypatch.setenv("CASEPORTAL_SANDBOX_POOL_SIZE", "0")
    assert Settings.from_env(tmp_path).sandbox_pool_size == 0


@pytest.mark.docker
def test_a_dead_workers_pooled_sandboxes_are_swept_and_a_live_ones_kept(tmp_path: Path, python_image: str) -> None:
    client = docker.from_env()
    dying = subprocess.run([sys.executable, "-c", DYING_WORKER, python_image], cwd=REPO_ROOT, capture_output=True,
                           text=True, timeout=180)
    assert dying.returncode == 0, dying.stderr
    dead_pid = dying.stdout.strip()
    assert len(_pooled(client, dead_pid)) == 1, "the dead worker left a pooled container (/out is a tmpfs: no volume)"

    live = start_pool(Settings.for_tests(tmp_path, sandbox_pool_size=1))
    assert live is not None and sandbox_pool.active() is live
    try:
        assert live.labels == pool_labels()
        assert live.warm(RunSpec(image=python_image, limits=LIMITS)) and live.ready(90)
        assert _pooled(client, dead_pid) == [], "start_pool sweeps the dead worker's pooled sandboxes"
        assert sweep_dead_pools(client) == 0
        assert len(_pooled(client, live.labels[POOL_PID_LABEL])) == 1, "a live worker's pool is kept"
    finally:
        stop_pool(live)
    assert sandbox_pool.active() is None
    assert _pooled(client, live.labels[POOL_PID_LABEL]) == [], "stopping the pool removes its containers"
