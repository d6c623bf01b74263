"""A live worker removes the sandboxes of gone workers, by heartbeat: a silent worker of its own deployment (on
any machine) loses its containers and volumes; a live one, or another deployment's, keeps them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import docker
import pytest
from flask import Flask

from caseportal.services import status
from caseportal.worker import sweep_gone_workers
from caseportal.worker_identity import (
    DEPLOYMENT_LABEL,
    WORKER_HOST_LABEL,
    WORKER_PID_LABEL,
    deployment,
    set_deployment,
)
from sandbox.engine import CREATED_LABEL, LABEL
from tests.conftest import docker_available, require

pytestmark = pytest.mark.docker
TEST_LABEL = "caseportal.test-sweep"


@pytest.fixture()
def client(python_image: str) -> Iterator[docker.DockerClient]:
    require(docker_available(), "a Docker engine")
    c = docker.from_env()
    yield c
    for info in c.api.containers(all=True, filters={"label": [TEST_LABEL]}):
        c.api.remove_container(info["Id"], force=True)
    for vol in c.api.volumes(filters={"label": [TEST_LABEL]}).get("Volumes") or []:
        c.api.remove_volume(vol["Name"], force=True)
    c.close()


def _sandbox(client: docker.DockerClient, image: str, host: str, pid: str, deployment_id: str) -> str:
    """A stopped sandbox container and its volume as a worker would leave them, created a minute ago."""
    labels = {LABEL: "1", TEST_LABEL: "1", WORKER_HOST_LABEL: host, WORKER_PID_LABEL: pid,
              DEPLOYMENT_LABEL: deployment_id, CREATED_LABEL: str(int(time.time()) - 60)}
    name = f"sweep-{uuid.uuid4().hex[:12]}"
    client.api.create_volume(name=name, labels=labels)
    client.api.create_container(image, command=["true"], labels=labels, name=name, entrypoint=[])
    return name


def _present(client: docker.DockerClient, name: str) -> bool:
    containers = client.api.containers(all=True, filters={"name": name})
    volumes = client.api.volumes(filters={"name": name}).get("Volumes") or []
    return bool(containers) or bool(volumes)


def test_a_silent_workers_sandboxes_are_swept_and_a_live_ones_are_kept(
        app: Flask, client: docker.DockerClient, python_image: str) -> None:
    database = app.extensions["caseportal.db"]
    set_deployment(str(database.url))
    mine = deployment()
    with database.begin() as s:
        status.beat(s, "other-machine:222", docker_ok=True)
    silent = _sandbox(client, python_image, "other-machine", "111", mine)
    live = _sandbox(client, python_image, "other-machine", "222", mine)
    foreign = _sandbox(client, python_image, "other-machine", "333", "another-deployment")
    assert sweep_gone_workers(database, client) >= 2  # the silent worker's container and volume
    assert not _present(client, silent)
    assert _present(client, live) and _present(client, foreign)
