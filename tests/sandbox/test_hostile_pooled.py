"""Every hostile submission of test_hostile.py again, unchanged, with a warm pool installed.

A pooled container is created before the run and gets the run's limits at claim, so each limit must hold there
too. The fixture checks that the runs really came from the pool and that no used container stayed behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import docker
import pytest

from sandbox import RunSpec
from sandbox import pool as sandbox_pool
from tests.sandbox import test_hostile
from tests.sandbox.conftest import SESSION_LABELS, SMALL

pytestmark = pytest.mark.docker
#: Tests whose runs cannot come from the pool (an image that does not exist).
COLD_ONLY = {"test_missing_image_is_an_infra_error"}

for _name, _test in vars(test_hostile).items():
    if _name.startswith("test_") and callable(_test):
        globals()[_name] = _test


@pytest.fixture(autouse=True)
def warm_pool(request: pytest.FixtureRequest, docker_client: docker.DockerClient,
              python_image: str) -> Iterator[sandbox_pool.Pool]:
    labels = {"caseportal.test-pool": uuid.uuid4().hex}
    warm = sandbox_pool.Pool(2, labels=labels, client=docker_client).start()
    assert warm.warm(RunSpec(image=python_image, limits=SMALL, labels=SESSION_LABELS))
    assert warm.ready(60), warm.stats
    sandbox_pool.install(warm)
    try:
        yield warm
        stats = warm.stats
        if stats.hits + stats.misses + stats.fallbacks and request.node.name not in COLD_ONLY:
            assert stats.hits >= 1 and stats.fallbacks == 0, stats
        warm.ready(30)
        flt = {"label": [f"{k}={v}" for k, v in labels.items()]}
        present = {c["Id"] for c in docker_client.api.containers(all=True, filters=flt)}
        assert present <= set(warm.idle_ids()), "a used pooled container was left behind"
    finally:
        sandbox_pool.install(None)
        warm.close()
