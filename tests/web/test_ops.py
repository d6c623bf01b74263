"""Operator endpoints and faults: /healthz, /readyz, /metrics, the 503 page when the database or the queue is
down, the worker heartbeat and `caseportal status`. Outages are real: a database file that cannot be opened and
a Redis URL where nothing listens."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal import create_app
from caseportal.cli import main as cli_main
from caseportal.config import REPO_ROOT, Settings
from caseportal.models import Run, RunStatus
from caseportal.services import status
from caseportal.worker_presence import Presence
from sandbox.spec import RunResult
from tests.conftest import Factory

NOWHERE_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused at once


def _down_app(tmp_path: Path, **overrides: object) -> Iterator[Flask]:
    settings = Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", **overrides)
    app = create_app(settings, WTF_CSRF_ENABLED=False)
    yield app
    app.extensions["caseportal.db"].dispose()


@pytest.fixture()
def db_down_app(tmp_path: Path) -> Iterator[Flask]:
    """The database file sits in a folder that does not exist: every connection fails."""
    yield from _down_app(tmp_path, database_url=f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}")


def metric(body: str, name: str, labels: str = "") -> float:
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", body, re.M)
    assert m, f"{name}{labels} missing from:\n{body}"
    return float(m.group(1))


# --------------------------------------------------------------------------- health and readiness


def test_healthz_and_readyz_answer_without_login(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}


def test_database_down_fails_readyz_and_serves_a_clear_503(factory: Factory, db_down_app: Flask) -> None:
    token = factory.invite(factory.meeting())  # a genuine link (same secret), so only the database can fail it
    client = db_down_app.test_client()
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json is not None
    assert ready.json["status"] == "unavailable" and ready.json["checks"]["database"].startswith("unreachable")

    page = client.get(f"/i/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "Temporarily unavailable" in body and "Nothing you saved before has been lost" in body
    assert "Traceback" not in body and "OperationalError" not in body and "sqlite" not in body.lower()

    client.set_cookie("lang", "sv")
    sv = client.get(f"/i/{token}").get_data(as_text=True)
    assert "Tillfälligt otillgänglig" in sv and 'lang="sv"' in sv

    as_json = client.get(f"/i/{token}", headers={"Accept": "application/json"})
    assert as_json.status_code == 503 and as_json.json is not None and as_json.json["error"] == "unavailable"


def test_staff_pages_with_the_database_down_give_503_not_a_trace(db_down_app: Flask) -> None:
    client = db_down_app.test_client()
    resp = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert resp.status_code == 503 and "Traceback" not in resp.get_data(as_text=True)


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    """As conftest's, with the queue on a Redis that is down for the tests that ask for it by name."""
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", database_url=database_url)


def test_queue_down_fails_readyz_and_a_run_request_loses_nothing(tmp_path: Path, app: Flask,
                                                                 factory: Factory) -> None:
    from tests.web.test_candidate import coding_case, editable_path, started, stored

    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    settings = app.extensions["caseportal.settings"].with_(queue_url=NOWHERE_REDIS)
    down = create_app(settings, WTF_CSRF_ENABLED=False)
    try:
        client = down.test_client()
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json is not None
        assert ready.json["checks"] == {"database": "ok", "queue": "unreachable (ConnectionError)"}

        started(client, token, case.slug)
        path = editable_path(case)
        resp = client.post(f"/i/{token}/case/{case.slug}/run", data={f"file::{path}": "kept through the outage\n"})
        # The candidate is not bothered: the work and the run are committed, the page goes on to the results.
        assert resp.status_code == 302 and resp.headers["Location"].endswith("#results")
    finally:
        down.extensions["caseportal.db"].dispose()
    # Recovery puts the stored run on the queue once Redis is back.
    with app.extensions["caseportal.db"].begin() as s:
        queued = list(s.scalars(select(Run).where(Run.status == RunStatus.QUEUED)))
        assert len(queued) == 1
        assert status.queue_depth(s) == 1
    assert stored(factory.session, meeting, case.slug)[path] == b"kept through the outage\n"


# --------------------------------------------------------------------------- metrics


