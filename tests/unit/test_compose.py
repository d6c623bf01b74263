"""docker-compose.yml keeps the production shape: PostgreSQL, Redis with a password, the web app under the
production server, workers, secrets only from the env file, and the Docker socket for workers alone."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from caseportal.config import REPO_ROOT

SOCKET = "/var/run/docker.sock"
APP_SERVICES = ("web", "worker")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _env_example() -> dict[str, str]:
    lines = (REPO_ROOT / "caseportal.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def _command(service: dict[str, Any]) -> str:
    cmd = service.get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def _volumes(service: dict[str, Any]) -> list[str]:
    return [v if isinstance(v, str) else str(v.get("source", "")) for v in service.get("volumes", [])]


def test_services_are_there(compose: dict[str, Any]) -> None:
    assert {"postgres", "redis", "web", "worker"} <= set(compose["services"])
    assert str(compose["services"]["postgres"]["image"]).startswith("postgres:")


def test_secrets_come_from_the_env_file_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert "caseportal.env" in (service.get("env_file") or []), f"{name} does not read the env file"
        for key, value in dict(service.get("environment") or {}).items():
            assert not any(word in key for word in ("PASSWORD", "SECRET", "TOKEN", "DATABASE_URL", "QUEUE_URL")), \
                f"{name} sets {key} in the compose file instead of the env file"
            assert "change-me" not in str(value)
    example = _env_example()
    for key in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "CASEPORTAL_SECRET_KEY", "CASEPORTAL_METRICS_TOKEN"):
        assert example[key].startswith("change-me"), f"the example must not ship a usable {key}"


def test_the_app_uses_postgres_and_a_password_protected_redis(compose: dict[str, Any]) -> None:
    example = _env_example()
    assert example["CASEPORTAL_DATABASE_URL"].startswith("postgresql")
    assert f":{example['POSTGRES_PASSWORD']}@postgres" in example["CASEPORTAL_DATABASE_URL"]
    assert example["CASEPORTAL_QUEUE_URL"].startswith(f"redis://:{example['REDIS_PASSWORD']}@redis:")
    redis_cmd = _command(compose["services"]["redis"])
    assert "--requirepass" in redis_cmd and "$$REDIS_PASSWORD" in redis_cmd
    for name in ("postgres", "redis"):
        assert "ports" not in compose["services"][name], f"{name} must not be published on the host"


def test_web_runs_the_production_server_and_workers_run(compose: dict[str, Any]) -> None:
    web, worker = compose["services"]["web"], compose["services"]["worker"]
    assert "caseportal serve" in _command(web) or "gunicorn" in _command(web)
    assert "flask run" not in _command(web) and "--reload" not in _command(web) and "demo" not in _command(web)
    assert "caseportal worker" in _command(worker)
    assert all(p.startswith("127.0.0.1:") for p in web.get("ports", [])), "publish the web port on loopback"
    for name in APP_SERVICES:
        assert "caseportal" in " ".join(compose["services"][name]["healthcheck"]["test"])


def test_only_workers_get_the_docker_socket(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        mounts_socket = any(v.startswith(SOCKET) for v in _volumes(service))
        assert mounts_socket == (name == "worker"), f"{name}: the Docker socket is for workers only"
        host_paths = [v.split(":", 1)[0] for v in _volumes(service) if v.startswith("/")]
        assert set(host_paths) <= {SOCKET}, f"{name} mounts a host path: {host_paths}"
