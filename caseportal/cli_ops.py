"""`caseportal status` and `caseportal ready`: what an operator (or a container health check) asks of a running
instance, from the same service as ``/readyz`` and ``/metrics``."""

from __future__ import annotations

import json
import sys

import click

from .config import Settings
from .db import Database
from .services import status


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of text")
@click.option("--failures", default=10, show_default=True, help="how many recent failures to list")
def status_cmd(as_json: bool, failures: int) -> None:
    """Queue depth, live workers and recent failures; exits 1 when the database or the queue is down."""
    from .jobs import make_huey
    from .models import utcnow

    settings = Settings.from_env()
    database = Database(settings.database_url)
    try:
        checks = status.readiness(database, make_huey(settings))
        if checks["database"] != "ok":
            _report({"checks": checks}, as_json)
            sys.exit(1)
        now = utcnow()
        with database.begin() as s:
            data = {
                "checks": checks,
                "queue_depth": status.queue_depth(s),
                "running": status.running_count(s),
                "workers": [{"name": w.name, "docker": w.docker_ok, "seen_s_ago": round((now - w.seen_at)
                             .total_seconds(), 1), "started_at": w.started_at.isoformat()}
                            for w in status.live_workers(s, now)],
                "recent_failures": [{"run": f.run_id, "finished_at": f.finished_at.isoformat() if f.finished_at
                                     else None, "worker": f.worker, "detail": f.detail[:300]}
                                    for f in status.recent_failures(s, failures)],
            }
        _report(data, as_json)
        if any(v != "ok" for v in checks.values()):
            sys.exit(1)
    finally:
        database.dispose()


def _report(data: dict[str, object], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data))
        return
    for name, state in dict(data["checks"]).items():  # type: ignore[call-overload]
        click.echo(f"{name}: {state}")
    if "queue_depth" not in data:
        return
    click.echo(f"queue depth: {data['queue_depth']} waiting, {data['running']} running")
    workers = list(data["workers"])  # type: ignore[call-overload]
    click.echo(f"live workers: {len(workers)}")
    for w in workers:
        click.echo(f"  {w['name']}  docker {'ok' if w['docker'] else 'DOWN'}  seen {w['seen_s_ago']} s ago")
    failures = list(data["recent_failures"])  # type: ignore[call-overload]
    click.echo(f"recent failures: {len(failures)}")
    for f in failures:
        click.echo(f"  run {f['run']}  {f['finished_at']}  {f['worker']}  {f['detail']}")


@click.command("ready")
@click.option("--worker", is_flag=True, help="also require this machine's Docker engine (a worker's check)")
def ready_cmd(worker: bool) -> None:
    """Exit 0 when the database and the queue (and with --worker, Docker) answer: for container health checks."""
    from .jobs import make_huey
    from .worker_presence import docker_ok

    settings = Settings.from_env()
    database = Database(settings.database_url)
    try:
        checks = status.readiness(database, make_huey(settings), docker_ok if worker else None)
    finally:
        database.dispose()
    for name, state in checks.items():
        click.echo(f"{name}: {state}")
    if any(v != "ok" for v in checks.values()):
        sys.exit(1)


def register(main: click.Group) -> None:
    main.add_command(status_cmd)
    main.add_command(ready_cmd)