def test_metrics_from_loopback_count_runs_workers_and_requests(app: Flask, client: FlaskClient, factory: Factory,
                                                               session: Session) -> None:
    meeting = factory.meeting()
    sub = factory.submission(meeting, {"main.py": b"print(1)\n"})
    factory.run(sub, RunResult(outcome="passed", duration_s=1.5))
    factory.run(sub, RunResult(outcome="failed", duration_s=25.0))
    factory.run(sub, RunResult(outcome="crashed", explanation="engine gone"), status=RunStatus.ERROR)
    factory.run(sub, status=RunStatus.QUEUED)
    Presence(app.extensions["caseportal.db"], probe=lambda: True, name="host-a:1").beat_once()
    client.get("/healthz")

    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.content_type.startswith("text/plain")
    body = resp.get_data(as_text=True)
    assert metric(body, "caseportal_runs_total", '{outcome="passed"}') == 1
    assert metric(body, "caseportal_runs_total", '{outcome="failed"}') == 1
    assert metric(body, "caseportal_runs_total", '{outcome="infra_error"}') == 1
    assert metric(body, "caseportal_run_duration_seconds_bucket", '{le="2.0"}') == 1
    assert metric(body, "caseportal_run_duration_seconds_bucket", '{le="30.0"}') == 2
    assert metric(body, "caseportal_run_duration_seconds_sum") == pytest.approx(26.5)
    assert metric(body, "caseportal_run_queue_wait_seconds_count") == 3
    assert metric(body, "caseportal_queue_depth") == 1
    assert metric(body, "caseportal_workers_live") == 1
    assert metric(body, "caseportal_workers_docker_ok") == 1
    assert metric(body, "caseportal_http_request_duration_seconds_count",
                  '{endpoint="ops.healthz",method="GET",status="200"}') >= 1


def test_metrics_refuse_other_hosts_without_a_token(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403


def test_metrics_with_a_token_need_it_from_everywhere(tmp_path: Path) -> None:
    settings = Settings.for_tests(tmp_path, metrics_token="s3cret-scrape")
    app = create_app(settings)
    app.extensions["caseportal.db"].create_all()
    try:
        client = app.test_client()
        assert client.get("/metrics").status_code == 403  # loopback alone is not enough now
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert ok.status_code == 200 and "caseportal_queue_depth" in ok.get_data(as_text=True)
    finally:
        app.extensions["caseportal.db"].dispose()


# --------------------------------------------------------------------------- workers and `caseportal status`


def test_worker_heartbeat_comes_and_goes(app: Flask) -> None:
    database = app.extensions["caseportal.db"]
    presence = Presence(database, interval_s=0.05, probe=lambda: False, name="host-b:42")
    presence.start()
    try:
        for _ in range(100):
            with database.begin() as s:
                if [w.name for w in status.live_workers(s)] == ["host-b:42"]:
                    break
            presence.stop.wait(0.02)
        with database.begin() as s:
            (worker,) = status.live_workers(s)
            assert worker.name == "host-b:42" and worker.docker_ok is False
    finally:
        presence.stop.set()
        presence.join(5)
    with database.begin() as s:
        assert status.live_workers(s) == []


def test_heartbeat_survives_a_database_outage(tmp_path: Path) -> None:
    from caseportal.db import Database

    presence = Presence(Database(f"sqlite:///{tmp_path / 'gone' / 'db.sqlite'}"), probe=lambda: True, name="h:1")
    assert presence.beat_once() is False  # logged and skipped, not raised


def test_status_command_prints_queue_workers_and_failures(app: Flask, factory: Factory,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    settings: Settings = app.extensions["caseportal.settings"]
    sub = factory.submission(factory.meeting(), {"main.py": b"print(1)\n"})
    factory.run(sub, status=RunStatus.QUEUED)
    failed = factory.run(sub, RunResult(outcome="crashed", explanation="docker engine vanished"),
                         status=RunStatus.ERROR)
    Presence(app.extensions["caseportal.db"], probe=lambda: True, name="host-c:7").beat_once()
    monkeypatch.setenv("CASEPORTAL_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("CASEPORTAL_DATABASE_URL", settings.database_url)

    out = CliRunner().invoke(cli_main, ["status"])
    assert out.exit_code == 0, out.output
    assert "queue depth: 1 waiting" in out.output and "live workers: 1" in out.output
    assert "host-c:7" in out.output and f"run {failed.id}" in out.output and "docker engine vanished" in out.output

    data = json.loads(CliRunner().invoke(cli_main, ["status", "--json"]).output)
    assert data["queue_depth"] == 1 and data["workers"][0]["docker"] is True
    assert data["recent_failures"][0]["run"] == failed.id

    monkeypatch.setenv("CASEPORTAL_QUEUE_URL", NOWHERE_REDIS)
    down = CliRunner().invoke(cli_main, ["ready"])
    assert down.exit_code == 1 and "queue: unreachable" in down.output
