"""A real `caseportal worker` process shows up as a live worker with a working Docker engine, in `/readyz`'s
service and in `caseportal status`, and disappears when it stops."""

from __future__ import annotations

import os
import signal

import pytest
from flask import Flask

from caseportal.services import status
from tests.conftest import docker_available, require
from tests.jobs.conftest import Workers, wait_for


@pytest.mark.docker
def test_a_worker_process_beats_and_leaves(app: Flask, workers: Workers) -> None:
    require(docker_available(), "a Docker engine")
    database = app.extensions["caseportal.db"]

    def live() -> list[tuple[str, bool]]:
        with database.begin() as s:
            return [(w.name, w.docker_ok) for w in status.live_workers(s)]

    p = workers.start()
    wait_for(lambda: any(name.endswith(f":{p.pid}") and ok for name, ok in live()), 60,
             "the worker's heartbeat with Docker up", workers.logs, workers.check_alive)
    os.killpg(p.pid, signal.SIGINT)
    p.wait(timeout=30)
    assert not any(name.endswith(f":{p.pid}") for name, _ in live())
