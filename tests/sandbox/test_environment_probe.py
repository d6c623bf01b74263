"""The case page's run-environment box against the real images: what it says is what the image runs."""

from __future__ import annotations

import json
from pathlib import Path

import docker
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal import environments
from caseportal.cli import main
from caseportal.services import runtimes
from sandbox.images.probe import image_id, probe_environment
from tests.conftest import Factory, candidate_page, environment_box
from tests.sandbox.conftest import SESSION_LABELS, leftovers

pytestmark = pytest.mark.docker

#: Asked a different way than the probe does (module attributes, sys.version), so the two can disagree.
DIRECT = """
import importlib, json, sqlite3, sys
found = {"Python": sys.version.split()[0], "SQLite": sqlite3.sqlite_version}
for label, module in (("pytest", "pytest"), ("NumPy", "numpy"), ("pandas", "pandas"), ("scikit-learn", "sklearn"),
                      ("Matplotlib", "matplotlib"), ("nbclient", "nbclient")):
    try:
        found[label] = importlib.import_module(module).__version__
    except ImportError:
        pass
print(json.dumps(found))
"""


def direct_versions(client: docker.DockerClient, image: str) -> dict[str, str]:
    """``docker run --rm --network none <image> python3 -c DIRECT``, straight through the SDK."""
    out = client.containers.run(image, ["python3", "-c", DIRECT], entrypoint=[], remove=True, network_mode="none",
                                user="65534:65534", environment={"HOME": "/tmp", "MPLCONFIGDIR": "/tmp/mpl"})
    return json.loads(out)


@pytest.mark.parametrize(("runtime", "slug", "expected"), [
    ("python", "api-rate-limiter", {"Python", "pytest", "SQLite"}),
    ("datasci", "bakery-demand-forecast",
     {"Python", "NumPy", "pandas", "scikit-learn", "Matplotlib", "nbclient", "pytest", "SQLite"}),
])
def test_the_case_page_shows_what_the_image_runs(runtime: str, slug: str, expected: set[str],
                                                 request: pytest.FixtureRequest, docker_client: docker.DockerClient,
                                                 client: FlaskClient, factory: Factory, session: Session) -> None:
    image = request.getfixturevalue(f"{runtime}_image")
    runtimes.record(session, runtime, image, probe_environment(image, docker_client, labels=SESSION_LABELS))
    session.commit()
    assert leftovers(docker_client) == []  # the probe's container and volume are gone

    box = environment_box(candidate_page(client, factory, slug))
    direct = direct_versions(docker_client, image)
    assert box is not None
    assert set(direct) == expected
    assert {label: box.get(label) for label in direct} == direct
    assert "Memory" in box and "Time limit per run" in box


def test_images_build_records_what_it_built(tmp_path: Path, python_image: str, app: Flask, session: Session,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`caseportal images build` probes the images and records them in the configured database."""
    monkeypatch.setenv("CASEPORTAL_INSTANCE", str(tmp_path / "cli-instance"))
    monkeypatch.setenv("CASEPORTAL_DATABASE_URL", str(app.extensions["caseportal.db"].url))
    result = CliRunner().invoke(main, ["images", "build", "--runtime", "python"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "python: Python 3." in result.output
    row = runtimes.current(session, "python")
    assert row is not None and row.image_ref == python_image
    assert row.facts["image_id"] == image_id(python_image)

    again = CliRunner().invoke(main, ["images", "build", "--runtime", "python"], catch_exceptions=False)
    assert again.exit_code == 0 and "python: Python" not in again.output  # the same image is not probed twice


def test_images_build_without_a_database_says_so_and_builds(tmp_path: Path, python_image: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEPORTAL_INSTANCE", str(tmp_path / "nothing-here"))
    monkeypatch.delenv("CASEPORTAL_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["images", "build", "--runtime", "python"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"python: {python_image}" in result.output
    assert "run `caseportal db upgrade`" in result.output
    assert not (tmp_path / "nothing-here" / "caseportal.db").exists()  # building images creates no database


def test_a_worker_at_start_records_the_present_images(app: Flask, session: Session, python_image: str,
                                                      datasci_image: str) -> None:
    status = environments.record_present_images(app.extensions["caseportal.db"], labels=SESSION_LABELS)
    assert status["python"] == "recorded" and status["datasci"] == "recorded"
    for runtime, image in (("python", python_image), ("datasci", datasci_image)):
        row = runtimes.current(session, runtime)
        assert row is not None and row.image_ref == image
    again = environments.record_present_images(app.extensions["caseportal.db"], labels=SESSION_LABELS)
    assert again["python"] == "unchanged" and again["datasci"] == "unchanged"
