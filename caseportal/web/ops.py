"""Operator endpoints: ``/healthz`` (the process answers), ``/readyz`` (database and queue reachable) and
``/metrics`` (Prometheus), plus the per-endpoint request timer behind the latency histogram.

/healthz and /readyz need no login (load balancers and orchestrators call them) and tell nothing private.
/metrics is for the monitoring system only: a bearer token (CASEPORTAL_METRICS_TOKEN) when set, otherwise a
scrape from the same machine (loopback) alone.
"""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, request

from caseportal import metrics
from caseportal.config import Settings
from caseportal.db import Database
from caseportal.services import status

bp = Blueprint("ops", __name__)

LOOPBACK = ("127.0.0.1", "::1")


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: answers without touching the database, so a database outage never restarts the web process."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: 200 when the database and the queue answer, 503 naming what does not."""
    database: Database = current_app.extensions["caseportal.db"]
    queue = current_app.extensions["caseportal.queue"]
    checks = status.readiness(database, queue.huey)
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _may_scrape(settings: Settings) -> bool:
    if settings.metrics_token:
        header = request.headers.get("Authorization", "")
        return hmac.compare_digest(header.encode(), f"Bearer {settings.metrics_token}".encode())
    return request.remote_addr in LOOPBACK


@bp.get("/metrics")
def prometheus() -> Response:
    settings: Settings = current_app.extensions["caseportal.settings"]
    if not _may_scrape(settings):
        abort(403)
    body = metrics.render(current_app.extensions["caseportal.db"])
    return Response(body, mimetype=None, content_type=metrics.CONTENT_TYPE)


@bp.before_app_request
def _start_timer() -> None:
    g.cp_request_started = time.perf_counter()


@bp.after_app_request
def _observe(resp: Response) -> Response:
    started = g.get("cp_request_started")
    if started is not None:
        metrics.observe_request(request.endpoint or "unmatched", request.method, resp.status_code,
                                time.perf_counter() - started)
    return resp
